"""DID groups for DIDfarm, which sells exact numbers and has no group listing.

Numbers found by search are grouped by (country, type, area, city). A group's ``external_id`` is
``"{country}:{type}:{area}:{city}"``, stable for as long as DIDfarm keeps the number's city name:

- NANP local numbers:  area ``NPA-NXX``, city as DIDfarm writes it   ``US:local:212-555:New York``
- NANP other numbers:  area ``NPA`` (800, 888 … matter to buyers)    ``US:toll_free:800:``
- local elsewhere:     the city DIDfarm reports (the Connect ``city`` field) ``NL:local::Amsterdam``
- local, no city:      the geographic area code (older API shape)    ``GB:local:20:``
- everything else:     one group per country and type                ``DE:mobile::``

Cities rather than area codes key non-NANP local groups because area codes are not comparable
across countries (France's "4" covers Lyon and Marseille; Spain's Madrid spans 91x) while DIDfarm's
``city`` is what its own ``city`` search filter takes back — so ``available_numbers`` re-searches a
group with the documented filters and only narrows the answer on our side.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import phonenumbers

from ..types import CoverageRecord, Feature, NumberType, Sku
from . import nanp_regions
from .wire import SearchNumber

MAX_NUMBERS_PER_GROUP = 100  # kept on a CoverageRecord; available_count still counts them all
SKU_ID = "number"  # one SKU per group: DIDfarm prices numbers, not plans


@dataclass(frozen=True, slots=True)
class GroupKey:
    country: str
    number_type: NumberType
    area: str
    city: str

    @property
    def external_id(self) -> str:
        return f"{self.country}:{self.number_type.value}:{self.area}:{self.city}"

    def prefix(self, calling_code: str) -> str:
        """The E.164 prefix every number of this group starts with ("" when the area is empty)."""
        area = self.area.replace("-", "")
        return f"+{calling_code}{area}" if area else ""

    def matches(self, number: str, city: str) -> bool:
        """Whether a searched number belongs here (the search filters may be ignored upstream)."""
        if self.city and city.casefold() != self.city.casefold():
            return False
        return number.startswith(self.prefix(calling_code(self.country)))


@lru_cache(maxsize=512)
def calling_code(country: str) -> str:
    return str(phonenumbers.country_code_for_region(country) or "")


def parse_external_id(external_id: str) -> GroupKey:
    """The key behind ``external_id``; ``ValueError`` for anything we did not hand out."""
    parts = external_id.split(":", 3)
    if len(parts) != 4 or len(parts[0]) != 2 or not parts[0].isalpha():
        raise ValueError(f"not a DIDfarm group id: {external_id!r}")
    country, raw_type, area, city = parts
    try:
        kind = NumberType(raw_type)
    except ValueError:
        raise ValueError(f"not a DIDfarm group id: {external_id!r}") from None
    if area and not area.replace("-", "").isdigit():
        raise ValueError(f"not a DIDfarm group id: {external_id!r}")
    return GroupKey(country.upper(), kind, area, city)


def key_for(number: str, country: str, kind: NumberType, city: str) -> GroupKey:
    """The group a number (E.164, as ``to_e164`` wrote it) belongs to."""
    return GroupKey(country, kind, *_area_city(number, kind, city))


def _area_city(number: str, kind: NumberType, city: str) -> tuple[str, str]:
    """The (area, city) part of a number's group key."""
    if number.startswith("+1"):  # NANP: fixed 3-3-4 digits, no parsing needed (hot path)
        nsn = number[2:]
        if kind is NumberType.LOCAL:
            return f"{nsn[:3]}-{nsn[3:6]}", city
        return nsn[:3], ""
    if kind is not NumberType.LOCAL:
        return "", ""
    if city:
        return "", city
    return area_prefix(number), ""


def area_code_length(parsed: phonenumbers.PhoneNumber) -> int:
    return phonenumbers.length_of_geographical_area_code(
        parsed
    ) or phonenumbers.length_of_national_destination_code(parsed)


def area_prefix(number: str) -> str:
    """The area code of a non-NANP number ("30" for Berlin), for display."""
    parsed = phonenumbers.parse(number, None)
    return phonenumbers.national_significant_number(parsed)[: area_code_length(parsed)]


def nanp_region(npa_nxx: str, country: str) -> tuple[str, str]:
    """(ISO 3166-2 code, name) of a NANP exchange, from libphonenumber's geocoding data.

    The geocoder writes "New York, NY" for most exchanges and just "Ohio" for some: take the
    two-letter suffix when there is one, else match the subdivision name. ("", "") if unknown.
    See ``nanp_regions`` for where the answer comes from.
    """
    digits = npa_nxx.replace("-", "")
    if len(digits) != 6 or not digits.isdigit():
        return "", ""
    code = nanp_regions.region_code(digits, country)
    return (code, nanp_regions.subdivision_name(code)) if code else ("", "")


# Keyed by the price objects themselves (parsing shares them), not by value: 1.0 == 1.00.
_SKUS: dict[tuple[int, int], tuple[Sku, ...]] = {}


