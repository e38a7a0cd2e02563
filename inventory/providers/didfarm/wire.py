"""DIDfarm wire shapes, parsed at the boundary.

Two documents describe the API. The Connect guide (what we build against) sends prices in EUR
cents (``monthly_rate``/``setup_fee``), ``country``/``type`` and ``sms_enabled``; the older API
reference sends decimal prices (``monthly_price``/``setup_fee``), numbers with spaces
(``"+44 20 7946 0831"``), ``country_code``/``number_type`` and a ``features`` list. Both are
accepted. Which price unit ``setup_fee`` is in depends on the shape: a record carrying
``monthly_rate`` is a Connect record (cents), one carrying ``monthly_price`` is an old one
(decimal).

Shapes the documents leave open (checkout response beyond ``order_id``/``items[].did_number_id``,
owned numbers, transactions) are parsed tolerantly: required keys are the ones we act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from .. import errors
from ..listing import listing_gap
from ..normalize import cents_to_decimal, features, number_type, to_decimal
from ..types import Feature, NumberType
from .values import VOICE, VOICE_SMS, cents, country_code, decimal, e164, kind_of, nanp_e164

logger = logging.getLogger("didhub.providers")

LABEL = "DIDfarm"
T = TypeVar("T")


class WireError(ValueError):
    """A record whose shape we do not understand (logged and skipped by list parsers)."""


class SearchNumber(NamedTuple):
    number: str  # E.164
    country: str  # ISO 3166-1 alpha-2
    number_type: NumberType
    city: str  # "" when DIDfarm does not say (older shape, non-geographic numbers)
    monthly: Decimal  # EUR
    setup: Decimal  # EUR
    features: frozenset[Feature]
    requires_regulatory: bool


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    raw_count: int  # records on the page, skipped ones included (paging counts these)
    total: int | None  # meta.total; None when the page did not say
    page: int | None  # meta.page as the server reported it
    marker: str  # identity of the first raw record: detects a server that ignores ``page``


@dataclass(frozen=True, slots=True)
class CheckoutItem:
    number: str
    did_number_id: str
    status: str
    requires_regulatory: bool = False


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    order_id: str
    status: str
    items: tuple[CheckoutItem, ...]
    total: Decimal | None
    requires_regulatory: bool


@dataclass(frozen=True, slots=True)
class OwnedDid:
    id: str
    number: str
    status: str
    country: str = ""
    number_type: NumberType | None = None
    city: str = ""
    order_id: str = ""
    sip_trunk_id: str = ""
    billing_cycle: str = ""
    expires_at: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    amount: Decimal | None
    type: str
    reference_type: str
    reference_id: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Trunk:
    id: str
    uuid: str
    name: str
    status: str
    sip_server: str = ""
    username: str = ""
    password: str = ""  # only in the create / regenerate responses


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    status: str
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class Balance:
    amount: Decimal
    currency: str


# --- helpers --------------------------------------------------------------------------------


def _text(value: object) -> str:
    if type(value) is str:
        return value.strip()
    return "" if value is None else str(value).strip()


def _ident(value: object) -> str:
    """An id DIDfarm sends as a number (42) or a string; ``WireError`` if missing."""
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        raise WireError(f"not an id: {value!r}")
    return str(value).strip()


def money(value: object) -> Decimal:
    """An amount: integers are EUR cents (Connect), decimal strings/floats are EUR (older API)."""
    if isinstance(value, bool):
        raise WireError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return cents_to_decimal(value)
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise WireError(str(exc)) from exc


def _metadata(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _text(v) for k, v in value.items()}


def _datetime(value: object) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _list(body: object, what: str) -> list[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise errors.Unavailable(f"{LABEL} sent a {what} response without a data list")
    return data


def page_of(body: object, what: str, parse: Callable[[Any], T], *, requested_page: int) -> Page[T]:
    """A ``{"data": [...], "meta": {"total", "page"}}`` page; broken records logged and skipped."""
    data = _list(body, what)
    items = []
    for raw in data:
        try:
            items.append(parse(raw))
        except (WireError, ValueError, TypeError, AttributeError) as exc:
            logger.warning(
                "%s: skipping a %s record with an unexpected shape: %s", LABEL, what, exc
            )
            listing_gap(f"{LABEL}: skipped a {what} record: {exc}")
    meta = body.get("meta") if isinstance(body, dict) else None
    total = page = None
    if isinstance(meta, dict):
        if isinstance(meta.get("total"), int) and not isinstance(meta.get("total"), bool):
            total = meta["total"]
        if isinstance(meta.get("page"), int) and not isinstance(meta.get("page"), bool):
            page = meta["page"]
    if page is not None and page != requested_page:
        logger.warning("%s answered page %s when asked for %s", LABEL, page, requested_page)
    marker = json.dumps(data[0], sort_keys=True, default=str) if data else ""
    return Page(tuple(items), len(data), total, page, marker)


# --- records --------------------------------------------------------------------------------


def parse_search_number(raw: Any, *, country: str, searched_type: NumberType) -> SearchNumber:
    """One search record, either document's shape."""
    return _parse_search_number(raw, country, searched_type)


