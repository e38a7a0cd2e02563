"""What a provider package gives the webhook endpoint: a receiver that checks and reads a request.

The endpoint (``billing/views/webhooks.py``) finds the account, asks the account's provider
description for its ``WebhookReceiver``, lets it ``verify`` the signature on exactly what was
received, then ``parse`` the request into an ``InboundEvent``. Everything provider-specific (the
header names, what is signed, the payload's shape) stays in the provider's package; billing only
asks which order item (or number) an event concerns. An event that carries a ``message`` (a text
received on one of our numbers) goes to ``messaging`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from inventory.models import ProviderAccount

_MAX_DEPTH = 32  # nesting a payload may have before it is called malformed
_E164 = re.compile(r"\+[1-9]\d{5,14}")

# What an event says about a number we hold (``InboundEvent.number_event``).
NUMBER_BLOCKED = "blocked"  # suspended upstream (e.g. its renewal failed there)
NUMBER_RELEASED = "released"  # returned to the provider's pool


class MalformedEvent(ValueError):
    """A signed body that is not an event we can read (the endpoint answers 400)."""


class StaleEvent(MalformedEvent):
    """A signed event whose timestamp lies outside the accepted window."""


@dataclass(frozen=True)
class InboundMessage:
    """A text message received on one of our numbers (``InboundEvent.message``)."""

    number: str  # our number it was sent to, E.164
    sender: str  # who sent it: E.164 where it is a number, else as the provider gave it
    body: str
    message_id: str = ""  # the provider's id for it, "" when it gives none


@dataclass(frozen=True)
class InboundEvent:
    """One provider event, read from its wire form."""

    event_id: str  # unique per account: a replay carries the same id
    kind: str  # "orders.completed", "number.activated"
    payload: Mapping[str, Any] = field(default_factory=dict)
    our_reference: str = ""  # OrderItem.reference, when the provider echoes it
    external_order_id: str = ""  # OrderItem.external_id
    number: str = ""  # E.164
    timestamp: datetime | None = None
    number_event: str = ""  # NUMBER_BLOCKED / NUMBER_RELEASED / "" (nothing about the number)
    # A received text message: the endpoint hands the event to messaging, not to billing.
    message: InboundMessage | None = None


class WebhookReceiver(Protocol):
    """A provider's webhook or callback reader (``ProviderDescription.webhook`` names one)."""

    methods: frozenset[str]  # the HTTP methods the provider sends with

    def verify(self, request: HttpRequest, *, account: ProviderAccount, url: str) -> bool:
        """Whether ``request`` is signed by ``account``'s provider; ``url`` is the endpoint URL
        we gave it (rebuilt, not read from the request: a proxy may have rewritten the Host)."""
        ...

    def parse(self, request: HttpRequest) -> InboundEvent:
        """The event in a verified request; ``MalformedEvent`` when there is none."""
        ...


def scalar(value: object) -> str:
    """A string or integer id as text; anything else ``""``."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()[:200]


def e164(value: object) -> str:
    """``"+31 20 123 4567"`` -> ``"+31201234567"``; anything else -> ``""`` (nothing to match)."""
    if not isinstance(value, str):
        return ""
    digits = re.sub(r"[\s().-]", "", value)
    if digits and not digits.startswith("+"):
        digits = "+" + digits
    return digits if _E164.fullmatch(digits) else ""


def storable(value: object, depth: int = 0) -> None:
    """PostgreSQL's jsonb refuses NUL characters, lone surrogates and NaN: refuse them here, as a
    malformed body (400), rather than as a database error (500)."""
    if depth > _MAX_DEPTH:
        raise MalformedEvent("the body is nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise MalformedEvent("the body contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedEvent("the body is not valid Unicode") from exc
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MalformedEvent("the body contains NaN or Infinity")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key, depth + 1)
            storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            storable(item, depth + 1)
