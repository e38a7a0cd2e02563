"""Delivering the simulators' queued callbacks and webhooks, as the providers would.

Any simulator may queue either kind (``state.callbacks_due`` or ``state.webhooks_due``). The DIDWW
simulator queues a signed callback when an order completes or is canceled
(``state.callbacks_due``, each with the ``callback_url`` the order was placed with); the DIDfarm
simulator queues signed webhooks (``state.webhooks_due``) but, like DIDfarm, knows no URL for them:
that is configured per account, so the caller passes ``webhook_url``.

``deliver_due_callbacks(sandbox, post)`` takes what is due and hands each ``Delivery`` to ``post``
(tests pass one built on Django's test client, ``sandbox serve`` one built on httpx).
``CallbackDeliverer`` runs that every second in a thread and retries failed deliveries a few times.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import httpx

from .faults import simulator_lock

logger = logging.getLogger("didhub.sandbox")


@dataclass(frozen=True)
class Delivery:
    """One HTTP request a provider would make to us: for GET the parameters are in ``url``."""

    kind: str  # the simulator's provider kind ("didww", "didfarm"), for logs
    method: str  # "GET" | "POST"
    url: str
    headers: Mapping[str, str]
    body: bytes = b""
    attempts: int = 0  # failed deliveries so far


Post = Callable[[Delivery], int]  # sends a delivery, returns the HTTP status


def take_due(sandbox: Any, *, webhook_url: str = "") -> list[Delivery]:
    """Remove and return what ``sandbox`` has queued. DIDfarm webhooks stay queued while no
    ``webhook_url`` is known."""
    taken: list[Delivery] = []
    kind = str(getattr(sandbox, "kind", "") or type(sandbox).__name__)
    with simulator_lock(sandbox):
        state = getattr(sandbox, "state", None)
        for due in _pop_all(getattr(state, "callbacks_due", None)):
            query = urlencode(due.params)
            if due.method.upper() == "GET":
                separator = "&" if "?" in due.url else "?"
                taken.append(Delivery(kind, "GET", f"{due.url}{separator}{query}", due.headers))
            else:
                taken.append(Delivery(kind, "POST", due.url, due.headers, query.encode()))
        if webhook_url:
            for due in _pop_all(getattr(state, "webhooks_due", None)):
                taken.append(Delivery(kind, "POST", webhook_url, due.headers, due.body))
    return taken


def _pop_all(queue: list[Any] | None) -> list[Any]:
    if not queue:
        return []
    items = list(queue)
    queue.clear()
    return items


def deliver_due_callbacks(
    sandbox: Any, post: Post, *, webhook_url: str = ""
) -> list[tuple[Delivery, int | None]]:
    """Deliver everything ``sandbox`` has queued now. Returns each delivery with its status
    (None when ``post`` raised an ``httpx.HTTPError``)."""
    return [
        (delivery, _send(post, delivery)) for delivery in take_due(sandbox, webhook_url=webhook_url)
    ]


def _send(post: Post, delivery: Delivery) -> int | None:
    try:
        return post(delivery)
    except httpx.HTTPError as error:
        logger.info("sandbox %s callback to %s failed: %s", delivery.kind, delivery.url, error)
        return None


def httpx_post(client: httpx.Client) -> Post:
    """A ``post`` sending deliveries over real HTTP."""

    def post(delivery: Delivery) -> int:
        response = client.request(
            delivery.method,
            delivery.url,
            headers=dict(delivery.headers),
            content=delivery.body or None,
        )
        return response.status_code

    return post


class CallbackDeliverer:
    """Delivers the simulators' callbacks every ``interval`` seconds in a daemon thread.

    A delivery that fails (no answer, or not 2xx) is tried again on the next rounds, up to
    ``max_attempts`` times, the way providers retry; then it is dropped with a warning.
    """

    def __init__(
        self,
        sandboxes: Mapping[str, Any],
        post: Post,
        *,
        webhook_urls: Mapping[str, str] | None = None,
        interval: float = 1.0,
        max_attempts: int = 5,
    ) -> None:
        self.sandboxes = dict(sandboxes)
        self.post = post
        self.webhook_urls = dict(webhook_urls or {})
        self.interval = interval
        self.max_attempts = max_attempts
        self.retrying: list[Delivery] = []
        self.delivered = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One round: retries first, then what is newly due. Returns how many succeeded."""
        pending, self.retrying = self.retrying, []
        for kind, sandbox in self.sandboxes.items():
            pending += take_due(sandbox, webhook_url=self.webhook_urls.get(kind, ""))
        succeeded = 0
        for delivery in pending:
            status = _send(self.post, delivery)
            if status is not None and 200 <= status < 300:
                succeeded += 1
                continue
            failed = replace(delivery, attempts=delivery.attempts + 1)
            if failed.attempts < self.max_attempts:
                self.retrying.append(failed)
            else:
                logger.warning(
                    "sandbox %s callback to %s dropped after %d attempts (last status %s)",
                    delivery.kind,
                    delivery.url,
                    failed.attempts,
                    status,
                )
        self.delivered += succeeded
        return succeeded

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sandbox-callbacks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # a bad round must not end the deliveries for the session
                logger.exception("sandbox callback delivery failed")
