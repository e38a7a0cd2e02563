"""PBXme sells single numbers; didhub's catalog wants DID groups. This module builds them.

Each available DID is placed in a group keyed by (country, PBXme type, area), with the
deterministic external id ``"<CC>:<type>:<area>"``:

- ``<CC>``: ISO 3166-1 alpha-2 as PBXme sends it (``US``);
- ``<type>``: PBXme's type name as a slug (``landline``, ``mobile_voice``, ``mobile_sms``,
  ``voice_sms``; other words PBXme might add map through ``normalize.number_type``);
- ``<area>``: for NANP numbers ``NPA-NXX`` (``212-555``: the exchange is what US/CA buyers pick);
  elsewhere the area code (geographic types) or national destination code (mobile) taken from the
  number with ``phonenumbers`` (``20`` for London, ``7700`` for a UK mobile range), or ``-`` when
  the number has none.

e.g. ``US:landline:212-555``, ``GB:landline:20``, ``FR:mobile_sms:6``. The id depends only on the
number and its type, so the same number lands in the same group in every sync and process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from phonenumbers import geocoder

from ..normalize import number_type as to_number_type
from ..normalize import to_e164
from ..types import CoverageRecord, Feature, NumberType, Sku
from . import wire

logger = logging.getLogger("didhub.providers")

LABEL = "PBXme"
NANP = 1
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class TypeInfo:
    slug: str
    number_type: NumberType
    features: frozenset[Feature]


# The four types of did/type-list. "Voice+SMS" numbers are geographic numbers that also take SMS
# (PBXme sells them beside "Landline" for the same cities), so they are local, not mobile.
_TYPES: dict[str, TypeInfo] = {
    "landline": TypeInfo("landline", NumberType.LOCAL, frozenset({Feature.VOICE})),
    "mobilevoice": TypeInfo("mobile_voice", NumberType.MOBILE, frozenset({Feature.VOICE})),
    "mobilesms": TypeInfo("mobile_sms", NumberType.MOBILE, frozenset({Feature.SMS})),
    "voicesms": TypeInfo("voice_sms", NumberType.LOCAL, frozenset({Feature.VOICE, Feature.SMS})),
}


def type_info(raw: str) -> TypeInfo:
    """PBXme's type name as slug, number type and features; ``ValueError`` when unknown."""
    key = re.sub(r"[^a-z]", "", raw.lower())
    if key in _TYPES:
        return _TYPES[key]
    kind = to_number_type(raw)  # "Toll-free", "National"…: not in the document, but plain words
    return TypeInfo(kind.value, kind, frozenset({Feature.VOICE}))


def external_id(country: str, slug: str, area: str) -> str:
    return f"{country}:{slug}:{area or '-'}"


def split_external_id(group_external_id: str) -> tuple[str, str, str]:
    """``"US:landline:212-555"`` -> ``("US", "landline", "212-555")``; ``ValueError`` otherwise."""
    parts = group_external_id.split(":")
    if len(parts) != 3 or len(parts[0]) != 2 or not all(parts):
        raise ValueError(f"not a PBXme group id: {group_external_id!r}")
    return parts[0], parts[1], parts[2]


def sku_id(setup: Decimal, monthly: Decimal) -> str:
    """A group's SKU is a (setup, monthly) price pair: ``"0.50/1.25"``."""
    return f"{_amount(setup)}/{_amount(monthly)}"


def _amount(value: Decimal) -> str:
    rounded = value.quantize(_CENT)
    return f"{rounded if rounded == value else value:f}"


@dataclass(frozen=True, slots=True)
class Listing:
    """One available DID, normalized: its group and prices."""

    did_id: str
    number: str  # E.164
    country: str
    group_id: str
    info: TypeInfo
    setup: Decimal
    monthly: Decimal
    parsed: phonenumbers.PhoneNumber | None = field(default=None, compare=False, repr=False)

    @property
    def sku_id(self) -> str:
        return sku_id(self.setup, self.monthly)

    @property
    def nanp(self) -> bool:
        return self.number.startswith("+1")

    def phone(self) -> phonenumbers.PhoneNumber:
        return self.parsed or phonenumbers.parse(self.number)


