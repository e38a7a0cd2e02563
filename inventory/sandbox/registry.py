"""The simulators by provider kind, the credentials they accept, and one instance per account.

A simulator is stateful (orders, balances), so every adapter of one account in one process talks to
the same instance.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from ..providers.registry import PROVIDERS
from .faults import FaultConfig, transport_for

# Derived from the provider packages' descriptions (inventory/providers/registry.py).
SANDBOXES: dict[str, str] = {kind: d.simulator for kind, d in PROVIDERS.items()}

# What each simulator accepts; anything else is refused the way the real API refuses it.
SANDBOX_CREDENTIALS: dict[str, dict[str, str]] = {
    kind: dict(d.sandbox_credentials) for kind, d in PROVIDERS.items()
}

# What the simulators sign their webhooks with, where the secret is per account (DIDfarm).
SANDBOX_WEBHOOK_SECRETS: dict[str, str] = {
    kind: d.sandbox_webhook_secret for kind, d in PROVIDERS.items() if d.sandbox_webhook_secret
}

_instances: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def make_sandbox(kind: str, *, seed: int = 1, scale: int = 1, **kwargs: Any) -> Any:
    cls = PROVIDERS[kind].simulator_class
    return cls(credentials=SANDBOX_CREDENTIALS[kind], seed=seed, scale=scale, **kwargs)


def sandbox_for(kind: str, name: str, *, scale: int = 1) -> Any:
    """The process-wide simulator behind the sandbox account ``name``."""
    key = (kind, name)
    with _lock:
        if key not in _instances:
            _instances[key] = make_sandbox(kind, scale=scale)
        return _instances[key]


_transports: dict[tuple[str, str, str], httpx.BaseTransport] = {}


def sandbox_transport(
    kind: str, name: str, faults: Mapping[str, Any] | None = None, *, scale: int = 1
) -> httpx.BaseTransport:
    """The account's transport, kept per fault configuration: a provider's faults run on one
    sequence across calls (a new seeded transport per call would meet the same first faults
    every time, which no real provider does)."""
    key = (kind, name, json.dumps(faults or {}, sort_keys=True))
    with _lock:
        transport = _transports.get(key)
    if transport is None:
        config = FaultConfig.from_dict(faults) if faults else None
        transport = transport_for(sandbox_for(kind, name, scale=scale), config)
        with _lock:
            transport = _transports.setdefault(key, transport)
    return transport


def reset_sandboxes() -> None:
    """Forget every simulator (tests)."""
    with _lock:
        _instances.clear()
        _transports.clear()
