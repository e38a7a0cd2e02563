"""Inventory of the DIDfarm simulator: exact numbers per (country, type), generated from a seed.

Nothing is generated up front: a (country, type) stock is built the first time something asks for
it, from ``random.Random`` seeded with text (never ``hash()``), so the same seed gives the same
numbers and prices in every process. ``scale`` multiplies volume: at 1 the US has 2,000 NPA-NXX
exchanges with 1-4 numbers each; other countries sell 3-10 numbers per city and 2-7 per
non-geographic prefix.

Prices are EUR cents, per group with a deterministic spread; "golden" numbers (ending 00 or in a
repeated digit triple) cost three times as much and carry a setup fee, so a group's numbers do
not all cost the same — as on the real site.
"""

from __future__ import annotations

import bisect
import json
import random
import re
import zlib
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from . import geo

US_EXCHANGES_PER_SCALE = 2000
CA_EXCHANGES_PER_SCALE = 200
US_CAPACITY = 267_000  # geo.us_exchanges refuses more than exist
CA_CAPACITY = 29_000
US_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
NUMBER_TYPES = ("local", "mobile", "national", "toll_free", "shared_cost")
UNREGULATED = frozenset({"US", "CA", "GB"})  # elsewhere local/mobile/national need documents

# (monthly low, monthly spread, setup low, setup spread) in EUR cents
_PRICES: dict[str, tuple[int, int, int, int]] = {
    "local": (150, 250, 0, 200),
    "mobile": (400, 500, 0, 300),
    "national": (200, 300, 0, 200),
    "toll_free": (500, 1000, 500, 2000),
    "shared_cost": (600, 600, 0, 500),
}
_NANP_PRICES: dict[str, tuple[int, int, int, int]] = {
    "local": (100, 100, 0, 100),
    "toll_free": (200, 100, 0, 0),
}


class Offer(NamedTuple):
    """A number on sale. A named tuple rather than a dataclass: stocks hold 100,000s of these."""

    number: str  # E.164
    country: str
    type: str
    city: str | None
    monthly: int  # EUR cents
    setup: int  # EUR cents
    sms: bool
    regulated: bool

    def to_json(self) -> dict[str, Any]:
        """One record of ``GET /numbers/search`` exactly as the Connect guide shows it."""
        return {
            "number": self.number,
            "country": self.country,
            "type": self.type,
            "city": self.city,
            "monthly_rate": self.monthly,
            "setup_fee": self.setup,
            "sms_enabled": self.sms,
            "requires_regulatory": self.regulated,
        }

    def json_text(self) -> str:
        """``to_json()`` encoded as httpx encodes a ``json=`` body (compact, UTF-8), built directly
        so that a page of search results needs no per-page dict or encoder pass."""
        number, country, kind, city, monthly, setup, sms, regulated = self
        quoted = f'"{number}"' if _PLAIN.fullmatch(number) else _json(number)
        return (
            f'{{"number":{quoted},{_place_json(country, kind, city)},"monthly_rate":{monthly:d},'
            f'"setup_fee":{setup:d},"sms_enabled":{_BOOLS[sms]},'
            f'"requires_regulatory":{_BOOLS[regulated]}}}'
        )


_PLAIN = re.compile(r"\+?[0-9]*")  # a number that needs no escaping inside a JSON string
_BOOLS = {False: "false", True: "true"}


def _json(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=4096)  # a few per (country, type): one per city
def _place_json(country: str, kind: str, city: str | None) -> str:
    return f'"country":{_json(country)},"type":{_json(kind)},"city":{_json(city)}'


_by_number = attrgetter("number")


class Stock:
    """The numbers of one (country, type) still for sale, sorted by number."""

    def __init__(self, offers: list[Offer]) -> None:
        self.offers = sorted(offers, key=_by_number)
        self.by_number = {o.number: o for o in self.offers}
        self._by_city: dict[str, list[Offer]] | None = None

    def in_city(self, city: str) -> list[Offer]:
        if self._by_city is None:  # built on the first city search only
            self._by_city = {}
            for offer in self.offers:
                self._by_city.setdefault((offer.city or "").casefold(), []).append(offer)
        return self._by_city.get(city.casefold(), [])

    def take(self, number: str) -> Offer | None:
        offer = self.by_number.pop(number, None)
        if offer is None:
            return None
        _remove(self.offers, offer)
        if self._by_city is not None:
            _remove(self._by_city.get((offer.city or "").casefold(), []), offer)
        return offer


def _remove(offers: list[Offer], offer: Offer) -> None:
    """Drop ``offer`` from a list sorted by number (every list a Stock keeps is)."""
    index = bisect.bisect_left(offers, offer.number, key=_by_number)
    if index < len(offers) and offers[index] is offer:
        del offers[index]


def countries() -> tuple[str, ...]:
    return ("US", "CA", *(spec.code for spec in geo.COUNTRIES))


def number_types(country: str) -> tuple[str, ...]:
    if country == "US":
        return ("local", "toll_free")
    if country == "CA":
        return ("local",)
    try:
        return geo.country(country).number_types
    except KeyError:
        return ()


def generate(*, seed: int, scale: int, country: str, kind: str) -> list[Offer]:
    """Every number DIDfarm's simulator sells in ``country`` of type ``kind`` (unsorted)."""
    return list(_generated(seed, scale, country, kind))