def _skus(setup: Decimal, monthly: Decimal) -> tuple[Sku, ...]:
    """The one SKU of a group at these prices (immutable, so groups at the same prices share)."""
    skus = _SKUS.get((id(setup), id(monthly)))
    if skus is not None and skus[0].setup_price is setup and skus[0].monthly_price is monthly:
        return skus
    skus = (Sku(external_id=SKU_ID, setup_price=setup, monthly_price=monthly),)
    if len(_SKUS) < 4096:  # the entry keeps both prices alive: their ids stay theirs
        _SKUS[id(setup), id(monthly)] = skus
    return skus


class Unordered(Exception):
    """Search results stopped arriving in ascending number order."""


def fold(found: Iterable[SearchNumber], *, ordered: bool = True) -> Iterator[CoverageRecord]:
    """Search results of one (country, type) folded into group records, streamed.

    ``ordered``: numbers arrive in ascending order (DIDfarm lists them so, as does the sandbox),
    so the numbers sharing a prefix are contiguous and a group with a prefix (a NANP exchange or
    toll-free code, an area code) is complete — and yielded — once a number outside its prefix
    arrives. Memory then holds only the open groups: city and country-wide groups (tens per
    country), plus the current exchange. ``Unordered`` is raised at the first number out of
    order. Not ``ordered``: every group is held until the search ends.
    """
    # Open groups by (country, type) — one pair per search, looked up only when it changes — then
    # by (area, city): tuples of strings hash cheaply, enum members do not. ``prefixed`` holds the
    # open groups that can be complete, in the order they opened.
    open_groups: dict[tuple[str, NumberType], dict[tuple[str, str], Group]] = {}
    prefixed: list[Group] = []
    previous = current_country = ""
    current_kind: NumberType | None = None
    current: dict[tuple[str, str], Group] = {}
    for found_number in found:
        number = found_number.number
        if ordered:
            if number < previous:
                raise Unordered(f"{number} came after {previous}")
            previous = number
        country, kind = found_number.country, found_number.number_type
        try:
            area_city = _area_city(number, kind, found_number.city)
        except phonenumbers.NumberParseException:  # to_e164 vetted it already; be safe
            continue
        if kind is not current_kind or country != current_country:
            current = open_groups.setdefault((country, kind), {})
            current_country, current_kind = country, kind
        group = current.get(area_city)
        if group is not None:
            group.add(found_number)
            continue
        if ordered and prefixed:
            done = [g for g in prefixed if not number.startswith(g.prefix)]
            for finished in done:
                prefixed.remove(finished)
                key = finished.key
                del open_groups[key.country, key.number_type][key.area, key.city]
                yield finished.record()
        group = current[area_city] = Group.start(GroupKey(country, kind, *area_city), found_number)
        if group.prefix:
            prefixed.append(group)
    left = [group for by_area in open_groups.values() for group in by_area.values()]
    for group in sorted(left, key=lambda g: g.external_id):
        yield group.record()


@dataclass(slots=True)
class Group:
    """Numbers of one group found so far, folded as they stream in."""

    key: GroupKey
    external_id: str
    prefix: str  # E.164 prefix all its numbers share; "" for city and country-wide groups
    numbers: list[str]
    count: int
    cheapest: SearchNumber
    features: frozenset[Feature]
    regulated: bool

    @classmethod
    def start(cls, key: GroupKey, found: SearchNumber) -> Group:
        prefix = key.prefix(calling_code(key.country))
        return cls(
            key, key.external_id, prefix, [found.number], 1, found, found.features,
            found.requires_regulatory,
        )  # fmt: skip

    def add(self, found: SearchNumber) -> None:
        self.count += 1
        if len(self.numbers) < MAX_NUMBERS_PER_GROUP:
            self.numbers.append(found.number)
        if (found.monthly, found.setup) < (self.cheapest.monthly, self.cheapest.setup):
            self.cheapest = found
        # A group promises only what all its numbers have: no SMS claim for a mixed group.
        if found.features is not self.features:
            self.features &= found.features
        self.regulated |= found.requires_regulatory

    def record(self) -> CoverageRecord:
        key, group = self.key, self
        npa = nxx = area = region_code = region_name = ""
        if key.area and key.number_type is NumberType.LOCAL and "-" in key.area:
            npa, nxx = key.area.split("-", 1)
            region_code, region_name = nanp_region(key.area, key.country)
        elif key.area and calling_code(key.country) == "1":
            npa = key.area
        elif key.number_type is NumberType.LOCAL:
            area = key.area or area_prefix(min(group.numbers))
        cheapest = group.cheapest
        return CoverageRecord(
            external_id=group.external_id,
            country=key.country,
            number_type=key.number_type,
            features=group.features,
            # If prices differ inside a group (premium "golden" numbers), the group shows the
            # cheapest; quantity orders buy the cheapest numbers first, and the checkout answer
            # carries what was actually charged.
            skus=_skus(cheapest.setup, cheapest.monthly),
            region_code=region_code,
            region_name=region_name,
            city=key.city or cheapest.city,
            npa=npa,
            nxx=nxx,
            area_prefix=area,
            area_name=key.city,
            needs_registration=group.regulated,
            available_count=group.count,
            available_numbers=tuple(sorted(group.numbers)),
        )
