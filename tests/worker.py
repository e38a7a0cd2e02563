"""Start a real Celery worker on Redis against the test database, for the tests that need one."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.processes import celery_worker_process, database_url


@contextmanager
def celery_worker(mail_dir: Path, *, queue: str) -> Iterator[subprocess.Popen]:
    """A worker process consuming ``queue`` with the test database's name in its settings."""
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": database_url(),
        "DIDHUB_TEST_WORKER_MAIL_DIR": str(mail_dir),
        # What the worker enqueues itself (retries with a countdown) stays on this queue.
        "DIDHUB_TEST_WORKER_QUEUE": queue,
    }
    with celery_worker_process(queue=queue, env=env) as process:
        yield process


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy; returns its value or raises AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
