"""The IDT Express simulator's catalog: countries, US/CA regions, DID groups with fees and stock.

Everything derives from the seed (``crc32`` prices and stock, ``geo`` exchanges), so the same seed
gives the same catalog in every process. Group ids are dense per country block (US groups are
1_000_000 + i, Canada 2_000_000 + i, …), so an id says where to look without building anything
else. Each country's groups are built on first use; numbers are drawn per group only when bought.

Like IDT's, US and Canadian local groups are one NPA-NXX each, named "CITY (NPA) NXX", inside a
region (IDT's region codes, including its "CA-NF" for Newfoundland and Labrador); toll-free
groups have no region; outside NANP a local group is a city (``nxx`` null) and some names carry
IDT's trailing space.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from . import geo

US_EXCHANGES_PER_SCALE = 3000
CA_EXCHANGES_PER_SCALE = 400
US_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
CA_TOLL_FREE = ("800", "888")
ID_BLOCK = 1_000_000
POOL_SIZE = 240  # numbers per group: its stock, then the supply that fills back-orders
# IDT writes Newfoundland and Labrador with its pre-2002 code (Get Regions example).
IDT_REGION_CODES = {"CA-NL": "CA-NF"}
_COUNTRY_NAMES = {"US": "USA", "CA": "CANADA"}
# Countries where this IDT sells no toll-free numbers (the document's examples: Poland, Peru).
NO_TOLL_FREE = frozenset({"PL", "PE", "IL", "ZA", "MX"})
# (setup low, setup high, monthly low, monthly high) in the account currency
_PRICES = {
    "nanp_local": ("0", "1", "0.50", "2.00"),
    "nanp_toll_free": ("0", "2", "1.00", "3.00"),
    "local": ("0", "5", "1.00", "6.00"),
    "toll_free": ("0", "10", "5.00", "15.00"),
}


@dataclass(frozen=True, slots=True)
class CountryRow:
    iso: str
    name: str
    calling_code: str
    has_regions: bool
    supports_toll_free: bool


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    name: str  # as IDT sends it (a trailing space now and then)
    country: str
    calling_code: str
    area_code: str
    nxx: str | None
    toll_free: bool
    region_code: str | None  # IDT's code, e.g. "US-AK"
    region_name: str | None
    setup_fee: Decimal
    monthly_fee: Decimal
    per_minute_rate: Decimal
    prefix: str  # national digits every number of the group starts with
    length: int  # national significant number length
    stock: int  # numbers on hand when the sandbox starts
    backorderable: bool  # short orders wait for supply instead of being cut

    @property
    def price(self) -> Decimal:
        """What one number costs when it is delivered: setup plus the first month."""
        return self.setup_fee + self.monthly_fee


class Catalog:
    def __init__(self, *, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = max(1, scale)
        self._lock = threading.Lock()
        self._groups: dict[str, list[Group]] = {}  # country -> its groups, built on first use
        self._browse: dict[tuple[str, str | None, bool], list[Group]] = {}
        self._browsed: set[str] = set()  # countries whose lists are all in _browse
        self._pools: dict[int, list[str]] = {}  # group id -> its numbers, drawn on first purchase

    def fraction(self, *parts: str) -> float:
        """A deterministic number in [0, 1) for a key (crc32: cheap, stable across processes)."""
        return zlib.crc32(f"{self.seed}:{':'.join(parts)}".encode()) / 2**32

    def _price(self, low: str, high: str, key: str) -> Decimal:
        lo, hi, unit = Decimal(low), Decimal(high), Decimal("0.05")
        steps = int((hi - lo) / unit)
        return lo + unit * int(self.fraction("price", key, low, high) * (steps + 1))

    def _stock(self, key: str) -> int:
        value = self.fraction("stock", key)
        return 0 if value < 0.04 else 2 + int(value * 38)  # ~4% of groups are sold out

    # --- countries and regions -------------------------------------------------------------

    @cached_property
    def countries(self) -> list[CountryRow]:
        rows = [
            CountryRow("US", _COUNTRY_NAMES["US"], "1", True, True),
            CountryRow("CA", _COUNTRY_NAMES["CA"], "1", True, True),
        ]
        rows += [
            CountryRow(
                s.code,
                s.name.upper(),
                s.calling_code,
                False,
                bool(s.toll_free_prefixes) and s.code not in NO_TOLL_FREE,
            )
            for s in geo.COUNTRIES
        ]
        return rows

    @cached_property
    def _country_index(self) -> dict[str, int]:
        return {row.iso: index for index, row in enumerate(self.countries)}

    def country(self, iso: str) -> CountryRow | None:
        index = self._country_index.get(iso.upper())
        return None if index is None else self.countries[index]

    def regions(self, iso: str) -> list[tuple[str, str]]:
        """(IDT region code, name) of a country with regions; [] for the others."""
        table = {"US": geo.US_STATES, "CA": geo.CA_PROVINCES}.get(iso.upper())
        if table is None:
            return []
        rows = []
        for code, name in table.items():
            iso_code = f"{iso.upper()}-{code}"
            rows.append((IDT_REGION_CODES.get(iso_code, iso_code), name))
        return sorted(rows, key=lambda row: row[1])

    # --- groups ----------------------------------------------------------------------------

    def groups(self, iso: str) -> list[Group]:
        iso = iso.upper()
        with self._lock:
            if iso not in self._groups:
                self._groups[iso] = self._build(iso)
            return self._groups[iso]

    def group(self, group_id: int) -> Group | None:
        block, index = divmod(group_id, ID_BLOCK)
        if not 1 <= block <= len(self.countries):
            return None
        rows = self.groups(self.countries[block - 1].iso)
        return rows[index] if index < len(rows) else None

    def browse(self, iso: str, *, region_code: str | None, toll_free: bool) -> list[Group]:
        """The groups Get DID Groups lists for a country (and region, unless toll-free).

        A country's groups are sorted into every such list in one pass, the first time one is
        asked for (a scan per region cost as much as serving them)."""
        iso = iso.upper()
        key = (iso, None if toll_free else region_code, toll_free)
        with self._lock:
            cached = self._browse.get(key)
            indexed = iso in self._browsed
        if cached is not None or indexed:
            return cached or []
        lists: dict[tuple[str, str | None, bool], list[Group]] = {}
        for g in self.groups(iso):
            lists.setdefault((iso, None if g.toll_free else g.region_code, g.toll_free), []).append(
                g
            )
        with self._lock:
            for found, rows in lists.items():
                self._browse.setdefault(found, rows)
            self._browsed.add(iso)
            return self._browse.get(key) or []

    def _build(self, iso: str) -> list[Group]:
        row = self.country(iso)
        if row is None:
            return []
        base = (self._country_index[iso] + 1) * ID_BLOCK
        if iso in ("US", "CA"):
            return self._nanp(row, base)
        return self._world(row, base)

    def _nanp(self, row: CountryRow, base: int) -> list[Group]:
        if row.iso == "US":
            wanted, make, toll_free = US_EXCHANGES_PER_SCALE, geo.us_exchanges, US_TOLL_FREE
        else:
            wanted, make, toll_free = CA_EXCHANGES_PER_SCALE, geo.ca_exchanges, CA_TOLL_FREE
        exchanges = self._exchanges(make, wanted * self.scale)
        groups: list[Group] = []
        for ex in exchanges:
            code = f"{row.iso}-{ex.state}"
            key = f"{row.iso}:{ex.npa}{ex.nxx}"
            groups.append(
                self._group(
                    base + len(groups),
                    row,
                    name=f"{ex.city.upper()} ({ex.npa}) {ex.nxx}",
                    area_code=ex.npa,
                    nxx=ex.nxx,
                    region=(IDT_REGION_CODES.get(code, code), ex.state_name),
                    prefix=ex.npa + ex.nxx,
                    length=10,
                    prices=_PRICES["nanp_local"],
                    key=key,
                    backorderable=True,
                )
            )
        for npa in toll_free:
            groups.append(
                self._group(
                    base + len(groups),
                    row,
                    name=f"TOLL FREE ({npa})",
                    area_code=npa,
                    nxx=None,
                    region=None,
                    prefix=npa,
                    length=10,
                    prices=_PRICES["nanp_toll_free"],
                    key=f"{row.iso}:tf:{npa}",
                    backorderable=False,
                    toll_free=True,
                )
            )
        return groups

    def _exchanges(self, make: Callable[..., list[geo.UsExchange]], count: int) -> list:
        while True:
            try:
                return make(seed=self.seed, count=count)
            except ValueError:  # a scale asking for more exchanges than exist: settle for fewer
                count = count * 9 // 10

    def _world(self, row: CountryRow, base: int) -> list[Group]:
        spec = geo.country(row.iso)
        groups: list[Group] = []
        for city, prefix, _region in spec.cities:
            key = f"{row.iso}:{prefix}"
            # IDT's names sometimes end in a space ("SALVADOR "); keep that quirk in the sandbox.
            pad = " " if self.fraction("pad", key) < 0.3 else ""
            groups.append(
                self._group(
                    base + len(groups),
                    row,
                    name=city.upper() + pad,
                    area_code=prefix,
                    nxx=None,
                    region=None,
                    prefix=prefix,
                    length=spec.nsn_length(prefix),
                    prices=_PRICES["local"],
                    key=key,
                    backorderable=False,
                )
            )
        for prefix in spec.toll_free_prefixes if row.supports_toll_free else ():
            groups.append(
                self._group(
                    base + len(groups),
                    row,
                    name=f"TOLL FREE {prefix}",
                    area_code=prefix,
                    nxx=None,
                    region=None,
                    prefix=prefix,
                    length=spec.nsn_length(prefix),
                    prices=_PRICES["toll_free"],
                    key=f"{row.iso}:tf:{prefix}",
                    backorderable=False,
                    toll_free=True,
                )
            )
        return groups

    def _group(
        self,
        group_id: int,
        row: CountryRow,
        *,
        name: str,
        area_code: str,
        nxx: str | None,
        region: tuple[str, str] | None,
        prefix: str,
        length: int,
        prices: tuple[str, str, str, str],
        key: str,
        backorderable: bool,
        toll_free: bool = False,
    ) -> Group:
        setup_lo, setup_hi, monthly_lo, monthly_hi = prices
        return Group(
            id=group_id,
            name=name,
            country=row.iso,
            calling_code=row.calling_code,
            area_code=area_code,
            nxx=nxx,
            toll_free=toll_free,
            region_code=region[0] if region else None,
            region_name=region[1] if region else None,
            setup_fee=self._price(setup_lo, setup_hi, key + ":setup"),
            monthly_fee=self._price(monthly_lo, monthly_hi, key + ":monthly"),
            per_minute_rate=Decimal("0.0050")
            + Decimal(int(self.fraction("rate", key) * 200)) / 10_000,
            prefix=prefix,
            length=length,
            stock=self._stock(key),
            backorderable=backorderable,
        )

    def numbers(self, group: Group) -> list[str]:
        """The group's whole pool in IDT's form (``011`` + country code + national number)."""
        with self._lock:
            pool = self._pools.get(group.id)
        if pool is not None:
            return pool
        sample = geo.sample_numbers(
            seed=self.seed,
            calling_code=group.calling_code,
            prefix=group.prefix,
            count=POOL_SIZE,
            length=group.length,
        )
        pool = ["011" + number[1:] for number in sample]
        with self._lock:
            self._pools[group.id] = pool
        return pool