def search_number_parser(country: str, searched_type: NumberType) -> Callable[[Any], SearchNumber]:
    """``parse_search_number`` for the records of one search."""
    return lambda raw: _parse_search_number(raw, country, searched_type)


def _parse_search_number(raw: Any, country: str, searched_type: NumberType) -> SearchNumber:
    # Hot: a catalogue walk parses every number on sale.
    if not isinstance(raw, dict):
        raise WireError(f"not an object: {raw!r}")
    get = raw.get
    if get("available") is False:  # older shape: listed but not for sale
        raise WireError(f"{get('number')!r} is listed as unavailable")
    number = nanp_e164(get("number")) or e164(get("number"))
    if "monthly_rate" in raw:  # Connect: EUR cents
        monthly, setup = cents(raw["monthly_rate"]), cents(get("setup_fee", 0))
    elif "monthly_price" in raw:  # older API: decimal EUR
        monthly, setup = decimal(raw["monthly_price"]), decimal(get("setup_fee", 0))
    else:
        raise WireError(f"no price on {number}")
    if monthly < 0 or setup < 0:
        raise WireError(f"negative price on {number}")
    raw_type = get("type") or get("number_type")
    found: frozenset[Feature] = VOICE  # every DIDfarm number takes calls
    if "features" in raw:
        found = features(raw["features"]) or found
    if get("sms_enabled") is True:
        found = VOICE_SMS if found is VOICE else found | {Feature.SMS}
    city = get("city")
    return SearchNumber(
        number,
        country_code(get("country") or get("country_code")) or country,
        kind_of(raw_type) if raw_type else searched_type,
        city.strip() if type(city) is str else _text(city),
        monthly,
        setup,
        found,
        get("requires_regulatory") is True,
    )


def parse_checkout(body: object) -> CheckoutResult:
    """``{"data": {"order_id", "items": [{"number", "did_number_id", ...}], ...}}``."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise WireError("checkout response without a data object")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise WireError("checkout response without items")
    items = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise WireError(f"checkout item is not an object: {raw!r}")
        items.append(
            CheckoutItem(
                number=e164(raw.get("number")),
                did_number_id=_ident(raw.get("did_number_id")),
                status=_text(raw.get("status")).lower() or "provisioning",
                requires_regulatory=raw.get("requires_regulatory") is True,
            )
        )
    total = data.get("total")
    return CheckoutResult(
        order_id=_ident(data.get("order_id")),
        status=_text(data.get("status")).lower(),
        items=tuple(items),
        total=money(total) if total is not None else None,
        requires_regulatory=data.get("requires_regulatory") is True
        or any(item.requires_regulatory for item in items),
    )


def parse_owned(raw: Any) -> OwnedDid:
    if not isinstance(raw, dict):
        raise WireError(f"not an object: {raw!r}")
    raw_type = raw.get("type") or raw.get("number_type")
    trunk = raw.get("sip_trunk_id")
    return OwnedDid(
        id=_ident(raw.get("id")),
        number=e164(raw.get("number")),
        status=_text(raw.get("status")).lower() or "active",
        country=_text(raw.get("country") or raw.get("country_code")).upper(),
        number_type=number_type(raw_type) if raw_type else None,
        city=_text(raw.get("city")),
        order_id=_text(raw.get("order_id")),
        sip_trunk_id=_text(trunk),
        billing_cycle=_text(raw.get("billing_cycle")),
        expires_at=_datetime(raw.get("expires_at")),
        metadata=_metadata(raw.get("metadata")),
    )


def parse_transaction(raw: Any) -> Transaction:
    if not isinstance(raw, dict):
        raise WireError(f"not an object: {raw!r}")
    amount = raw.get("amount")
    return Transaction(
        id=_ident(raw.get("id")),
        amount=money(amount) if amount is not None else None,
        type=_text(raw.get("type")).lower(),
        reference_type=_text(raw.get("reference_type")).lower(),
        reference_id=_text(raw.get("reference_id")),
        metadata=_metadata(raw.get("metadata")),
    )


def parse_trunk(raw: Any) -> Trunk:
    if not isinstance(raw, dict):
        raise WireError(f"not an object: {raw!r}")
    uuid = _text(raw.get("uuid"))
    ident = _text(raw.get("id"))
    if not uuid and not ident:
        raise WireError("trunk without id or uuid")
    return Trunk(
        id=ident,
        uuid=uuid,
        name=_text(raw.get("name")),
        status=_text(raw.get("status")).lower(),
        sip_server=_text(raw.get("sip_server")),
        username=_text(raw.get("username")),
        password=_text(raw.get("password")),
    )


def parse_message(body: object) -> Message:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise WireError("message response without a data object")
    cost = data.get("cost")
    return Message(
        id=_text(data.get("id")),
        status=_text(data.get("status")).lower(),
        cost=money(cost) if cost is not None else None,
    )


def parse_balance(body: object) -> Balance:
    """``{"balance": "142.50", "currency": "EUR"}`` (decimal, not cents); a data wrapper is fine."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"]
    if not isinstance(body, dict) or "balance" not in body:
        raise WireError("balance response without a balance")
    return Balance(amount=money(body["balance"]), currency=_text(body.get("currency")).upper())
