"""Fault injection around any provider simulator (DESIGN.md §2, "configurable faults").

``FaultyTransport(sandbox, config)`` is an ``httpx`` transport that answers through the simulator's
``handle()`` but now and then misbehaves the way real providers do: slow answers, 5xx errors,
429 bursts with ``Retry-After``, read timeouts, and — the case that matters for money — purchases
that take effect upstream while the response never reaches us.

Faults are drawn from a ``random.Random(seed)`` under a lock, a fixed number of draws per request,
so the same sequence of requests meets the same faults in every run.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

import httpx

LOST_MODES = ("timeout", "502", "mixed")


class Simulator(Protocol):
    """What every ``inventory/sandbox/<kind>.py`` simulator offers."""

    def handle(self, request: httpx.Request) -> httpx.Response: ...

    def error_response(self, status: int, message: str) -> httpx.Response: ...

    def is_purchase(self, request: httpx.Request) -> bool: ...


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0  # share of requests answered 500/503 before reaching the simulator
    error_statuses: tuple[int, ...] = (500, 503)
    latency: float = 0.0  # seconds slept before every answer
    burst_429: int = 0  # every Nth request answers 429; 0 = never
    retry_after: int = 1  # seconds announced in Retry-After on those 429s
    timeout_rate: float = 0.0  # share of requests that raise httpx.ReadTimeout
    lost_purchase_rate: float = 0.0  # share of purchases that take effect, then lose the answer
    lost_mode: str = "timeout"  # how a lost answer looks: "timeout", "502" or "mixed"
    seed: int = 1

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate", "lost_purchase_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency < 0 or self.burst_429 < 0 or self.retry_after < 0:
            raise ValueError("latency, burst_429 and retry_after must not be negative")
        if self.lost_mode not in LOST_MODES:
            raise ValueError(f"lost_mode must be one of {LOST_MODES}, got {self.lost_mode!r}")
        if not self.error_statuses or any(s < 500 or s > 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx codes")

    @property
    def active(self) -> bool:
        """Whether this config injects anything at all."""
        return bool(
            self.error_rate
            or self.latency
            or self.burst_429
            or self.timeout_rate
            or self.lost_purchase_rate
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored on a provider account)."""
        data = asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> FaultConfig:
        """The config stored by ``to_dict``; missing keys take defaults, unknown keys are errors."""
        if not data:
            return cls()
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "error_statuses":
                values[name] = tuple(int(s) for s in value)
            elif name in ("burst_429", "retry_after", "seed"):
                values[name] = int(value)
            elif name == "lost_mode":
                values[name] = str(value)
            else:
                values[name] = float(value)
        return cls(**values)


# One lock per simulator, shared by every FaultyTransport and the HTTP server: simulators keep
# their state in plain dicts, and a threaded server must not interleave two requests inside one.
_locks: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_locks_by_id: dict[int, tuple[Any, threading.RLock]] = {}  # for unhashable simulators
_locks_guard = threading.Lock()


def simulator_lock(sandbox: Simulator) -> threading.RLock:
    with _locks_guard:
        try:
            lock = _locks.get(sandbox)
            if lock is None:
                lock = _locks[sandbox] = threading.RLock()
            return lock
        except TypeError:  # unhashable (e.g. a dataclass): keep it alive with its lock
            entry = _locks_by_id.get(id(sandbox))
            if entry is None or entry[0] is not sandbox:
                entry = _locks_by_id[id(sandbox)] = (sandbox, threading.RLock())
            return entry[1]


def call_simulator(sandbox: Simulator, request: httpx.Request) -> httpx.Response:
    """``sandbox.handle(request)`` with the body read and the simulator's lock held."""
    request.read()
    with simulator_lock(sandbox):
        response = sandbox.handle(request)
    response.read()  # a response must be complete before it leaves the lock
    return response


@dataclass(frozen=True)
class _Draw:
    error: bool
    status: int
    timeout: bool
    lost: bool
    lost_as_timeout: bool


class FaultyTransport(httpx.BaseTransport):
    """Serve requests from ``sandbox`` with the faults of ``config``."""

    def __init__(self, sandbox: Simulator, config: FaultConfig | None = None) -> None:
        self.sandbox = sandbox
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)  # noqa: S311 -- reproducible faults, not secrets
        self._lock = threading.Lock()
        self._count = 0
        self.injected: Counter[str] = Counter()  # fault name -> times injected, for tests/demo

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        config = self.config
        with self._lock:
            self._count += 1
            number = self._count
            draw = self._draw()
        if config.burst_429 and number % config.burst_429 == 0:
            return self._rate_limited()
        if config.latency:
            time.sleep(config.latency)
        purchase = self.sandbox.is_purchase(request)
        if draw.error:
            self._note(f"error_{draw.status}")
            return self.sandbox.error_response(draw.status, "Internal server error")
        if draw.timeout and not purchase:
            self._note("timeout")
            raise httpx.ReadTimeout("sandbox: injected read timeout", request=request)
        if purchase and (draw.timeout or draw.lost):
            # The purchase happens upstream; only its answer goes missing.
            call_simulator(self.sandbox, request)
            if draw.timeout or draw.lost_as_timeout:
                self._note("lost_purchase_timeout")
                raise httpx.ReadTimeout("sandbox: purchase answer lost", request=request)
            self._note("lost_purchase_502")
            return self.sandbox.error_response(502, "Bad gateway")
        return call_simulator(self.sandbox, request)

    def _draw(self) -> _Draw:
        """Always the same number of draws per request, so faults depend only on the sequence."""
        rng, config = self._rng, self.config
        error, status = rng.random(), rng.choice(config.error_statuses)
        timeout, lost, mode = rng.random(), rng.random(), rng.random()
        mixed = config.lost_mode == "mixed"
        as_timeout = mode < 0.5 if mixed else config.lost_mode == "timeout"
        return _Draw(
            error=error < config.error_rate,
            status=status,
            timeout=timeout < config.timeout_rate,
            lost=lost < config.lost_purchase_rate,
            lost_as_timeout=as_timeout,
        )

    def _rate_limited(self) -> httpx.Response:
        self._note("rate_limited")
        response = self.sandbox.error_response(429, "Too many requests")
        response.headers["Retry-After"] = str(self.config.retry_after)
        return response

    def _note(self, fault: str) -> None:
        with self._lock:
            self.injected[fault] += 1


class DirectTransport(httpx.BaseTransport):
    """The simulator without faults, sharing the lock the server and ``FaultyTransport`` use."""

    def __init__(self, sandbox: Simulator) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return call_simulator(self.sandbox, request)


def transport_for(sandbox: Simulator, config: FaultConfig | None = None) -> httpx.BaseTransport:
    """A transport for ``sandbox``: faulty when ``config`` injects anything, direct otherwise."""
    if config is not None and config.active:
        return FaultyTransport(sandbox, config)
    return DirectTransport(sandbox)
