"""Child processes the benchmarks and the tests start against this process's database: the
same worker, the same database URL, stopped the same way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """This process's database connection as a ``DATABASE_URL`` for a child process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def celery_worker_process(*, queue: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """A solo Celery worker consuming ``queue`` with ``env`` over this process's environment
    (its output on a pipe, as text); terminated on leaving, killed if it will not stop."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"]
    command += ["--loglevel=INFO", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        command,
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
