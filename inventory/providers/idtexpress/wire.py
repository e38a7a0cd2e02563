"""IDT Express's wire shapes, parsed at the boundary into small frozen dataclasses.

Documented fields are parsed strictly (a broken one raises ``WireError`` and the caller logs and
skips that record); anything else in the body is ignored. Where the document and its own examples
disagree we accept both: ids are "string" in the schemas but integers in the examples, and order
examples omit ``fees.per_minute_rate`` and ``country.supports_toll_free``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..normalize import to_decimal


class WireError(ValueError):
    """A record whose shape is not the documented one."""


@dataclass(frozen=True, slots=True)
class Country:
    iso: str
    name: str
    has_regions: bool
    supports_toll_free: bool


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # as IDT writes it ("US-AK", "CA-NF"); sent back verbatim in region_code
    name: str


@dataclass(frozen=True, slots=True)
class Fees:
    setup_fee: Decimal
    monthly_fee: Decimal
    per_minute_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class DidGroup:
    id: str
    name: str  # trailing spaces already stripped
    country_calling_code: str
    area_code: str
    nxx: str  # "" outside NANP (IDT sends null)
    toll_free: bool
    country: Country
    region: Region | None
    fees: Fees


@dataclass(frozen=True, slots=True)
class OrderItem:
    id: str
    status: str
    ordered: int
    fulfilled: int
    did_group: DidGroup | None  # None when the group object is unreadable; the item still counts
    numbers: tuple[str, ...]  # as IDT writes them ("011…")


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    created_at: datetime | None
    status: str
    ordered: int
    fulfilled: int
    items: tuple[OrderItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Number:
    number: str  # as IDT writes it ("011…")
    status: str  # "active" | "removed"
    added_at: datetime | None
    removed_at: datetime | None
    did_group: DidGroup | None


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    page: int | None
    page_size: int | None
    total: int | None


# --- primitives ------------------------------------------------------------------------------


def _obj(raw: object, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise WireError(f"{what} is not an object")
    return raw


def _str(raw: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise WireError(f"{name} is not a string: {value!r}")
    return value


def _id(raw: Mapping[str, Any], name: str = "id") -> str:
    """An identifier the schema calls a string and the examples write as an integer."""
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        raise WireError(f"{name} is not an id: {value!r}")
    return str(value).strip()


def _bool(raw: Mapping[str, Any], name: str, *, default: bool | None = None) -> bool:
    value = raw.get(name)
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise WireError(f"{name} is not a boolean: {value!r}")
    return value


def _count(raw: Mapping[str, Any], name: str) -> int:
    """``ordered``/``fulfilled`` are objects with a ``quantity``."""
    box = raw.get(name)
    value = box.get("quantity") if isinstance(box, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WireError(f"{name}.quantity is not a count: {value!r}")
    return value


def _money(raw: Mapping[str, Any], name: str) -> Decimal:
    try:
        return to_decimal(raw[name])
    except (KeyError, ValueError) as exc:
        raise WireError(f"fees.{name} is not an amount: {raw.get(name)!r}") from exc


def timestamp(value: object) -> datetime | None:
    """ISO 8601 ("2020-07-05T22:58:23.000Z"); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- records ---------------------------------------------------------------------------------


# Every DID group carries its country, region and fees as nested objects, and a catalog repeats
# a few hundred of them over tens of thousands of groups: each distinct one is parsed once. The
# key is the fields a parser reads, each with its type (1, 1.0 and True are equal in a dict, not
# to the parsers); only what parsed is remembered, so a broken object is reported every time.
_COUNTRY_FIELDS = ("iso", "name", "has_regions", "supports_toll_free")
_REGION_FIELDS = ("code", "name")
_FEES_FIELDS = ("setup_fee", "monthly_fee", "per_minute_rate")
_SCALARS = frozenset({str, int, float, bool, type(None)})
_ABSENT = object()
_MEMO_KEPT = 4096
_COUNTRIES: dict[tuple, Country] = {}
_REGIONS: dict[tuple, Region] = {}
_FEES: dict[tuple, Fees] = {}


def _memo_key(raw: object, fields: tuple[str, ...]) -> tuple | None:
    if type(raw) is not dict:
        return None
    key = []
    for name in fields:
        value = raw.get(name, _ABSENT)
        kind = type(value)
        if kind not in _SCALARS and value is not _ABSENT:
            return None
        key.append(kind)
        key.append(value)
    return tuple(key)


def _remember(memo: dict, key: tuple | None, parsed):
    if key is not None and len(memo) < _MEMO_KEPT:
        memo[key] = parsed
    return parsed