@lru_cache(maxsize=32)  # deterministic and immutable: sandboxes of one process share stocks
def _generated(seed: int, scale: int, country: str, kind: str) -> tuple[Offer, ...]:
    return tuple(_generate(seed=seed, scale=scale, country=country, kind=kind))


def _generate(*, seed: int, scale: int, country: str, kind: str) -> list[Offer]:
    if kind not in number_types(country):
        return []
    rng = random.Random(f"didfarm:{seed}:{country}:{kind}")  # noqa: S311 -- fake data
    pricing = _Pricing(seed, country, kind)
    if country in ("US", "CA") and kind == "local":
        return _nanp_local(rng, pricing, seed=seed, scale=scale, country=country)
    if country == "US":
        return _us_toll_free(rng, pricing, scale)
    spec = geo.country(country)
    offers: list[Offer] = []
    if kind == "local":
        sources = [(prefix, city) for city, prefix, _region in spec.cities]
        low, spread = 3, 8
    else:
        sources = [(prefix, None) for prefix in spec.prefixes(kind)]
        low, spread = 2, 6
    for prefix, city in sources:
        count = (low + rng.randrange(spread)) * scale
        numbers = geo.sample_numbers(
            seed=seed,
            calling_code=spec.calling_code,
            prefix=prefix,
            count=count,
            length=spec.nsn_length(prefix),
        )
        possible = [n for n in numbers if is_possible(n, spec.calling_code)]
        offers += pricing.offers(possible, city, group=prefix)
    return offers


def is_possible(number: str, calling_code: str) -> bool:
    """``phonenumbers.is_possible_number(phonenumbers.parse(number))`` for ``+<code><digits>``.

    Parsing strips a national prefix only where the region's ``national_prefix_for_parsing``
    matches the national digits; where it does not, the answer depends on the national number's
    length alone and is asked of phonenumbers once per (code, length).
    """
    national = number[1 + len(calling_code) :]
    if _national_prefix(calling_code).match(national):
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    key = (calling_code, len(national))
    found = _POSSIBLE.get(key)
    if found is None:
        found = _POSSIBLE[key] = phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    return found


_POSSIBLE: dict[tuple[str, int], bool] = {}
_NEVER = re.compile(r"(?!)")


@lru_cache(maxsize=256)
def _national_prefix(calling_code: str) -> re.Pattern[str]:
    code = int(calling_code)
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    pattern = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(pattern) if pattern else _NEVER


def _nanp_local(
    rng: random.Random, pricing: _Pricing, *, seed: int, scale: int, country: str
) -> list[Offer]:
    if country == "US":
        exchanges = geo.us_exchanges(
            seed=seed, count=min(US_EXCHANGES_PER_SCALE * scale, US_CAPACITY)
        )
    else:
        exchanges = geo.ca_exchanges(
            seed=seed, count=min(CA_EXCHANGES_PER_SCALE * scale, CA_CAPACITY)
        )
    offers: list[Offer] = []
    # A list, not the range: sample() draws the same, without an ABC check per call.
    lines, randrange, sample, batch = list(range(10_000)), rng.randrange, rng.sample, pricing.offers
    for exchange in exchanges:
        group = exchange.npa + exchange.nxx
        numbers = [f"+1{group}{line:04d}" for line in sample(lines, 1 + randrange(4))]
        offers += batch(numbers, exchange.city, group=group)
    return offers


def _us_toll_free(rng: random.Random, pricing: _Pricing, scale: int) -> list[Offer]:
    offers: list[Offer] = []
    for npa in US_TOLL_FREE:
        values = rng.sample(range(2_000_000, 10_000_000), 6 * scale)
        offers += pricing.offers([f"+1{npa}{value:07d}" for value in values], None, group=npa)
    return offers


class _Pricing:
    def __init__(self, seed: int, country: str, kind: str) -> None:
        self.seed, self.country, self.kind = seed, country, kind
        nanp = country in ("US", "CA")
        self.base = (_NANP_PRICES if nanp else _PRICES).get(kind, _PRICES[kind])
        self.sms = kind == "mobile" or (nanp and kind == "local")
        self.regulated = country not in UNREGULATED and kind != "toll_free"

    def group_prices(self, group: str) -> tuple[int, int]:
        """(monthly, setup) in EUR cents of a group's ordinary numbers."""
        low, spread, setup_low, setup_spread = self.base
        mix = zlib.crc32(f"{self.seed}:{self.country}:{self.kind}:{group}".encode())
        monthly = low + (mix % (spread // 10 + 1)) * 10
        setup = setup_low + ((mix >> 12) % (setup_spread // 50 + 1)) * 50
        return monthly, setup

    def offers(self, numbers: list[str], city: str | None, *, group: str) -> list[Offer]:
        """Offers for numbers of one group; "golden" ones (ending 00 or in a repeated digit
        triple) cost three times as much and carry a setup fee."""
        monthly, setup = self.group_prices(group)
        gold, gold_setup = monthly * 3, setup + 500
        country, kind, sms, regulated = self.country, self.kind, self.sms, self.regulated
        offers = []
        for number in numbers:
            tail = number[-3:]
            if number.endswith("00") or tail == tail[0] * 3:
                offers.append(Offer(number, country, kind, city, gold, gold_setup, sms, regulated))
            else:
                offers.append(Offer(number, country, kind, city, monthly, setup, sms, regulated))
        return offers
