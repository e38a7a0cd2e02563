"""Per-account request rate limits shared by every process (DESIGN.md §2).

A moving window over the ``limits`` library: on Redis in production and tests, in memory in the
embedded demo. Callers block until a slot in the window is free, so no window of the account's
length ever sees more requests than the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@cache
def _limiter(storage_url: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_url))


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
        while not limiter.hit(self.item, "provider-account", self.key):
            reset_at, _remaining = limiter.get_window_stats(self.item, "provider-account", self.key)
            self._sleep(max(0.005, min(reset_at - time.time(), 1.0)))
