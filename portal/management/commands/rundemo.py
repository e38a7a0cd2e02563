"""Serve the demo until Ctrl-C: the web server, the provider sandbox and a Celery worker + beat,
each a supervised child process (a child that dies is restarted; see portal/supervisor.py)."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inventory.demo import sandbox_port
from portal.broker import embedded_broker_in_use, embedded_broker_prepare
from portal.celery import app
from portal.supervisor import ChildSpec, GaveUp, Supervisor

# The demo's simulated provider accounts are a training sandbox: a long demo (or demo_soak) must
# not run them dry, which would send every later order to the dead-letter list.
DEMO_PROVIDER_BALANCE = "1000000.00"


def demo_children(*, host: str, port: int) -> list[ChildSpec]:
    python = sys.executable
    return [
        # The simulators run over HTTP so that the web server and the worker share one state.
        ChildSpec("sandbox", [
            python, "manage.py", "sandbox", "serve", "--port", str(sandbox_port()),
            "--balance", DEMO_PROVIDER_BALANCE, "--hold-demo-numbers",
        ]),
        ChildSpec("worker", [
            python, "-m", "celery", "-A", "portal", "worker", "--beat", "--pool=threads",
            "--concurrency=4", "--loglevel=INFO",
        ]),
        ChildSpec("web", [python, "manage.py", "runserver", "--noreload", f"{host}:{port}"]),
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Run the portal, the provider sandbox and a Celery worker with beat (the demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host: str, port: int, **options) -> None:
        if embedded_broker_in_use():
            pruned = embedded_broker_prepare(app)
            self.stdout.write(f"demo: embedded broker ready ({pruned} delivered messages pruned)")
        supervisor = Supervisor(
            demo_children(host=host, port=port), cwd=settings.BASE_DIR, say=self._say
        )
        self.stdout.write(
            self.style.SUCCESS(f"didhub demo on http://{host}:{port}/ (Ctrl-C stops everything)")
        )
        try:
            supervisor.run()
        except GaveUp as error:
            raise CommandError(str(error)) from None
        self._say("demo: stopped")

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
