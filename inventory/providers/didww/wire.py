"""DIDWW's JSON:API wire shapes, parsed at the boundary into small frozen dataclasses.

Documented fields are parsed strictly (a broken one raises ``WireError`` and the caller logs and
skips that record); anything else in the body is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..normalize import to_decimal


class WireError(ValueError):
    """A record whose shape is not the documented one."""


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    type: str
    attributes: Mapping[str, Any]
    relationships: Mapping[str, Any]
    meta: Mapping[str, Any]

    def related_id(self, name: str) -> str | None:
        """The id in ``relationships.<name>.data`` (present only when included), else None."""
        rel = self.relationships.get(name)
        data = rel.get("data") if isinstance(rel, Mapping) else None
        if isinstance(data, Mapping) and isinstance(data.get("id"), str):
            return data["id"]
        return None

    def related_ids(self, name: str) -> tuple[str, ...]:
        rel = self.relationships.get(name)
        data = rel.get("data") if isinstance(rel, Mapping) else None
        if not isinstance(data, list):
            return ()
        return tuple(
            d["id"] for d in data if isinstance(d, Mapping) and isinstance(d.get("id"), str)
        )


Included = Mapping[tuple[str, str], Resource]


def resource(raw: object) -> Resource:
    if not isinstance(raw, Mapping):
        raise WireError("a resource is not an object")
    rid, rtype = raw.get("id"), raw.get("type")
    if not isinstance(rid, str) or not rid or not isinstance(rtype, str):
        raise WireError("a resource has no string id and type")
    attributes = raw.get("attributes") or {}
    relationships = raw.get("relationships") or {}
    meta = raw.get("meta") or {}
    if not all(isinstance(v, Mapping) for v in (attributes, relationships, meta)):
        raise WireError(f"{rtype} {rid}: attributes/relationships/meta are not objects")
    return Resource(rid, rtype, attributes, relationships, meta)


def included_index(body: Mapping[str, Any]) -> dict[tuple[str, str], Resource]:
    index: dict[tuple[str, str], Resource] = {}
    for raw in body.get("included") or ():
        try:
            item = resource(raw)
        except WireError:
            continue  # a broken included record only costs the records that point to it
        index[(item.type, item.id)] = item
    return index


def next_page_params(body: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of ``links.next`` as params, or None at the last page.

    Only the query is used, re-sent to our own base URL: the API key never follows a link to
    another host, and a base URL behind a proxy keeps working.
    """
    links = body.get("links")
    nxt = links.get("next") if isinstance(links, Mapping) else None
    if not isinstance(nxt, str) or not nxt:
        return None
    return dict(parse_qsl(urlsplit(nxt).query, keep_blank_values=True))


