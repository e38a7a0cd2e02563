"""Per-account request rate limits shared by every process (DESIGN.md §2).

A moving window over the ``limits`` library: on Redis in production and tests, in memory in the
embedded demo. Callers block until a slot in the window is free, so no window of the account's
length ever sees more requests than the limit.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_limiters: dict[str, MovingWindowRateLimiter] = {}
_limiters_lock = threading.Lock()


def _limiter(storage_url: str) -> MovingWindowRateLimiter:
    # One storage per URL per process: two in-memory storages would each count only their own
    # hits, so the first concurrent callers must not race to create them.
    with _limiters_lock:
        if storage_url not in _limiters:
            _limiters[storage_url] = MovingWindowRateLimiter(storage_from_string(storage_url))
        return _limiters[storage_url]


_memory_hit_lock = threading.Lock()


def _hit_lock(storage_url: str) -> threading.Lock | contextlib.nullcontext:
    # Redis checks and records a hit in one atomic script; the in-memory storage is only made
    # safe for threads here, by taking the hits one at a time.
    return _memory_hit_lock if storage_url.startswith("memory") else contextlib.nullcontext()


class AccountRateLimiter:
    """Blocks until the account may send one more request.

    ``rate`` is a ``limits`` string such as ``"20/second"`` or ``"60/minute"``; an empty rate means
    no limit. ``key`` names the account (shared by every process that uses the same storage).
    """

    def __init__(
        self,
        *,
        key: str,
        rate: str,
        storage_url: str = "memory://",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.item: RateLimitItem | None = parse(rate) if rate else None
        self.storage_url = storage_url
        self._sleep = sleep

    def acquire(self) -> None:
        if self.item is None:
            return
        limiter = _limiter(self.storage_url)
        lock = _hit_lock(self.storage_url)
        while True:
            with lock:
                if limiter.hit(self.item, "provider-account", self.key):
                    return
            reset_at, _remaining = limiter.get_window_stats(self.item, "provider-account", self.key)
            self._sleep(max(0.005, min(reset_at - time.time(), 1.0)))