def listing(raw: object) -> Listing:
    """One ``did/available`` record as a ``Listing``; ``ValueError`` for a broken record."""
    did = wire.available_did(raw)
    info = type_info(did.type)
    number = to_e164(did.number)  # PBXme writes numbers as "00<cc>…"
    calling_code = phonenumbers.country_code_for_region(did.country)
    parsed = None
    if calling_code == NANP and number.startswith("+1"):
        area = f"{number[2:5]}-{number[5:8]}"  # NPA-NXX straight from the digits: no parsing
    else:
        parsed = phonenumbers.parse(number)
        if calling_code != parsed.country_code:
            raise ValueError(f"number {number} is not a {did.country} number")
        area = _area(parsed, info)
    return Listing(
        did_id=did.did_id,
        number=number,
        country=did.country,
        group_id=external_id(did.country, info.slug, area),
        info=info,
        setup=did.setup_fee,
        monthly=did.monthly_cost,
        parsed=parsed,
    )


def listings(rows: Iterable[object]) -> Iterator[Listing]:
    """The readable records of a ``did/available`` answer; broken ones are logged and skipped."""
    for raw in rows:
        try:
            yield listing(raw)
        except ValueError as exc:  # WireError is a ValueError too
            logger.warning("%s available DID skipped: %s (%.200r)", LABEL, exc, raw)


def _area(parsed: phonenumbers.PhoneNumber, info: TypeInfo) -> str:
    nsn = phonenumbers.national_significant_number(parsed)
    size = 0
    if info.number_type is NumberType.LOCAL:
        size = phonenumbers.length_of_geographical_area_code(parsed)
    size = size or phonenumbers.length_of_national_destination_code(parsed)
    return nsn[:size] if size else ""


@dataclass
class _Group:
    first: Listing
    numbers: list[str] = field(default_factory=list)
    prices: set[tuple[Decimal, Decimal]] = field(default_factory=set)
    places: set[str] = field(default_factory=set)  # geocoded places of its numbers


def group_records(found: Iterable[Listing]) -> Iterator[CoverageRecord]:
    """The groups of one country's listings, sorted by external id (a stable stream order)."""
    groups: dict[str, _Group] = {}
    for item in found:
        group = groups.get(item.group_id)
        if group is None:
            group = groups[item.group_id] = _Group(item)
            group.places.add(_geocode(item))
        elif not item.nanp:
            # An NPA-NXX is one place; an area code outside NANP may span several cities
            # (France's "4" is Lyon and Marseille), so each number is asked.
            group.places.add(_geocode(item))
        group.numbers.append(item.number)
        group.prices.add((item.setup, item.monthly))
    for gid in sorted(groups):
        yield _record(gid, groups.pop(gid))


def _record(gid: str, group: _Group) -> CoverageRecord:
    country, _slug, area = split_external_id(gid)
    first = group.first
    skus = tuple(
        Sku(external_id=sku_id(setup, monthly), setup_price=setup, monthly_price=monthly)
        for setup, monthly in sorted(group.prices, key=lambda p: (p[0] + p[1], p[0]))
    )
    region, city = _place(group.places, country) if len(group.places) == 1 else ("", "")
    numbers = tuple(sorted(set(group.numbers)))
    nanp = first.nanp
    npa, _, nxx = area.partition("-") if nanp else ("", "", "")
    return CoverageRecord(
        external_id=gid,
        country=country,
        number_type=first.info.number_type,
        features=first.info.features,
        skus=skus,
        region_code=region,
        city=city,
        npa=npa,
        nxx=nxx,
        area_prefix="" if nanp or area == "-" else area,
        area_name=city if not nanp else "",
        available_count=len(numbers),
        available_numbers=numbers,
    )


def _geocode(item: Listing) -> str:
    """libphonenumber's place for a geographic number ("New York, NY", "London"), else "".

    PBXme names no city; the numbering plan does. Mobile ranges geocode to the country at best.
    """
    if item.info.number_type is not NumberType.LOCAL:
        return ""
    phone = item.phone()
    text = geocoder.description_for_valid_number(phone, "en").strip()
    return "" if text.lower() == _country_name(item.country, phone) else text


_COUNTRY_NAMES: dict[str, str] = {}


def _country_name(country: str, phone: phonenumbers.PhoneNumber) -> str:
    """The geocoder's name for the whole country (what it answers for an unknown area), lower
    case; looked up once per country because it validates the number against every region."""
    if country not in _COUNTRY_NAMES:
        name = geocoder.country_name_for_number(phone, "en") or ""
        _COUNTRY_NAMES[country] = name.lower()
    return _COUNTRY_NAMES[country]


def _place(places: set[str], country: str) -> tuple[str, str]:
    """(ISO 3166-2 region or "", city or "") from the one place all numbers of a group share."""
    (text,) = places
    city, sep, state = text.rpartition(", ")
    if sep and len(state) == 2 and state.isalpha() and state.isupper():
        return f"{country}-{state}", city
    if country in ("US", "CA"):
        return "", ""  # a state or province name alone ("Ontario") is no city
    return "", text
