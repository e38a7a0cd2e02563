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
from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

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
    found = _TYPE_NAMES.get(raw)  # every DID of a listing names one of a few types
    if found is None:
        found = _type_info(raw)
        if len(_TYPE_NAMES) < 256:
            _TYPE_NAMES[raw] = found
    return found


def _type_info(raw: str) -> TypeInfo:
    key = re.sub(r"[^a-z]", "", raw.lower())
    if key in _TYPES:
        return _TYPES[key]
    kind = to_number_type(raw)  # "Toll-free", "National"…: not in the document, but plain words
    return TypeInfo(kind.value, kind, frozenset({Feature.VOICE}))


_TYPE_NAMES: dict[str, TypeInfo] = {}  # PBXme's spelling -> its (known) type


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
    did_id, raw_number, country, type_name, monthly, setup = wire.available_fields(raw)
    info = type_info(type_name)
    calling_code = _calling_code(country)
    if calling_code == NANP:
        nanp = _NANP_NUMBER.fullmatch(raw_number)
        if nanp is not None:
            # "001NXXNXXXXXX" is canonical already: to_e164 makes "+1NXXNXXXXXX" of it (ten
            # digits are a possible NANP number; an NPA of 2-9 has no trunk prefix to strip).
            # Its group is the NPA-NXX, straight from the digits.
            digits = nanp[1]
            group_id = f"{country}:{info.slug}:{digits[:3]}-{digits[3:6]}"
            return Listing(did_id, "+1" + digits, country, group_id, info, setup, monthly)
    number, parsed = _e164_parsed(raw_number)  # PBXme writes numbers as "00<cc>…"
    if calling_code == NANP and number.startswith("+1"):
        area = f"{number[2:5]}-{number[5:8]}"  # NPA-NXX straight from the digits: no parsing
    else:
        parsed = parsed or phonenumbers.parse(number)
        if calling_code != parsed.country_code:
            raise ValueError(f"number {number} is not a {country} number")
        area = _area(parsed, info)
    group_id = external_id(country, info.slug, area)
    return Listing(did_id, number, country, group_id, info, setup, monthly, parsed)


_NANP_NUMBER = re.compile(r"(?:00|\+)1([2-9]\d\d[2-9]\d{6})")
_INTERNATIONAL = re.compile(r"(?:00|\+)(\d+)")
_CALLING_CODES: dict[str, int] = {}


def _calling_code(country: str) -> int:
    code = _CALLING_CODES.get(country)
    if code is None:
        code = _CALLING_CODES[country] = phonenumbers.country_code_for_region(country)
    return code


def _e164_parsed(raw: str) -> tuple[str, phonenumbers.PhoneNumber | None]:
    """``to_e164(raw)`` and, for the usual international form, the number it parsed (so it is
    parsed once): the same steps as ``to_e164`` for ``00<digits>`` or ``+<digits>``."""
    match = _INTERNATIONAL.fullmatch(raw)
    if match is None:
        return to_e164(raw), None
    try:
        parsed = phonenumbers.parse("+" + match[1], None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), parsed


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


class _Group:
    __slots__ = ("first", "numbers", "places", "prices")

    def __init__(self, first: Listing) -> None:
        self.first = first
        self.numbers: list[str] = []
        self.prices: set[tuple[Decimal, Decimal]] = set()
        self.places: set[str] = {_geocode(first)}  # geocoded places of its numbers


def group_records(found: Iterable[Listing]) -> Iterator[CoverageRecord]:
    """The groups of one country's listings, sorted by external id (a stable stream order)."""
    groups: dict[str, _Group] = {}
    for item in found:
        group = groups.get(item.group_id)
        if group is None:
            group = groups[item.group_id] = _Group(item)
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
    prices = group.prices
    if len(prices) > 1:
        prices = sorted(prices, key=lambda p: (p[0] + p[1], p[0]))
    skus = tuple(
        Sku(external_id=sku_id(setup, monthly), setup_price=setup, monthly_price=monthly)
        for setup, monthly in prices
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
    if item.info.number_type is not _LOCAL:
        return ""
    text = _described(item.number, _calling_code(item.country))
    if text is None:  # no name in the data (or a mobile token to strip): ask the geocoder
        text = geocoder.description_for_valid_number(item.phone(), "en")
    text = text.strip()
    if item.country in _COUNTRY_NAMES:
        return "" if text.lower() == _COUNTRY_NAMES[item.country] else text
    return "" if text.lower() == _country_name(item.country, item.phone()) else text


_LOCAL = NumberType.LOCAL


def _described(number: str, calling_code: int) -> str | None:
    """``geocoder.description_for_valid_number(number, "en")`` where the geocoding data names
    the place, without what the geocoder also does per number (find the number's region among
    all of its calling code's, format it again): the same longest-prefix look-up of
    ``phonenumbers.prefix``. ``None`` when the geocoder would fall back to the country, or
    strip a mobile token (Argentina, Mexico) first: the caller asks the geocoder then."""
    if phonenumbers.country_mobile_token(calling_code):
        return None
    digits = number[1:]  # E.164, as format_number(..., E164) writes it
    for size in range(min(GEOCODE_LONGEST_PREFIX, len(digits)), 0, -1):
        names = GEOCODE_DATA.get(digits[:size])
        if names is not None and "en" in names:
            text = names["en"]
            return text or None
    return None


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
