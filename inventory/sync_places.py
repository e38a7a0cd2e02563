"""The shared reference rows a sync needs: countries, regions, cities and NANPA prefixes.

Accounts are synced concurrently (the nightly job queues one task per account), and every sync
runs in one long transaction. If those transactions inserted the shared reference rows
themselves, two syncs meeting on the same new prefix would wait on each other until one is
killed as a deadlock (the benchmark hit this at once). Reference rows are append-only facts about
the world, so on PostgreSQL they are written through a second connection that commits each
statement at once, in a fixed order; only the account's own groups and SKUs wait for the sync's
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import psycopg
import pycountry
from django.db import DEFAULT_DB_ALIAS, connection, connections

from .models import City, Country, NanpaPrefix, Region
from .providers.types import CoverageRecord
from .sync_names import Place, place_of, recase, region_name

NANP = frozenset({"US", "CA"})


def _exchange(row: tuple) -> tuple:
    return row[0], row[1]


class _ReferenceWriter:
    def __init__(self) -> None:
        # A new connection with Django's default autocommit: each INSERT commits by itself.
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        rows = sorted(rows, key=lambda row: tuple(str(v) for v in row))
        names = ", ".join(columns)
        if self.side is None:
            placeholders = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({placeholders}) "  # noqa: S608
                    "ON CONFLICT DO NOTHING",
                    rows,
                )
            return
        arrays = ", ".join(["%b::text[]"] * len(columns))
        with self._bound() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )

    def upsert_prefixes(self, rows: list[tuple]) -> None:
        """New exchanges, and a rate centre name for those known without one (never renamed)."""
        if not rows:
            return
        rows = sorted(rows, key=_exchange)  # (npa, nxx) is unique: the one order every sync takes
        conflict = (
            "ON CONFLICT (npa, nxx) DO UPDATE SET city = EXCLUDED.city "
            "WHERE inventory_nanpaprefix.city = ''"
        )
        columns = "npa, nxx, country_id, region_id, city"
        if self.side is None:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO inventory_nanpaprefix ({columns}) "  # noqa: S608
                    f"VALUES (%s, %s, %s, %s, %s) {conflict}",
                    rows,
                )
            return
        with self._bound() as cursor:  # one statement: a first sync brings 100k exchanges
            cursor.execute(
                f"INSERT INTO inventory_nanpaprefix ({columns}) "  # noqa: S608
                f"SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], "
                f"%b::text[]) {conflict}",
                [list(column) for column in zip(*rows, strict=True)],
            )

    def _bound(self) -> psycopg.Cursor:
        """A cursor that binds on the server, the arrays in binary (see billing/bulk.py):
        Django's cursors spell every value into the SQL text, to be parsed back."""
        self.side.ensure_connection()
        return psycopg.Cursor(self.side.connection)

    def place_cities(self, rows: list[tuple[int, str]]) -> None:
        """Give cities known without a region the region a provider names (never moves one)."""
        sql = "UPDATE inventory_city SET region_id = %s WHERE id = %s AND region_id IS NULL"
        with (self.side or connection).cursor() as cursor:
            cursor.executemany(sql, [(region, pk) for pk, region in sorted(rows)])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


