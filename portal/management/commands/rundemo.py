"""Serve the demo until Ctrl-C: the web server, the provider sandbox and a Celery worker + beat."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from inventory.demo import sandbox_port


class Command(BaseCommand):
    help = "Run the portal, the provider sandbox and a Celery worker with beat (the demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host: str, port: int, **options) -> None:
        python = sys.executable
        commands = [
            # The simulators run over HTTP so that the web server and the worker share one state.
            [python, "manage.py", "sandbox", "serve", "--port", str(sandbox_port())],
            [
                python, "-m", "celery", "-A", "portal", "worker", "--beat", "--pool=threads",
                "--concurrency=4", "--loglevel=INFO",
                f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
            ],
        ]  # fmt: skip
        children = [subprocess.Popen(cmd, cwd=settings.BASE_DIR) for cmd in commands]  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"didhub demo on http://{host}:{port}/ (Ctrl-C stops everything)")
        )
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
