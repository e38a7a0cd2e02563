"""Which external services this test run can reach (PostgreSQL, Redis, Chromium)."""

from __future__ import annotations

import os
import shutil
import socket
from functools import cache
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


@cache
def postgres_up() -> bool:
    if os.environ["DATABASE_URL"].startswith("sqlite:"):
        return True  # the SQLite run of tests/test_hostile_crawl.py needs no server
    return _reachable(os.environ["DATABASE_URL"], 5432)


@cache
def redis_up() -> bool:
    return _reachable(os.environ["REDIS_URL"], 6379)


@cache
def chromium_present() -> bool:
    return bool(shutil.which(CHROMIUM))
