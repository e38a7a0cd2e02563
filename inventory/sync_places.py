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

import pycountry
from django.db import DEFAULT_DB_ALIAS, connection, connections

from .models import City, Country, NanpaPrefix, Region
from .providers.types import CoverageRecord

NANP = frozenset({"US", "CA"})


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
        arrays = ", ".join(["%s::text[]"] * len(columns))
        with self.side.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


class Places:
    """Creates reference rows on first sight and caches what exists (city ids included)."""

    def __init__(self) -> None:
        self.countries = set(Country.objects.values_list("code", flat=True))
        self.regions = set(Region.objects.values_list("code", flat=True))
        self.cities = {(c, n): pk for pk, c, n in City.objects.values_list("id", "country", "name")}
        self.prefixes = set(NanpaPrefix.objects.values_list("npa", "nxx"))
        self._writer = _ReferenceWriter()

    def close(self) -> None:
        self._writer.close()

    def ensure(self, records: list[CoverageRecord]) -> None:
        write = self._writer.insert
        new_countries = {r.country for r in records} - self.countries
        write("inventory_country", ("code", "name"), [(c, _country_name(c)) for c in new_countries])
        self.countries |= new_countries

        regions = {r.region_code: r for r in records if r.region_code}
        new_regions = set(regions) - self.regions
        write(
            "inventory_region",
            ("code", "country_id", "name"),
            [(code, regions[code].country, _region_name(regions[code])) for code in new_regions],
        )
        self.regions |= new_regions

        cities = {(r.country, r.city): r.region_code or None for r in records if r.city}
        new_cities = [key for key in cities if key not in self.cities]
        if new_cities:
            write(
                "inventory_city",
                ("country_id", "name", "region_id"),
                [(c, n, cities[(c, n)]) for c, n in new_cities],
            )
            countries = {c for c, _n in new_cities}
            for pk, c, n in City.objects.filter(country_id__in=countries).values_list(
                "id", "country", "name"
            ):
                self.cities[(c, n)] = pk

        prefixes = {(r.npa, r.nxx): r for r in records if r.country in NANP and r.npa and r.nxx}
        new_prefixes = set(prefixes) - self.prefixes
        write(
            "inventory_nanpaprefix",
            ("npa", "nxx", "country_id", "region_id"),
            [
                (npa, nxx, prefixes[(npa, nxx)].country, prefixes[(npa, nxx)].region_code or None)
                for npa, nxx in new_prefixes
            ],
        )
        self.prefixes |= new_prefixes


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def _region_name(record: CoverageRecord) -> str:
    if record.region_name:
        return record.region_name
    subdivision = pycountry.subdivisions.get(code=record.region_code)
    return subdivision.name if subdivision else record.region_code
