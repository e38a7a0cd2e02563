"""Mutable state of the DIDfarm simulator, and the small wire helpers its handlers share."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from .didfarm_catalog import Offer, Stock

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class Did:
    """A number the account owns (``GET /numbers`` record)."""

    id: int
    offer: Offer
    order_id: int
    billing_cycle: str
    metadata: dict[str, Any]
    created_at: datetime
    status: str = "provisioning"  # -> active | pending_regulatory, later suspended | released
    sip_trunk_id: int | None = None

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(days=30 * CYCLE_MONTHS[self.billing_cycle])

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.offer.number,
            "country": self.offer.country,
            "type": self.offer.type,
            "city": self.offer.city,
            "status": self.status,
            "order_id": self.order_id,
            "sip_trunk_id": self.sip_trunk_id,
            "monthly_rate": self.offer.monthly,
            "sms_enabled": self.offer.sms,
            "requires_regulatory": self.offer.regulated,
            "billing_cycle": self.billing_cycle,
            "metadata": self.metadata,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
        }


@dataclass
class Order:
    id: int
    did_ids: list[int]
    total: int  # EUR cents
    metadata: dict[str, Any]
    created_at: datetime
    created_clock: float  # time.monotonic() at checkout, for fulfil_after_seconds
    status: str = "processing"  # -> completed
    polls: int = 0


@dataclass
class SipTrunk:
    id: int
    uuid: str
    name: str
    auth_type: str
    username: str
    password: str
    status: str = "provisioning"

    def to_json(self, *, with_password: bool = False) -> dict[str, Any]:
        data = {
            "id": self.id,
            "uuid": self.uuid,
            "name": self.name,
            "sip_server": "sip.didfarm.com",
            "username": self.username,
            "auth_type": self.auth_type,
            "status": self.status,
        }
        if with_password:  # only the create / regenerate answers show it
            data["password"] = self.password
        return data


@dataclass(frozen=True)
class WebhookDelivery:
    """A webhook the simulator would POST: the exact body and its signed headers."""

    event: str
    body: bytes
    headers: dict[str, str]


@dataclass
class DidfarmState:
    balance_cents: int
    stock: dict[tuple[str, str], Stock] = field(default_factory=dict)  # built lazily
    taken: set[str] = field(default_factory=set)  # numbers sold (never back on sale)
    orders: dict[int, Order] = field(default_factory=dict)
    numbers: dict[int, Did] = field(default_factory=dict)
    trunks: dict[int, SipTrunk] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    webhooks_due: list[WebhookDelivery] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def balance(self) -> Decimal:
        return (Decimal(self.balance_cents) / 100).quantize(Decimal("0.01"))

    def next_id(self, kind: str, start: int) -> int:
        value = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = value
        return value

    def record_transaction(
        self,
        *,
        amount: int,
        description: str,
        reference_type: str,
        reference_id: int | str | None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Move the wallet by ``amount`` cents (negative = debit) and log it."""
        self.balance_cents += amount
        entry: dict[str, Any] = {
            "id": self.next_id("transaction", 5001),
            "type": "credit" if amount >= 0 else "debit",
            "amount": amount,
            "currency": "EUR",
            "description": description,
            "reference_type": reference_type,
            "reference_id": reference_id,
            "balance_after": self.balance_cents,
            "created_at": iso(now()),
        }
        if metadata:
            entry["metadata"] = metadata
        self.transactions.append(entry)

    def webhook(self, secret: str, event: str, data: dict[str, Any]) -> None:
        body = json.dumps(
            {"event": event, "timestamp": iso(now()), "data": data}, separators=(",", ":")
        ).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        self.webhooks_due.append(
            WebhookDelivery(
                event,
                body,
                {"Content-Type": "application/json", "X-DIDfarm-Signature": signature},
            )
        )


def error(status: int, message: str, code: str = "") -> httpx.Response:
    """The Connect guide's error body: ``{"error": {"code", "message", "status"}}``."""
    body = {"error": {"code": code or _STATUS_CODES.get(status, "error"), "message": message}}
    body["error"]["status"] = status
    return httpx.Response(status, json=body)


def invalid(message: str, code: str = "validation_error") -> httpx.Response:
    return error(422, message, code)


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def ok_json(text: str, status: int = 200) -> httpx.Response:
    """A JSON answer already encoded (as ``ok`` would encode it)."""
    return httpx.Response(
        status, content=text.encode(), headers={"Content-Type": "application/json"}
    )


def page_params(params: httpx.QueryParams, *, default: int) -> tuple[int, int] | httpx.Response:
    """(page, limit) from the query, or the 422 DIDfarm answers for a bad one."""
    try:
        page = int(params.get("page", "1"))
        limit = int(params.get("limit", str(default)))
    except ValueError:
        return invalid("The page must be an integer.")
    if page < 1:
        return invalid("The page must be at least 1.")
    if limit < 1:
        return invalid("The limit must be at least 1.")
    return page, min(limit, 100)  # the older reference's maximum


def page_of(records: list[Any], page: int, limit: int, render: Any) -> dict[str, Any]:
    start = (page - 1) * limit
    return {
        "data": [render(r) for r in records[start : start + limit]],
        "meta": {"total": len(records), "page": page},
    }


def page_text(records: list[Any], page: int, limit: int, render: Any) -> str:
    """``page_of`` encoded, from ``render`` giving each record's JSON text."""
    start = (page - 1) * limit
    data = ",".join([render(r) for r in records[start : start + limit]])
    return f'{{"data":[{data}],"meta":{{"total":{len(records)},"page":{page}}}}}'