class Places:
    """Creates reference rows on first sight and caches what exists (city ids included).

    Cities are matched without regard to case ("BRISTOL" is "Bristol"), and a city one
    provider places in a region is in that region for every provider.
    """

    def __init__(self) -> None:
        self.countries = set(Country.objects.values_list("code", flat=True))
        self.regions = set(Region.objects.values_list("code", flat=True))
        self.cities: dict[tuple[str, str], int] = {}
        self._city_names: dict[tuple[str, str], str] = {}
        self.city_regions: dict[tuple[str, str], str] = {}
        self._load_cities(City.objects.all())
        self.prefixes: dict[tuple[str, str], str] = {}
        self.exchange_regions: dict[tuple[str, str], str] = {}
        for npa, nxx, city, region in NanpaPrefix.objects.values_list(
            "npa", "nxx", "city", "region"
        ):
            self.prefixes[(npa, nxx)] = city
            if region:
                self.exchange_regions[(npa, nxx)] = region
        self.exchange_cities = {key: city for key, city in self.prefixes.items() if city}
        self._writer = _ReferenceWriter()

    def _load_cities(self, rows) -> None:
        named = self._city_names
        for pk, country, name, region in rows.values_list("id", "country", "name", "region"):
            key = (country, name.casefold())
            # Rows stored before names were re-cased ("OMAHA") lose to the re-cased spelling.
            if key not in self.cities or (name == recase(name) and named[key] != name):
                self.cities[key] = pk
                named[key] = name
            if region and country not in NANP:
                self.city_regions.setdefault(key, region)

    def city_id(self, country: str, name: str) -> int | None:
        return self.cities.get((country, name.casefold())) if name else None

    def close(self) -> None:
        self._writer.close()

    def ensure(self, records: list[CoverageRecord]) -> list[Place]:
        """The records' normalised places, their reference rows created."""
        write = self._writer.insert
        placed = []
        for r in records:
            place = place_of(
                r,
                city_region=self.city_regions,
                exchange_city=self.exchange_cities,
                exchange_region=self.exchange_regions,
            )
            if r.npa and r.nxx and r.country in NANP:
                # The batch's first name for an exchange names its other groups too.
                if place.city:
                    self.exchange_cities.setdefault((r.npa, r.nxx), place.city)
                if place.region_code:
                    self.exchange_regions.setdefault((r.npa, r.nxx), place.region_code)
            placed.append(place)
        # A city this batch places in a region places the batch's other mentions of it too.
        found = {
            (r.country, p.city.casefold()): p.region_code
            for r, p in zip(records, placed, strict=True)
            if p.city and p.region_code and r.country not in NANP
        }
        if found:
            placed = [
                replace(p, region_code=found.get((r.country, p.city.casefold()), ""))
                if p.city and not p.region_code and r.country not in NANP
                else p
                for r, p in zip(records, placed, strict=True)
            ]
        new_countries = {r.country for r in records} - self.countries
        write("inventory_country", ("code", "name"), [(c, _country_name(c)) for c in new_countries])
        self.countries |= new_countries

        regions = {p.region_code: r for r, p in zip(records, placed, strict=True) if p.region_code}
        new_regions = set(regions) - self.regions
        write(
            "inventory_region",
            ("code", "country_id", "name"),
            [
                (code, regions[code].country, _region_name(code, regions[code]))
                for code in new_regions
            ],
        )
        self.regions |= new_regions

        cities = {
            (r.country, p.city): p.region_code or None
            for r, p in zip(records, placed, strict=True)
            if p.city
        }
        new_cities = [key for key in cities if self.city_id(*key) is None]
        if new_cities:
            write(
                "inventory_city",
                ("country_id", "name", "region_id"),
                [(c, n, cities[(c, n)]) for c, n in new_cities],
            )
            countries = {c for c, _n in new_cities}
            self._load_cities(City.objects.filter(country_id__in=countries))
        unplaced = [
            (self.city_id(c, n), region)
            for (c, n), region in cities.items()
            if region and c not in NANP and (c, n.casefold()) not in self.city_regions
        ]
        if unplaced:
            self._writer.place_cities(unplaced)
            for (c, n), region in cities.items():
                if region and c not in NANP:
                    self.city_regions.setdefault((c, n.casefold()), region)

        prefixes = {
            (r.npa, r.nxx): (r.country, p.region_code or None, p.city)
            for r, p in zip(records, placed, strict=True)
            if r.country in NANP and r.npa and r.nxx
        }
        fresh = [
            (npa, nxx, *row)
            for (npa, nxx), row in prefixes.items()
            if (npa, nxx) not in self.prefixes or (row[2] and not self.prefixes[(npa, nxx)])
        ]
        self._writer.upsert_prefixes(fresh)
        for npa, nxx, _country, _region, city in fresh:
            self.prefixes[(npa, nxx)] = self.prefixes.get((npa, nxx)) or city
        return placed


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def _region_name(code: str, record: CoverageRecord) -> str:
    """ISO 3166-2's name (one source, one language per country); the provider's where the
    code is not in it."""
    return region_name(code) or recase(record.region_name) or code
