"""The PBXme sandbox's inventory: single DIDs per country, generated deterministically from a seed.

US and Canada sell "Landline" numbers in NPA-NXX exchanges (``3000 * scale`` US exchanges,
``400 * scale`` Canadian ones), a quarter of them also "Voice+SMS"; the other countries of
``geo.COUNTRIES`` sell "Landline" numbers per city, "Voice+SMS" in their three largest cities and
"Mobile Voice"/"Mobile SMS" per mobile prefix. Numbers are written the way PBXme writes them,
``00`` + country code + national number. ``did_id`` is ``(country position + 1) * 10**7 + n``, so
the owner of an id is found without generating other countries.

A country is generated on its first ``did/available`` or ``did/assign`` and kept (immutable).
Prices are a function of (country, type, area), in USD: every number of a group costs the same.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import geo

TYPE_NAMES = ("Landline", "Mobile Voice", "Mobile SMS", "Voice+SMS")
LANDLINE, MOBILE_VOICE, MOBILE_SMS, VOICE_SMS = TYPE_NAMES
COUNTRY_ORDER: tuple[str, ...] = ("US", "CA", *(spec.code for spec in geo.COUNTRIES))
ID_BLOCK = 10_000_000
US_EXCHANGES = 3000
CA_EXCHANGES = 400
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CatalogDid:
    did_id: int
    number: str  # "0012125550123"
    country: str
    type: str
    monthly_cost: Decimal
    setup_fee: Decimal
    area: str = ""  # the exchange or prefix it was generated for; not on the wire

    def as_json(self) -> dict[str, Any]:
        return {
            "did_id": self.did_id,
            "did_number": self.number,
            "country": self.country,
            "type": self.type,
            "monthly_cost": str(self.monthly_cost),
            "setup_fee": str(self.setup_fee),
        }

    def json_text(self) -> str:
        """``as_json()`` encoded as httpx encodes a ``json=`` body (compact, UTF-8), without the
        dict: a country's answer holds every DID. Number, country, type and amounts are digits,
        letters and the fixed type names: nothing in them needs JSON escaping."""
        return (
            f'{{"did_id":{self.did_id},"did_number":"{self.number}","country":"{self.country}",'
            f'"type":"{self.type}","monthly_cost":"{self.monthly_cost}",'
            f'"setup_fee":"{self.setup_fee}"}}'
        )


# (setup low, setup span, monthly low, monthly span) in USD per type.
_PRICE_BANDS = {
    LANDLINE: (Decimal("0.00"), 100, Decimal("0.50"), 150),
    VOICE_SMS: (Decimal("0.50"), 100, Decimal("1.50"), 200),
    MOBILE_VOICE: (Decimal("1.00"), 200, Decimal("3.00"), 400),
    MOBILE_SMS: (Decimal("1.00"), 200, Decimal("2.50"), 300),
}


def price(seed: int, country: str, type_name: str, area: str) -> tuple[Decimal, Decimal]:
    """(setup, monthly) for a group; crc32 keeps it stable across processes (unlike ``hash``)."""
    setup_low, setup_span, monthly_low, monthly_span = _PRICE_BANDS[type_name]
    mix = zlib.crc32(f"{seed}:{country}:{type_name}:{area}".encode())
    setup = setup_low + Decimal(mix % (setup_span + 1)) * _CENT
    monthly = monthly_low + Decimal((mix >> 12) % (monthly_span + 1)) * _CENT
    if country not in ("US", "CA"):
        monthly += Decimal("1.00")  # international numbers cost a bit more
    return setup, monthly


class Catalog:
    def __init__(self, *, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = max(1, scale)
        self._countries: dict[str, tuple[CatalogDid, ...]] = {}

    def country(self, code: str) -> tuple[CatalogDid, ...]:
        """Every DID ever sold in ``code`` (available or not), in did_id order; () if none."""
        code = code.upper()
        if code not in self._countries:
            self._countries[code] = self._generate(code) if code in COUNTRY_ORDER else ()
        return self._countries[code]

    def group_count(self) -> int:
        """Distinct (country, type, exchange or prefix) over every country sold: about the DID
        groups an adapter builds from a full search (the benchmark sizes ``scale`` with it)."""
        return sum(len({(d.type, d.area) for d in self.country(code)}) for code in COUNTRY_ORDER)

    def by_id(self, did_id: int) -> CatalogDid | None:
        position = did_id // ID_BLOCK - 1
        if not 0 <= position < len(COUNTRY_ORDER):
            return None
        dids = self.country(COUNTRY_ORDER[position])
        index = did_id % ID_BLOCK - 1
        return dids[index] if 0 <= index < len(dids) else None

    def _generate(self, code: str) -> tuple[CatalogDid, ...]:
        rng = random.Random(f"pbxme:{self.seed}:{code}")  # noqa: S311 -- reproducible data
        base = (COUNTRY_ORDER.index(code) + 1) * ID_BLOCK
        out: list[CatalogDid] = []
        nanp = code in ("US", "CA")
        prices: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}  # a group's numbers cost alike

        def add(type_name: str, e164_digits: str, area: str) -> None:
            # NANP prices go by area code (NPA), not exchange: neighbouring exchanges cost alike.
            key = (type_name, area[:3] if nanp else area)
            found = prices.get(key)
            if found is None:
                found = prices[key] = price(self.seed, code, *key)
            setup, monthly = found
            out.append(
                CatalogDid(
                    base + len(out) + 1, "00" + e164_digits, code, type_name, monthly, setup, area
                )
            )

        if nanp:
            self._nanp(code, rng, add)
        else:
            self._world(geo.country(code), rng, add)
        return tuple(out)

    def _nanp(self, code: str, rng: random.Random, add: Callable[[str, str, str], None]) -> None:
        source = geo.us_exchanges if code == "US" else geo.ca_exchanges
        count = (US_EXCHANGES if code == "US" else CA_EXCHANGES) * self.scale
        while True:
            try:
                exchanges = source(seed=self.seed, count=count)
                break
            except ValueError:  # more than the numbering plan holds: take what there is
                count = count * 9 // 10
        for exchange in exchanges:
            landline = rng.randint(1, 3)
            sms = rng.randint(1, 2) if rng.random() < 0.25 else 0
            lines = rng.sample(range(10_000), landline + sms)
            prefix = f"1{exchange.npa}{exchange.nxx}"
            for i, line in enumerate(lines):
                add(LANDLINE if i < landline else VOICE_SMS, f"{prefix}{line:04d}", prefix[1:])

    def _world(
        self, spec: geo.CountrySpec, rng: random.Random, add: Callable[[str, str, str], None]
    ) -> None:
        def draw(prefix: str, count: int) -> list[str]:
            numbers = geo.sample_numbers(
                seed=self.seed,
                calling_code=spec.calling_code,
                prefix=prefix,
                count=count,
                length=spec.nsn_length(prefix),
            )
            rng.shuffle(numbers)
            return [n.removeprefix("+") for n in numbers]

        for position, (_city, prefix, _region) in enumerate(spec.cities):
            landline = rng.randint(2, 6) * self.scale
            sms = rng.randint(1, 3) * self.scale if position < 3 else 0
            numbers = draw(prefix, landline + sms)
            for i, digits in enumerate(numbers):
                add(LANDLINE if i < landline else VOICE_SMS, digits, prefix)
        for prefix in spec.mobile_prefixes:
            voice, sms = rng.randint(1, 4) * self.scale, rng.randint(1, 3) * self.scale
            for i, digits in enumerate(draw(prefix, voice + sms)):
                add(MOBILE_VOICE if i < voice else MOBILE_SMS, digits, prefix)
