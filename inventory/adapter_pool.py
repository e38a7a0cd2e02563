"""One adapter (so one ``httpx.Client``, one connection pool, one PBXme login) per provider
account per process, reused across calls and closed when it is replaced or the process exits.

The key is the account id with a stamp of everything the adapter is built from (the
``AccountConfig``: URL, credentials, rate limit, countries, the sandbox transport...): an account
whose credentials or URL changed gets a new adapter on its next use, and the old one is closed.
The stamp is a digest, so no secret is kept in the key; it is computed from the account as the
caller loaded it, which ``QuerySet.update`` cannot bypass the way it bypasses an ``auto_now``
column.

Forks (Celery's prefork pool forks workers from a parent that may have used adapters): a child
forgets the parent's adapters without closing them, since their sockets are the parent's, and
builds its own.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from .providers.http import AccountConfig

logger = logging.getLogger("didhub.providers")


def config_stamp(config: AccountConfig) -> str:
    facts = {
        "name": config.name,
        "kind": config.kind,
        "base_url": config.base_url,
        "currency": config.currency,
        "credentials": sorted((str(k), str(v)) for k, v in config.credentials.items()),
        "rate_limit": config.rate_limit,
        "rate_limit_storage": config.rate_limit_storage,
        "timeout": repr(config.timeout),
        "countries": list(config.countries),
        # The sandbox transport is one object per simulator and fault configuration.
        "transport": id(config.transport) if config.transport is not None else None,
        "retry_reads": config.retry_reads,
        "suspended_forward": config.suspended_forward,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _closed(adapter: Any) -> bool:
    """Whether a caller closed the adapter (its httpx client) under the pool."""
    http = getattr(getattr(adapter, "client", None), "http", None)
    client = getattr(http, "client", None)
    return bool(getattr(client, "is_closed", False))


def _close(adapter: Any) -> None:
    try:
        adapter.close()
    except Exception:  # closing must never fail a call; the old client is garbage now
        logger.warning("closing a replaced provider adapter failed", exc_info=True)


class AdapterPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._adapters: dict[int, tuple[str, Any]] = {}

    def get(self, account_id: int, config: AccountConfig, build: Callable[[], Any]) -> Any:
        stamp = config_stamp(config)
        with self._lock:
            entry = self._adapters.get(account_id)
            if entry is not None and entry[0] == stamp and not _closed(entry[1]):
                return entry[1]
            adapter = build()
            self._adapters[account_id] = (stamp, adapter)
        if entry is not None:
            _close(entry[1])  # outside the lock: closing may wait for connections
        return adapter

    def close_all(self) -> None:
        with self._lock:
            adapters = [adapter for _stamp, adapter in self._adapters.values()]
            self._adapters.clear()
        for adapter in adapters:
            _close(adapter)

    def __len__(self) -> int:
        return len(self._adapters)

    def _forget_after_fork(self) -> None:
        # The parent's lock may have been held at the fork, and its sockets are not ours.
        self._lock = threading.Lock()
        self._adapters = {}


POOL = AdapterPool()
os.register_at_fork(after_in_child=POOL._forget_after_fork)
atexit.register(POOL.close_all)
