"""The per-account limiter holds under many concurrent callers, in memory and on Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from inventory.providers.ratelimit import AccountRateLimiter

RATE, PER = 20, 1.0
THREADS, CALLS_EACH = 8, 8


def hammer(storage_url: str) -> list[float]:
    key = f"test-{uuid.uuid4().hex}"
    stamps: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        limiter = AccountRateLimiter(key=key, rate=f"{RATE}/second", storage_url=storage_url)
        start.wait()
        for _ in range(CALLS_EACH):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(stamps)


def busiest_window(stamps: list[float], width: float) -> int:
    best, left = 0, 0
    for right, stamp in enumerate(stamps):
        while stamp - stamps[left] >= width:
            left += 1
        best = max(best, right - left + 1)
    return best


def assert_limited(stamps: list[float]) -> None:
    assert len(stamps) == THREADS * CALLS_EACH
    # Stamps are taken just after each grant, so allow the window a little scheduling slack.
    assert busiest_window(stamps, PER - 0.05) <= RATE
    # And the limiter really made callers wait: 64 calls at 20/s span at least 2 windows.
    assert stamps[-1] - stamps[0] >= (len(stamps) / RATE - 1) * PER - 0.05


def test_memory_limiter_under_concurrency():
    assert_limited(hammer("memory://"))


@pytest.mark.redis
def test_redis_limiter_is_shared_by_every_caller():
    assert_limited(hammer(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))


def test_no_rate_means_no_waiting():
    limiter = AccountRateLimiter(key="free", rate="", sleep=lambda s: pytest.fail("slept"))
    for _ in range(1000):
        limiter.acquire()
