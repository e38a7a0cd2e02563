"""Place names and area labels, normalised once at sync (DESIGN.md §3).

Every provider spells places its own way ("MARSEILLE", "Marseille", "AKRON (234) 993", plain
"Albany", "TOLL FREE (844)"). The catalog stores one spelling and one label per area:

- **Casing**: a name written all in capitals (or all in lower case) is re-cased word by word,
  accents kept ("SAARBRÜCKEN" → "Saarbrücken", "NEWCASTLE UPON TYNE" → "Newcastle upon Tyne");
  a name in mixed case is the provider's and is kept.
- **One language per country**: the country's own names, as the authorities write them: regions
  are ISO 3166-2 subdivision names (pycountry: "Bayern", "Île-de-France"), and a city with an area
  code is named by libphonenumber's geocoder in the country's language ("München", "Köln"); where
  the country's own script is not Latin (Japan) the geocoder's English name is used ("Tokyo").
  There is no authoritative English source for subdivisions (pycountry's English catalogue turns
  "Bayern" into "Bavaria" but leaves "Nordrhein-Westfalen"), so mixing in exonyms would mix
  languages again.
- **NANP** (US, CA): the region is the area code's (an NPA belongs to one state or province; the
  geocoder places a few exchanges elsewhere, e.g. 201-631 in New York), exchange-level only where
  the NPA is shared (902/782, 867). Every provider's row reads "Albany (518) 398".
- **Area** (what a browse row is): NANP: the exchange (NPA-NXX) and number type; toll-free: one
  row per toll-free code ("Toll-free (844)": 800 and 833 numbers are different products);
  elsewhere: the city and type, else the area code and type ("Mobile (151)"), else the type
  nationwide. The region is not part of an area (providers that name none would split it).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
import pycountry

from .providers.didfarm import nanp_regions
from .providers.types import CoverageRecord, NumberType

NANP = frozenset({"US", "CA"})
# Words kept in lower case inside a re-cased name ("Newcastle upon Tyne", "Aix-en-Provence").
_SMALL_WORDS = frozenset(
    "upon on under in de du des la le les en sur sous am an der die das im bei von und "  # noqa: SIM905
    "and of the y del di da do dos van den op aan".split()
)
_WORD = re.compile(r"([^\s\-/]+)")
_TYPE_LABELS = {
    NumberType.MOBILE: "Mobile",
    NumberType.NATIONAL: "National",
    NumberType.TOLL_FREE: "Toll-free",
    NumberType.SHARED_COST: "Shared cost",
    NumberType.LOCAL: "Local",
}
# An NPA whose exchanges the geocoder places in one region at least this often is that
# region's (201: New Jersey, though it puts 201-631 in New York).
_NPA_MAJORITY = 0.9


@lru_cache(maxsize=65536)  # a catalog names a few thousand places, over and over
def recase(name: str) -> str:
    """The one casing rule: all-capitals or all-lower-case names re-cased, others kept."""
    name = " ".join((name or "").split())
    letters = [c for c in name if c.isalpha()]
    if not letters or (name != name.upper() and name != name.lower()):
        return name
    words = _WORD.split(name.lower())
    out = []
    first = True
    for part in words:
        if not _WORD.fullmatch(part):
            out.append(part)
            continue
        out.append(part if (part in _SMALL_WORDS and not first) else _capital(part))
        first = False
    return "".join(out)


def _capital(word: str) -> str:
    # "o'fallon" → "O'Fallon", "john's" → "John's", "st." → "St."
    head, sep, tail = word.partition("'")
    if sep and len(head) == 1 and tail:
        return head.upper() + sep + tail[:1].upper() + tail[1:]
    return word[:1].upper() + word[1:]


def _latin(text: str) -> bool:
    return all(
        not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text
    )  # fmt: skip


@cache
def _calling_code(country: str) -> str:
    return str(phonenumbers.country_code_for_region(country) or "")


@cache
def _geocode_keys() -> list[str]:
    """Every geocoder prefix, sorted once: a scan per calling code cost ~30 ms each, a second
    or more per sync process."""
    from phonenumbers.geodata import GEOCODE_DATA

    return sorted(GEOCODE_DATA)


def _own_name(names: dict[str, str]) -> str:
    """The country's own Latin-script name from a geocoder entry ({"de": …, "en": …})."""
    own = [text for lang, text in names.items() if lang != "en" and text and _latin(text)]
    if len(own) == 1:
        return own[0]
    return names.get("en", "")


@lru_cache(maxsize=4096)
def geocoded_city(country: str, prefix: str) -> str:
    """The place libphonenumber names for area code ``prefix`` of ``country``; "" if it names
    none, or several (France's "4" is Lyon, Marseille, Nice…)."""
    code = _calling_code(country)
    if not code or not prefix.isdigit() or country in NANP:
        return ""
    from phonenumbers.geodata import GEOCODE_DATA

    key = code + prefix
    names = GEOCODE_DATA.get(key)
    if names is None:  # finer data only: one name for every range under the prefix, or none
        keys = _geocode_keys()
        found = set()
        at = bisect.bisect_left(keys, key)
        while at < len(keys) and keys[at].startswith(key):
            found.add(_own_name(GEOCODE_DATA[keys[at]]))
            if len(found) > 1:
                return ""
            at += 1
        if len(found) != 1:
            return ""
        text = found.pop()
    else:
        text = _own_name(names)
    if "/" in text:  # "Nova Scotia/Prince Edward Island": several places
        return ""
    return recase(text.partition(",")[0].strip())  # "Osaka, Osaka": the place, not its region


