"""The DIDWW simulator's catalog: countries, regions, cities, NANPA prefixes, DID groups, stock.

Everything derives from the seed (``uuid5`` ids, ``crc32`` prices and stock), so the same seed
gives the same catalog in every process. The tables are built on first use; numbers are drawn
per stock pool only when someone lists or buys from it.

US and Canadian local DID groups cover one area code each (``prefix`` is the NPA, as DIDWW's are);
the exchanges sold inside them are NANPA prefixes, one per NPA-NXX from ``geo``, each its own stock
pool. Outside NANP a local group is a city, and toll-free / mobile / national / shared-cost groups
are one per national prefix.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from . import geo

US_EXCHANGES_PER_SCALE = 3000
CA_EXCHANGES_PER_SCALE = 400
US_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
CA_TOLL_FREE = ("800", "888")
BACKORDER_SUPPLY = 20  # numbers per pool that "arrive" later for back-orders
# Countries whose local numbers need an identity, an address and proof before activation.
REGULATED_LOCAL = frozenset(
    "DE FR IT ES AT BE PT CH PL AU BR ZA JP IL PE MX IE".split()  # noqa: SIM905 -- readable
)
TYPE_NAMES = {
    "local": "Local",
    "national": "National",
    "toll_free": "Toll-free",
    "mobile": "Mobile",
    "shared_cost": "Shared Cost",
    "global": "Global",
}
_FEATURES = {
    "nanp_local": ("voice_in", "voice_out", "t38", "sms_in", "sms_out"),
    "local": ("voice_in", "voice_out", "t38"),
    "toll_free": ("voice_in", "t38"),
    "mobile": ("voice_in", "sms_in"),
    "national": ("voice_in", "voice_out"),
    "shared_cost": ("voice_in",),
}
# (setup low, setup high, monthly low, monthly high) in USD
_PRICES = {
    "nanp_local": ("0", "1", "0.50", "2.00"),
    "nanp_toll_free": ("0", "2", "1.00", "3.00"),
    "local": ("0", "5", "1.00", "6.00"),
    "toll_free": ("0", "10", "5.00", "15.00"),
    "mobile": ("2", "10", "3.00", "12.00"),
    "national": ("0", "5", "1.00", "5.00"),
    "shared_cost": ("0", "5", "2.00", "8.00"),
}


@dataclass(frozen=True, slots=True)
class Country:
    id: str
    name: str
    iso: str
    prefix: str


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    iso: str
    country_id: str


@dataclass(frozen=True, slots=True)
class City:
    id: str
    name: str
    country_id: str
    region_id: str | None


@dataclass(frozen=True, slots=True)
class Sku:
    id: str
    group_id: str
    setup_price: Decimal
    monthly_price: Decimal
    channels: int


@dataclass(frozen=True, slots=True)
class Pool:
    """Numbers sold from one prefix: a whole group, or one NPA-NXX of a NANP group."""

    key: str
    calling_code: str
    prefix: str  # national digits every number starts with
    length: int  # national significant number length
    stock: int  # numbers for sale now; BACKORDER_SUPPLY more arrive for back-orders


@dataclass(frozen=True, slots=True)
class NanpaPrefix:
    id: str
    npa: str
    nxx: str
    country_id: str
    region_id: str
    group_id: str
    pool: Pool


@dataclass(slots=True)
class Group:
    id: str
    country_id: str
    type_id: str
    type_key: str
    prefix: str
    area_name: str
    features: tuple[str, ...]
    needs_registration: bool
    available_dids_enabled: bool
    region_id: str | None = None
    city_id: str | None = None
    skus: list[Sku] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)


class Catalog:
    def __init__(self, *, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = max(1, scale)
        self._ns = uuid.uuid5(uuid.NAMESPACE_URL, f"didhub-sandbox-didww:{seed}").bytes

    def uid(self, *parts: str) -> str:
        """``str(uuid.uuid5(namespace, ":".join(parts)))``, without building a ``UUID`` (a
        catalog names a hundred thousand things; the object cost more than the hash)."""
        digest = bytearray(
            hashlib.sha1(self._ns + ":".join(parts).encode(), usedforsecurity=False).digest()[:16]
        )
        digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
        digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
        text = digest.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def fraction(self, *parts: str) -> float:
        """A deterministic number in [0, 1) for a key (crc32: cheap, stable across processes)."""
        return zlib.crc32(f"{self.seed}:{':'.join(parts)}".encode()) / 2**32

    def _price(self, low: str, high: str, key: str, step: str) -> Decimal:
        lo, hi, unit = Decimal(low), Decimal(high), Decimal(step)
        steps = int((hi - lo) / unit)
        return lo + unit * int(self.fraction(key, low, high) * (steps + 1))

    def _stock(self, key: str) -> int:
        value = self.fraction("stock", key)
        return 0 if value < 0.04 else 2 + int(value * 38)  # ~4% of pools are sold out

    # --- tables ----------------------------------------------------------------------------

    @cached_property
    def group_types(self) -> dict[str, tuple[str, str]]:
        """type key -> (id, DIDWW name)."""
        return {key: (self.uid("type", key), name) for key, name in TYPE_NAMES.items()}

    @cached_property
    def countries(self) -> list[Country]:
        rows = [Country(self.uid("country", "US"), "United States", "US", "1")]
        rows.append(Country(self.uid("country", "CA"), "Canada", "CA", "1"))
        rows += [
            Country(self.uid("country", s.code), s.name, s.code, s.calling_code)
            for s in geo.COUNTRIES
        ]
        return sorted(rows, key=lambda c: c.name)

    @cached_property
    def _tables(self) -> _Tables:
        tables = _Tables()
        for country in self.countries:
            if country.iso in ("US", "CA"):
                self._build_nanp(tables, country)
            else:
                self._build_world(tables, country)
        return tables

    @property
    def regions(self) -> list[Region]:
        return self._tables.regions

    @property
    def cities(self) -> list[City]:
        return self._tables.cities

    @property
    def groups(self) -> list[Group]:
        return self._tables.groups

    @property
    def group_by_id(self) -> dict[str, Group]:
        return self._tables.group_by_id

    @cached_property
    def country_by_id(self) -> dict[str, Country]:
        return {c.id: c for c in self.countries}

    @cached_property
    def region_by_id(self) -> dict[str, Region]:
        return {r.id: r for r in self.regions}

    @cached_property
    def city_by_id(self) -> dict[str, City]:
        return {c.id: c for c in self.cities}

    @cached_property
    def type_name_by_id(self) -> dict[str, str]:
        return dict(self.group_types.values())

    @property
    def sku_by_id(self) -> dict[str, Sku]:
        return self._tables.sku_by_id

    @property
    def nanpa_by_region(self) -> dict[str, list[NanpaPrefix]]:
        return self._tables.nanpa_by_region

    @property
    def nanpa_by_id(self) -> dict[str, NanpaPrefix]:
        return self._tables.nanpa_by_id

    def nanpa_prefixes(self) -> list[NanpaPrefix]:
        return [p for rows in self.nanpa_by_region.values() for p in rows]

    # --- building --------------------------------------------------------------------------

    def _group(self, tables: _Tables, country: Country, key: str, kind: str, **kw) -> Group:
        nanp = country.prefix == "1"
        type_id = self.group_types[kind][0]
        feature_key = "nanp_local" if nanp and kind == "local" else kind
        price_key = f"nanp_{kind}" if nanp else kind
        group = Group(
            id=self.uid("group", country.iso, key),
            country_id=country.id,
            type_id=type_id,
            type_key=kind,
            features=_FEATURES[feature_key],
            needs_registration=kind == "mobile"
            or (kind == "local" and country.iso in REGULATED_LOCAL),
            available_dids_enabled=kind not in ("mobile", "shared_cost"),
            **kw,
        )
        low, high, mlow, mhigh = _PRICES[price_key]
        setup = self._price(low, high, f"setup:{group.id}", "0.50")
        monthly = self._price(mlow, mhigh, f"monthly:{group.id}", "0.05")
        for channels, extra in ((0, Decimal("0")), (2, Decimal("1.00"))):
            sku = Sku(
                self.uid("sku", group.id, str(channels)), group.id, setup, monthly + extra, channels
            )
            group.skus.append(sku)
            tables.sku_by_id[sku.id] = sku
        tables.groups.append(group)
        tables.group_by_id[group.id] = group
        return group

    def _build_nanp(self, tables: _Tables, country: Country) -> None:
        if country.iso == "US":
            names = geo.US_STATES
            exchanges = geo.us_exchanges(
                seed=self.seed, count=min(US_EXCHANGES_PER_SCALE * self.scale, 250_000)
            )
        else:
            names = geo.CA_PROVINCES
            exchanges = geo.ca_exchanges(
                seed=self.seed, count=min(CA_EXCHANGES_PER_SCALE * self.scale, 25_000)
            )
        regions: dict[str, Region] = {}
        for code, name in sorted(names.items(), key=lambda item: item[1]):
            region = Region(
                self.uid("region", country.iso, code), name, f"{country.iso}-{code}", country.id
            )
            regions[code] = region
            tables.regions.append(region)
        cities: dict[tuple[str, str], City] = {}
        groups: dict[tuple[str, str], Group] = {}
        for ex in exchanges:
            region = regions[ex.state]
            city = cities.get((ex.state, ex.city))
            if city is None:
                city = City(
                    self.uid("city", country.iso, ex.state, ex.city), ex.city, country.id, region.id
                )
                cities[(ex.state, ex.city)] = city
                tables.cities.append(city)
            group = groups.get((ex.state, ex.npa))
            if group is None:
                group = self._group(
                    tables,
                    country,
                    f"{ex.state}:{ex.npa}",
                    "local",
                    prefix=ex.npa,
                    area_name=ex.city,
                    region_id=region.id,
                    city_id=city.id,
                )
                groups[(ex.state, ex.npa)] = group
            key = f"{country.iso}:{ex.npa}{ex.nxx}"
            pool = Pool(key, "1", ex.npa + ex.nxx, 10, self._stock(key))
            group.pools.append(pool)
            prefix = NanpaPrefix(
                self.uid("nanpa", key), ex.npa, ex.nxx, country.id, region.id, group.id, pool
            )
            tables.nanpa_by_region.setdefault(region.id, []).append(prefix)
            tables.nanpa_by_id[prefix.id] = prefix
        for rows in tables.nanpa_by_region.values():
            rows.sort(key=lambda p: (p.npa, p.nxx))
        toll_free = US_TOLL_FREE if country.iso == "US" else CA_TOLL_FREE
        for npa in toll_free:
            group = self._group(
                tables, country, f"tf:{npa}", "toll_free", prefix=npa, area_name="Toll-free"
            )
            key = f"{country.iso}:tf:{npa}"
            group.pools.append(Pool(key, "1", npa, 10, self._stock(key)))

    def _build_world(self, tables: _Tables, country: Country) -> None:
        spec = geo.country(country.iso)
        regions: dict[str, Region] = {}
        for iso, name in spec.regions:
            region = Region(self.uid("region", iso), name, iso, country.id)
            regions[iso] = region
            tables.regions.append(region)
        for name, prefix, region_iso in spec.cities:
            region = regions.get(region_iso)
            city = City(
                self.uid("city", country.iso, name), name, country.id, region.id if region else None
            )
            tables.cities.append(city)
            group = self._group(
                tables,
                country,
                f"local:{prefix}",
                "local",
                prefix=prefix,
                area_name=name,
                region_id=city.region_id,
                city_id=city.id,
            )
            self._pool(group, spec, prefix)
        for kind in ("toll_free", "mobile", "national", "shared_cost"):
            for prefix in spec.prefixes(kind):
                group = self._group(
                    tables,
                    country,
                    f"{kind}:{prefix}",
                    kind,
                    prefix=prefix,
                    area_name=TYPE_NAMES[kind],
                )
                self._pool(group, spec, prefix)

    def _pool(self, group: Group, spec: geo.CountrySpec, prefix: str) -> None:
        key = f"{spec.code}:{group.type_key}:{prefix}"
        length = spec.nsn_length(prefix)
        room = 10 ** max(0, length - len(prefix))
        stock = min(self._stock(key), max(0, room - BACKORDER_SUPPLY))
        group.pools.append(Pool(key, spec.calling_code, prefix, length, stock))

    # --- numbers ---------------------------------------------------------------------------

    def pool_numbers(self, pool: Pool) -> list[str]:
        """Digits (DIDWW style, no "+") for a pool: ``stock`` for sale, then back-order supply."""
        numbers = geo.sample_numbers(
            seed=self.seed,
            calling_code=pool.calling_code,
            prefix=pool.prefix,
            count=pool.stock + BACKORDER_SUPPLY,
            length=pool.length,
        )
        return [n.removeprefix("+") for n in numbers]


@dataclass
class _Tables:
    regions: list[Region] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    group_by_id: dict[str, Group] = field(default_factory=dict)
    sku_by_id: dict[str, Sku] = field(default_factory=dict)
    nanpa_by_region: dict[str, list[NanpaPrefix]] = field(default_factory=dict)
    nanpa_by_id: dict[str, NanpaPrefix] = field(default_factory=dict)
