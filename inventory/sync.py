"""Coverage sync: stream an adapter's coverage into the local catalog (DESIGN.md §3).

One account at a time, in one transaction, so a failed sync leaves the previous catalog intact.
Groups are compared by a digest of everything synced for them: unchanged groups cost no write,
new or changed ones are upserted in bulk, and groups the provider no longer lists are retired
(kept for history, hidden from sale), never deleted.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import pycountry
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from .accounts import adapter_for
from .models import City, Country, DidGroup, NanpaPrefix, ProviderAccount, Region, Sku
from .providers.errors import ProviderError
from .providers.types import CoverageRecord, Feature
from .sync_write import GroupRow, SkuRow, insert_nanpa_prefixes, write_batch

logger = logging.getLogger(__name__)

BATCH = 10_000
NANP = frozenset({"US", "CA"})


class CatalogSyncFailed(Exception):
    """The provider failed during the sync; the previous catalog is untouched."""


@dataclass
class SyncResult:
    seen: int = 0
    created: int = 0
    updated: int = 0
    retired: int = 0
    skipped: int = 0  # records that could not be stored (logged)
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.retired


def record_digest(record: CoverageRecord) -> str:
    """A fingerprint of everything stored for a group, SKUs included (plain text: repr of
    enums and dataclasses cost a third of a large sync)."""
    skus = sorted(
        f"{s.external_id}:{s.setup_price}:{s.monthly_price}:{s.channels}" for s in record.skus
    )
    text = "\x1f".join(
        (
            record.country, record.number_type, ",".join(sorted(record.features)),
            record.region_code, record.region_name, record.city, record.npa, record.nxx,
            record.area_prefix, record.area_name, "R" if record.needs_registration else "-",
            str(record.available_count), ",".join(record.available_numbers), ";".join(skus),
        )
    )  # fmt: skip
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


_DONE = object()


def _prefetched_batches(items: Iterable, size: int, depth: int = 4) -> Iterator[list]:
    """``_batches`` with the provider walk running in a thread, ahead of the database writes.

    The walk (HTTP and parsing) and the writes (mostly waiting on PostgreSQL) overlap. A failure
    in the walk is raised here, in the caller's thread; if the caller stops early, the walk stops.
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in _batches(items, size):
                if not put(batch):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(error)

    thread = threading.Thread(target=produce, name="coverage-walk", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _Places:
    """Countries, regions, cities and NANPA prefixes, created on first sight, ids cached."""

    def __init__(self) -> None:
        self.countries = set(Country.objects.values_list("code", flat=True))
        self.regions = set(Region.objects.values_list("code", flat=True))
        self.cities = {(c, n): pk for pk, c, n in City.objects.values_list("id", "country", "name")}
        self.prefixes = set(NanpaPrefix.objects.values_list("npa", "nxx"))

    def ensure(self, records: list[CoverageRecord]) -> None:
        new_countries = {r.country for r in records} - self.countries
        Country.objects.bulk_create(
            [Country(code=c, name=_country_name(c)) for c in sorted(new_countries)],
            ignore_conflicts=True,
        )
        self.countries |= new_countries
        regions = {r.region_code: r for r in records if r.region_code}
        new_regions = set(regions) - self.regions
        Region.objects.bulk_create(
            [
                Region(
                    code=code, country_id=regions[code].country, name=_region_name(regions[code])
                )
                for code in sorted(new_regions)
            ],
            ignore_conflicts=True,
        )
        self.regions |= new_regions
        cities = {(r.country, r.city): r.region_code or None for r in records if r.city}
        new_cities = [key for key in cities if key not in self.cities]
        if new_cities:
            City.objects.bulk_create(
                [City(country_id=c, name=n, region_id=cities[(c, n)]) for c, n in new_cities],
                ignore_conflicts=True,
            )
            countries = {c for c, _n in new_cities}
            for pk, c, n in City.objects.filter(country_id__in=countries).values_list(
                "id", "country", "name"
            ):
                self.cities[(c, n)] = pk
        prefixes = {(r.npa, r.nxx): r for r in records if r.country in NANP and r.npa and r.nxx}
        new_prefixes = set(prefixes) - self.prefixes
        insert_nanpa_prefixes(
            [
                (npa, nxx, prefixes[(npa, nxx)].country, prefixes[(npa, nxx)].region_code or None)
                for npa, nxx in sorted(new_prefixes)
            ]
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


def _valid(record: CoverageRecord) -> bool:
    return (
        len(record.country) == 2
        and (not record.region_code or record.region_code.startswith(record.country + "-"))
        and bool(record.external_id)
    )


def _apply(account: ProviderAccount, records: Iterable[CoverageRecord], result: SyncResult) -> None:
    now = timezone.now()
    existing = {
        ext: (pk, digest, retired)
        for ext, pk, digest, retired in DidGroup.objects.filter(account=account).values_list(
            "external_id", "id", "content_hash", "retired_at"
        )
    }
    seen: set[str] = set()
    places = _Places()
    for batch in _prefetched_batches(records, BATCH):
        changed: list[tuple[CoverageRecord, str]] = []
        updated_ids: list[int] = []
        for record in batch:
            if not _valid(record) or record.external_id in seen:
                result.skipped += 1
                logger.warning("%s: skipped coverage record %r", account.name, record.external_id)
                continue
            seen.add(record.external_id)
            result.seen += 1
            digest = record_digest(record)
            known = existing.get(record.external_id)
            if known and known[1] == digest and known[2] is None:
                continue
            changed.append((record, digest))
            if known:
                result.updated += 1
                updated_ids.append(known[0])
            else:
                result.created += 1
        if changed:
            _upsert(account, changed, places, now)
        if updated_ids:
            _retire_dropped_skus(updated_ids, changed, now)
    gone = [pk for ext, (pk, _d, retired) in existing.items() if ext not in seen and not retired]
    for chunk in _batches(gone, BATCH):
        DidGroup.objects.filter(pk__in=chunk).update(retired_at=now)
        Sku.objects.filter(group_id__in=chunk, retired_at__isnull=True).update(retired_at=now)
    result.retired = len(gone)


def _upsert(
    account: ProviderAccount, changed: list[tuple[CoverageRecord, str]], places: _Places, now
) -> None:
    places.ensure([record for record, _ in changed])
    groups: list[GroupRow] = []
    skus: list[SkuRow] = []
    for r, digest in changed:
        cheapest = min(r.skus, key=lambda s: (s.monthly_price, s.setup_price), default=None)
        groups.append(
            GroupRow(
                external_id=r.external_id,
                country_id=r.country,
                region_id=r.region_code or None,
                city_id=places.cities.get((r.country, r.city)),
                npa=r.npa,
                nxx=r.nxx,
                area_prefix=r.area_prefix,
                area_name=r.area_name,
                number_type=r.number_type.value,
                voice=Feature.VOICE in r.features,
                sms=Feature.SMS in r.features,
                fax=Feature.FAX in r.features,
                emergency=Feature.EMERGENCY in r.features,
                needs_registration=r.needs_registration,
                available_count=r.available_count,
                available_numbers=list(r.available_numbers),
                monthly_price=cheapest.monthly_price if cheapest else None,
                setup_price=cheapest.setup_price if cheapest else None,
                content_hash=digest,
            )
        )
        skus.extend(
            SkuRow(r.external_id, s.external_id, s.setup_price, s.monthly_price, s.channels)
            for s in r.skus
        )
    write_batch(account_id=account.pk, currency=account.currency, groups=groups, skus=skus, now=now)


def _retire_dropped_skus(group_ids: list[int], changed, now) -> None:
    """SKUs an updated group no longer offers are retired (new groups cannot have any)."""
    offered = {(r.external_id, s.external_id) for r, _ in changed for s in r.skus}
    stale = [
        pk
        for pk, group_ext, sku_ext in Sku.objects.filter(
            group_id__in=group_ids, retired_at__isnull=True
        ).values_list("id", "group__external_id", "external_id")
        if (group_ext, sku_ext) not in offered
    ]
    if stale:
        Sku.objects.filter(pk__in=stale).update(retired_at=now)


def catalog_counts(account: ProviderAccount) -> dict[str, int]:
    """What this account has on sale in the catalog now (``providers sync --json``)."""
    live = DidGroup.objects.filter(account=account, retired_at__isnull=True)
    totals = live.aggregate(
        countries=Count("country", distinct=True),
        regions=Count("region", distinct=True),
        cities=Count("city", distinct=True),
        groups=Count("id"),
    )
    prefixes = live.exclude(npa="").exclude(nxx="").values("npa", "nxx").distinct().count()
    skus = Sku.objects.filter(group__in=live, retired_at__isnull=True).count()
    numbers = sum(len(n) for n in live.exclude(available_numbers=[]).values_list(
        "available_numbers", flat=True).iterator())  # fmt: skip
    return {
        "countries": totals["countries"],
        "regions": totals["regions"],
        "cities": totals["cities"],
        "prefixes": prefixes,
        "groups": totals["groups"],
        "skus": skus,
        "numbers": numbers,
    }


def catalog_sync(
    *, account: ProviderAccount, records: Iterable[CoverageRecord] | None = None
) -> SyncResult:
    """Sync one account's coverage now. Raises ``CatalogSyncFailed`` (catalog untouched)."""
    started = time.monotonic()
    ProviderAccount.objects.filter(pk=account.pk).update(
        last_sync_status=ProviderAccount.SyncStatus.RUNNING
    )
    result = SyncResult()
    try:
        with transaction.atomic():
            _apply(
                account, records if records is not None else adapter_for(account).coverage(), result
            )
    except ProviderError as error:
        _finish(account, started, status=ProviderAccount.SyncStatus.FAILED, error=str(error))
        raise CatalogSyncFailed(str(error)) from error
    except Exception as error:
        _finish(account, started, status=ProviderAccount.SyncStatus.FAILED, error=repr(error))
        raise
    result.seconds = time.monotonic() - started
    result.counts = catalog_counts(account)
    _finish(account, started, status=ProviderAccount.SyncStatus.OK, counts=result.counts)
    logger.info(
        "%s: synced %d groups (%d new, %d changed, %d retired, %d skipped) in %.1fs",
        account.name, result.seen, result.created, result.updated, result.retired,
        result.skipped, result.seconds,
    )  # fmt: skip
    return result


def _finish(account, started, *, status, error: str = "", counts: dict | None = None) -> None:
    fields = {
        "last_sync_at": timezone.now(),
        "last_sync_status": status,
        "last_sync_error": error[:2000],
        "last_sync_seconds": round(time.monotonic() - started, 3),
    }
    if counts is not None:
        fields["last_sync_counts"] = counts
    ProviderAccount.objects.filter(pk=account.pk).update(**fields)
    for key, value in fields.items():
        setattr(account, key, value)