def _str(attrs: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = attrs.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise WireError(f"{name} is not a string: {value!r}")
    return value


def _bool(attrs: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = attrs.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise WireError(f"{name} is not a boolean: {value!r}")
    return value


def _money(attrs: Mapping[str, Any], name: str) -> Decimal:
    try:
        return to_decimal(attrs[name])
    except (KeyError, ValueError) as exc:
        raise WireError(f"{name} is not an amount: {attrs.get(name)!r}") from exc


def _int_or_none(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireError(f"{name} is not an integer: {value!r}")
    return value


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:  # DIDWW also writes plain dates ("2026-04-18") for expiry
            return datetime.fromisoformat(value[:10])
        except ValueError:
            return None


# --- coverage -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Country:
    id: str
    name: str
    iso: str
    prefix: str


def country(item: Resource) -> Country:
    a = item.attributes
    return Country(item.id, _str(a, "name"), _str(a, "iso").upper(), _str(a, "prefix"))


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    iso: str  # ISO 3166-2 ("US-NY"); "" when DIDWW gives none


def region(item: Resource) -> Region:
    a = item.attributes
    return Region(item.id, _str(a, "name"), _str(a, "iso", required=False).upper())


@dataclass(frozen=True, slots=True)
class City:
    id: str
    name: str


def city(item: Resource) -> City:
    return City(item.id, _str(item.attributes, "name"))


@dataclass(frozen=True, slots=True)
class NanpaPrefix:
    id: str
    npa: str
    nxx: str


def nanpa_prefix(item: Resource) -> NanpaPrefix:
    a = item.attributes
    npa, nxx = _str(a, "npa"), _str(a, "nxx")
    if not (npa.isdigit() and len(npa) == 3 and nxx.isdigit() and len(nxx) == 3):
        raise WireError(f"nanpa_prefix {item.id}: npa/nxx {npa!r}/{nxx!r} are not 3 digits")
    return NanpaPrefix(item.id, npa, nxx)


@dataclass(frozen=True, slots=True)
class SkuWire:
    id: str
    setup_price: Decimal
    monthly_price: Decimal
    channels: int | None


def sku(item: Resource) -> SkuWire:
    a = item.attributes
    channels = _int_or_none(a.get("channels_included_count"), "channels_included_count")
    return SkuWire(item.id, _money(a, "setup_price"), _money(a, "monthly_price"), channels)


@dataclass(frozen=True, slots=True)
class DidGroupWire:
    id: str
    prefix: str
    area_name: str
    features: tuple[str, ...]
    type_name: str | None  # None when did_group_type was not included
    country_id: str | None
    region: Region | None
    city: City | None
    skus: tuple[SkuWire, ...]
    needs_registration: bool
    available_dids_enabled: bool
    total_count: int | None


def did_group(item: Resource, included: Included) -> DidGroupWire:
    a, meta = item.attributes, item.meta
    features = a.get("features") or []
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise WireError(f"did_group {item.id}: features is not a list of strings")
    type_name = None
    type_id = item.related_id("did_group_type")
    if type_id and (found := included.get(("did_group_types", type_id))):
        type_name = _str(found.attributes, "name")
    region_obj = city_obj = None
    if (rid := item.related_id("region")) and (found := included.get(("regions", rid))):
        region_obj = region(found)
    if (cid := item.related_id("city")) and (found := included.get(("cities", cid))):
        city_obj = city(found)
    skus = []
    for sku_id in item.related_ids("stock_keeping_units"):
        found = included.get(("stock_keeping_units", sku_id))
        if found is None:
            raise WireError(f"did_group {item.id}: SKU {sku_id} is not in 'included'")
        skus.append(sku(found))
    return DidGroupWire(
        id=item.id,
        prefix=_str(a, "prefix", required=False),
        area_name=_str(a, "area_name", required=False),
        features=tuple(features),
        type_name=type_name,
        country_id=item.related_id("country"),
        region=region_obj,
        city=city_obj,
        skus=tuple(skus),
        needs_registration=_bool(meta, "needs_registration"),
        available_dids_enabled=_bool(meta, "available_dids_enabled"),
        total_count=_int_or_none(meta.get("total_count"), "total_count"),
    )


# --- buying and owning ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AvailableDid:
    id: str
    number: str  # digits as DIDWW writes them, no "+"
    did_group_id: str | None


def available_did(item: Resource) -> AvailableDid:
    return AvailableDid(item.id, _str(item.attributes, "number"), item.related_id("did_group"))


@dataclass(frozen=True, slots=True)
class OrderItem:
    qty: int
    did_group_id: str
    setup_price: Decimal | None
    monthly_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    status: str  # "Pending" | "Completed" | "Canceled" (lower case from newer API versions)
    amount: Decimal | None
    reference: str
    external_reference_id: str
    items: tuple[OrderItem, ...]
    created_at: datetime | None


def _order_item(raw: object) -> OrderItem:
    attrs = raw.get("attributes") if isinstance(raw, Mapping) else None
    if not isinstance(attrs, Mapping):
        raise WireError("an order item has no attributes")
    qty = _int_or_none(attrs.get("qty"), "qty") or 0
    setup = _money(attrs, "setup_price") if attrs.get("setup_price") is not None else None
    monthly = _money(attrs, "monthly_price") if attrs.get("monthly_price") is not None else None
    return OrderItem(qty, _str(attrs, "did_group_id", required=False), setup, monthly)


def order(item: Resource) -> Order:
    a = item.attributes
    items = a.get("items") or []
    if not isinstance(items, list):
        raise WireError(f"order {item.id}: items is not a list")
    amount = _money(a, "amount") if a.get("amount") is not None else None
    return Order(
        id=item.id,
        status=_str(a, "status"),
        amount=amount,
        reference=_str(a, "reference", required=False),
        external_reference_id=_str(a, "external_reference_id", required=False),
        items=tuple(_order_item(raw) for raw in items),
        created_at=_time(a.get("created_at")),
    )


@dataclass(frozen=True, slots=True)
class Did:
    id: str
    number: str
    blocked: bool
    awaiting_registration: bool
    terminated: bool
    billing_cycles_count: int | None
    expires_at: datetime | None
    did_group_id: str | None
    order_id: str | None
    # Set only when the request included them (``include=voice_in_trunk,voice_in_trunk_group``).
    voice_in_trunk_id: str | None = None
    voice_in_trunk_group_id: str | None = None


def did(item: Resource) -> Did:
    a = item.attributes
    return Did(
        id=item.id,
        number=_str(a, "number"),
        blocked=_bool(a, "blocked"),
        awaiting_registration=_bool(a, "awaiting_registration"),
        terminated=_bool(a, "terminated"),
        billing_cycles_count=_int_or_none(a.get("billing_cycles_count"), "billing_cycles_count"),
        # DIDWW has written both spellings over the API versions.
        expires_at=_time(a.get("expires_at") or a.get("expire_at")),
        did_group_id=item.related_id("did_group"),
        order_id=item.related_id("order"),
        voice_in_trunk_id=item.related_id("voice_in_trunk"),
        voice_in_trunk_group_id=item.related_id("voice_in_trunk_group"),
    )


@dataclass(frozen=True, slots=True)
class Balance:
    balance: Decimal
    credit: Decimal
    total_balance: Decimal


def balance(item: Resource) -> Balance:
    a = item.attributes
    bal = _money(a, "balance")
    credit = _money(a, "credit") if a.get("credit") is not None else Decimal("0")
    total = _money(a, "total_balance") if a.get("total_balance") is not None else bal + credit
    return Balance(bal, credit, total)
