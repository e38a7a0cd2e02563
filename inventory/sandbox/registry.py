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
from django.utils.module_loading import import_string

from .faults import FaultConfig, transport_for

SANDBOXES: dict[str, str] = {
    "didww": "inventory.sandbox.didww.DidwwSandbox",
    "idtexpress": "inventory.sandbox.idtexpress.IdtExpressSandbox",
    "didfarm": "inventory.sandbox.didfarm.DidfarmSandbox",
    "pbxme": "inventory.sandbox.pbxme.PbxmeSandbox",
}

# What each simulator accepts; anything else is refused the way the real API refuses it.
SANDBOX_CREDENTIALS: dict[str, dict[str, str]] = {
    "didww": {"api_key": "sandbox-didww-key"},
    "idtexpress": {"api_key": "sandbox-idt-key", "api_secret": "sandbox-idt-secret"},
    "didfarm": {"api_key": "sandbox-didfarm-token"},
    "pbxme": {"username": "sandbox", "password": "sandbox-pbxme"},
}

# What the simulators sign their callbacks/webhooks with (DIDfarm's default webhook secret).
SANDBOX_WEBHOOK_SECRETS: dict[str, str] = {"didfarm": "whsec_sandbox"}

_instances: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def make_sandbox(kind: str, *, seed: int = 1, scale: int = 1, **kwargs: Any) -> Any:
    cls = import_string(SANDBOXES[kind])
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