def country(raw: object) -> Country:
    key = _memo_key(raw, _COUNTRY_FIELDS)
    if key is not None and (known := _COUNTRIES.get(key)) is not None:
        return known
    obj = _obj(raw, "country")
    iso = _str(obj, "iso").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", iso):
        raise WireError(f"country iso is not ISO 3166-1 alpha-2: {iso!r}")
    # The schema types the name "boolean" (a documentation slip); any text is fine.
    name = obj.get("name")
    parsed = Country(
        iso=iso,
        name=name.strip() if isinstance(name, str) else iso,
        has_regions=_bool(obj, "has_regions", default=False),
        # Absent in the order examples' nested country objects.
        supports_toll_free=_bool(obj, "supports_toll_free", default=False),
    )
    return _remember(_COUNTRIES, key, parsed)


def region(raw: object) -> Region:
    key = _memo_key(raw, _REGION_FIELDS)
    if key is not None and (known := _REGIONS.get(key)) is not None:
        return known
    obj = _obj(raw, "region")
    code = _str(obj, "code").strip()
    if not code:
        raise WireError("region code is empty")
    return _remember(
        _REGIONS, key, Region(code=code, name=_str(obj, "name", required=False).strip())
    )


def fees(raw: object) -> Fees:
    key = _memo_key(raw, _FEES_FIELDS)
    if key is not None and (known := _FEES.get(key)) is not None:
        return known
    obj = _obj(raw, "fees")
    rate = obj.get("per_minute_rate")
    parsed = Fees(
        setup_fee=_money(obj, "setup_fee"),
        monthly_fee=_money(obj, "monthly_fee"),
        per_minute_rate=None if rate is None else _money(obj, "per_minute_rate"),
    )
    return _remember(_FEES, key, parsed)


def did_group(raw: object) -> DidGroup:
    obj = _obj(raw, "did_group")
    region_raw = obj.get("region")
    nxx = obj.get("nxx")
    if nxx is not None and not isinstance(nxx, str):
        raise WireError(f"nxx is not a string: {nxx!r}")
    calling_code = obj.get("country_calling_code")
    if isinstance(calling_code, int) and not isinstance(calling_code, bool):
        calling_code = str(calling_code)
    if not isinstance(calling_code, str) or not calling_code.strip().isdigit():
        raise WireError(f"country_calling_code is not digits: {calling_code!r}")
    return DidGroup(
        id=_id(obj),
        name=_str(obj, "name").strip(),
        country_calling_code=calling_code.strip(),
        area_code=_str(obj, "area_code", required=False).strip(),
        nxx=(nxx or "").strip(),
        toll_free=_bool(obj, "toll_free"),
        country=country(obj.get("country")),
        region=None if region_raw is None else region(region_raw),
        fees=fees(obj.get("fees")),
    )


def order_item(raw: object) -> OrderItem:
    obj = _obj(raw, "order item")
    numbers_raw = obj.get("numbers") or []
    if not isinstance(numbers_raw, list):
        raise WireError("order item numbers is not a list")
    numbers = []
    for entry in numbers_raw:
        value = entry.get("number") if isinstance(entry, Mapping) else entry
        if not isinstance(value, str) or not value.strip():
            raise WireError(f"order item number is not a string: {entry!r}")
        numbers.append(value.strip())
    group_raw = obj.get("did_group")
    try:
        group = None if group_raw is None else did_group(group_raw)
    except WireError:
        group = None  # the quantities and numbers still tell us what happened
    return OrderItem(
        id=_id(obj),
        status=_str(obj, "status"),
        ordered=_count(obj, "ordered"),
        fulfilled=_count(obj, "fulfilled"),
        did_group=group,
        numbers=tuple(numbers),
    )


def order(raw: object) -> Order:
    """A full order (Create Order / Get Order) or a summary row of Get Orders (no items)."""
    obj = _obj(raw, "order")
    items_raw = obj.get("order_items") or []
    if not isinstance(items_raw, list):
        raise WireError("order_items is not a list")
    return Order(
        id=_id(obj),
        created_at=timestamp(obj.get("created_at")),
        status=_str(obj, "status"),
        ordered=_count(obj, "ordered"),
        fulfilled=_count(obj, "fulfilled"),
        items=tuple(order_item(item) for item in items_raw),
    )


def number(raw: object) -> Number:
    obj = _obj(raw, "number")
    group_raw = obj.get("did_group")
    return Number(
        number=_str(obj, "number").strip(),
        status=_str(obj, "status").strip().lower(),
        added_at=timestamp(obj.get("added_at")),
        removed_at=timestamp(obj.get("removed_at")),
        did_group=None if group_raw is None else did_group(group_raw),
    )


def page(body: Mapping[str, Any], key: str) -> Page:
    """The rows under ``key`` and the pagination ``meta`` (``page``, ``page_size``, ``total``)."""
    rows = body.get(key)
    if not isinstance(rows, list):
        raise WireError(f"{key} is not a list")
    meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}

    def whole(name: str) -> int | None:
        value = meta.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Page(rows=rows, page=whole("page"), page_size=whole("page_size"), total=whole("total"))