@lru_cache(maxsize=1024)
def npa_region(npa: str, country: str) -> str:
    """The ISO 3166-2 region an area code serves; "" where it is shared or unknown."""
    runs = nanp_regions._table().get(npa)
    if runs is None:
        return ""
    starts, codes = runs
    share: Counter[str] = Counter()
    for start, end, code in zip(starts, [*starts[1:], 1000], codes, strict=True):
        low = max(start, 200)
        if code and code != "?" and end > low:
            share[code] += end - low
    total = sum(share.values())
    if not total:
        return _npa_described(npa, country)
    code, count = share.most_common(1)[0]
    if count / total < _NPA_MAJORITY or not code.startswith(country + "-"):
        return ""
    return code


# The geocoder's names for area codes that pycountry spells otherwise.
_NPA_ALIASES = {"Washington D.C.": "District of Columbia", "Washington State": "Washington"}


def _npa_described(npa: str, country: str) -> str:
    """The region the geocoder names for a whole area code ("Washington D.C."), if one."""
    from phonenumbers.geodata import GEOCODE_DATA

    description = (GEOCODE_DATA.get("1" + npa) or {}).get("en", "")
    return nanp_regions.from_description(_NPA_ALIASES.get(description, description), country)


def nanp_region(record: CoverageRecord) -> str:
    """The region of a NANP group: its area code's, else its exchange's, else the provider's."""
    if record.npa:
        code = npa_region(record.npa, record.country)
        if code:
            return code
        if record.nxx:
            code = nanp_regions.region_code(record.npa + record.nxx, record.country)
            if code:
                return code
    if record.number_type != NumberType.LOCAL:
        return ""  # toll-free and other non-geographic codes belong to no region
    return record.region_code


@lru_cache(maxsize=4096)
def region_name(code: str) -> str:
    subdivision = pycountry.subdivisions.get(code=code)
    return subdivision.name if subdivision else ""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a group is and what its row reads, as the catalog stores it."""

    region_code: str
    city: str
    area_name: str
    area_key: str


def place_of(
    record: CoverageRecord,
    *,
    city_region: dict | None = None,
    exchange_city: dict | None = None,
    exchange_region: dict | None = None,
) -> Place:
    """The normalised place, label and area of one provider's group.

    ``city_region`` maps (country, casefolded city) to the region the catalog knows the city
    in, for providers that name a city but no region; ``exchange_city`` and ``exchange_region``
    map NANP exchanges (npa, nxx) to what the catalog already knows of them.
    """
    kind = record.number_type
    if type(kind) is not NumberType:  # the enum's own call costs a microsecond per record
        kind = NumberType(kind)
    if record.country in NANP:
        return _nanp_place(record, kind, exchange_city or {}, exchange_region or {})
    prefix = record.area_prefix if record.area_prefix.isdigit() else ""
    if kind is not NumberType.LOCAL:
        return Place("", "", _type_label(kind, prefix), f"{kind._value_}|p:{prefix}")
    city = (geocoded_city(record.country, prefix) if prefix else "") or recase(record.city)
    region = record.region_code
    if not region and city and city_region:
        region = city_region.get((record.country, city.casefold()), "") or ""
    if city:
        return Place(region, city, city, f"{kind._value_}|c:{city.casefold()}")
    place = region_name(region) if region else ""
    if prefix:
        label = f"{place} ({prefix})" if place else f"{_TYPE_LABELS[kind]} ({prefix})"
        return Place(region, "", label, f"{kind._value_}|p:{prefix}")
    if region:
        return Place(region, "", place or region, f"{kind._value_}|r:{region}")
    return Place("", "", _type_label(kind, ""), f"{kind._value_}|p:")


def _type_label(kind: NumberType, prefix: str) -> str:
    """A non-geographic area: "Toll-free (844)", "Mobile (151)", "Mobile, nationwide"."""
    return f"{_TYPE_LABELS[kind]} ({prefix})" if prefix else f"{_TYPE_LABELS[kind]}, nationwide"


def _nanp_place(
    record: CoverageRecord, kind: NumberType, exchange_city: dict, exchange_region: dict
) -> Place:
    region = nanp_region(record) or (
        exchange_region.get((record.npa, record.nxx), "") if kind is NumberType.LOCAL else ""
    )
    npa, nxx = record.npa, record.nxx
    key = f"{kind._value_}|{npa}|{nxx}"
    if kind is not NumberType.LOCAL:
        return Place("", "", _type_label(kind, npa), key)
    city = exchange_city.get((npa, nxx)) or recase(record.city)
    if city and (npa, nxx) not in exchange_city and record.region_code not in ("", region):
        city = ""  # a place in another state than the area code's is not this exchange's
    place = city or region_name(region) or (record.region_name and recase(record.region_name))
    place = place or _country_name(record.country)
    code = f"({npa}) {nxx}" if nxx else f"({npa})" if npa else ""
    return Place(region, city, f"{place} {code}".strip(), key)


@cache
def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)
