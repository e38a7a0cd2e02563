"""Coverage sync: stream an adapter's coverage into the local catalog (DESIGN.md §3).

One account at a time, in one transaction, so a failed sync leaves the previous catalog intact.
Groups are compared by a digest of everything synced for them: unchanged groups cost no write,
new or changed ones are upserted in bulk, and groups the provider no longer lists are retired
(kept for history, hidden from sale), never deleted.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Func, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .accounts import adapter_for
from .models import City, DidGroup, ProviderAccount, Sku
from .providers.errors import ProviderError
from .providers.types import CoverageRecord, Feature
from .sync_names import place_of
from .sync_places import Places
from .sync_write import GroupRow, SkuRow, lock_account, write_batch

logger = logging.getLogger(__name__)

BATCH = 10_000
ANALYZE_AFTER_WRITES = 10_000
NANP = frozenset({"US", "CA"})
# Part of every group's digest: a change to how places are named rewrites each group once.
NAMES_VERSION = "names-5"


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
    offered = record.skus
    if len(offered) == 1:
        s = offered[0]
        skus = (f"{s.external_id}:{s.setup_price}:{s.monthly_price}:{s.channels}",)
    else:
        skus = sorted(
            f"{s.external_id}:{s.setup_price}:{s.monthly_price}:{s.channels}" for s in offered
        )
    text = "\x1f".join(
        (
            NAMES_VERSION, record.country, record.number_type, ",".join(sorted(record.features)),
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


def area_key(record: CoverageRecord) -> str:
    """What makes two providers' groups the same area for a buyer (see ``sync_names``)."""
    return place_of(record).area_key


def _valid(record: CoverageRecord) -> bool:
    return (
        len(record.country) == 2
        and (not record.region_code or record.region_code.startswith(record.country + "-"))
        and bool(record.external_id)
    )


class _SyncRun:
    """One account's sync inside its transaction: compare, write what changed, retire the rest."""

    def __init__(self, account: ProviderAccount, result: SyncResult) -> None:
        self.account = account
        self.result = result
        self.now = timezone.now()
        self.seen: set[str] = set()
        lock_account(account.pk)  # before reading what exists: see ``write_batch(new=True)``
        self.existing = {
            ext: (pk, digest, retired)
            for ext, pk, digest, retired in DidGroup.objects.filter(account=account).values_list(
                "external_id", "id", "content_hash", "retired_at"
            )
        }

    def run(self, records: Iterable[CoverageRecord]) -> None:
        places = Places()
        try:
            for batch in _prefetched_batches(records, BATCH):
                self._batch(batch, places)
        finally:
            places.close()
        self._retire_missing()
        _place_in_city_regions(self.account)

    def _batch(self, batch: list[CoverageRecord], places: Places) -> None:
        result = self.result
        changed: list[tuple[CoverageRecord, str]] = []
        new: set[str] = set()  # external ids of the changed groups not in the catalog yet
        updated_ids: list[int] = []
        for record in batch:
            if not _valid(record) or record.external_id in self.seen:
                result.skipped += 1
                logger.warning(
                    "%s: skipped coverage record %r", self.account.name, record.external_id
                )
                continue
            self.seen.add(record.external_id)
            result.seen += 1
            digest = record_digest(record)
            known = self.existing.get(record.external_id)
            if known and known[1] == digest and known[2] is None:
                continue
            changed.append((record, digest))
            if known:
                result.updated += 1
                updated_ids.append(known[0])
            else:
                new.add(record.external_id)
                result.created += 1
        if changed:
            _upsert(self.account, changed, new, places, self.now)
        if updated_ids:
            _retire_dropped_skus(updated_ids, changed, self.now)

    def _retire_missing(self) -> None:
        gone = [
            pk
            for ext, (pk, _digest, retired) in self.existing.items()
            if ext not in self.seen and not retired
        ]
        for chunk in _batches(gone, BATCH):
            DidGroup.objects.filter(pk__in=chunk).update(retired_at=self.now)
            Sku.objects.filter(group_id__in=chunk, retired_at__isnull=True).update(
                retired_at=self.now
            )
        self.result.retired = len(gone)


def _price(sku) -> tuple:
    return (sku.monthly_price, sku.setup_price)


_VOICE, _SMS, _FAX, _EMERGENCY = Feature.VOICE, Feature.SMS, Feature.FAX, Feature.EMERGENCY


def _upsert(
    account: ProviderAccount,
    changed: list[tuple[CoverageRecord, str]],
    new: set[str],
    places: Places,
    now,
) -> None:
    """Write the changed groups: those in ``new`` inserted, the others merged."""
    placed = places.ensure([record for record, _ in changed])
    city_id = places.city_id
    rows: dict[bool, tuple[list[GroupRow], list[SkuRow]]] = {True: ([], []), False: ([], [])}
    for (r, digest), place in zip(changed, placed, strict=True):
        offered = r.skus
        cheapest = (
            (min(offered, key=_price) if len(offered) > 1 else offered[0]) if offered else None
        )
        features = r.features
        ext = r.external_id
        groups, skus = rows[ext in new]
        groups.append((
            ext, r.country, place.region_code or None, city_id(r.country, place.city), r.npa,
            r.nxx, r.area_prefix, place.area_name, r.number_type._value_, place.area_key,
            _VOICE in features, _SMS in features, _FAX in features, _EMERGENCY in features,
            r.needs_registration, r.available_count, list(r.available_numbers),
            cheapest.monthly_price if cheapest else None,
            cheapest.setup_price if cheapest else None, digest,
        ))  # fmt: skip
        skus.extend(
            (ext, s.external_id, s.setup_price, s.monthly_price, s.channels) for s in offered
        )
    for is_new, (groups, skus) in rows.items():
        if groups:
            write_batch(
                account_id=account.pk,
                currency=account.currency,
                groups=groups,
                skus=skus,
                now=now,
                new=is_new,
            )


def _place_in_city_regions(account: ProviderAccount) -> None:
    """This account's groups in a city another provider has since placed in a region join it
    (choosing England must not hide the cheapest Bristol offer). Own groups only: a sync never
    writes another account's rows."""
    DidGroup.objects.filter(
        account=account, region__isnull=True, city__region__isnull=False, retired_at__isnull=True
    ).exclude(country__in=NANP).update(
        region=Subquery(City.objects.filter(pk=OuterRef("city_id")).values("region_id")[:1])
    )


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


def _numbers_listed(live) -> int:
    """The numbers listed in ``live``'s groups: counted by PostgreSQL, not sent and decoded."""
    listed = live.exclude(available_numbers=[])
    if connection.vendor == "postgresql":
        return listed.aggregate(
            n=Coalesce(
                Sum(
                    Func(
                        "available_numbers",
                        function="jsonb_array_length",
                        output_field=IntegerField(),
                    )
                ),
                0,
            )
        )["n"]
    return sum(len(n) for n in listed.values_list("available_numbers", flat=True).iterator())


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
    numbers = _numbers_listed(live)
    return {
        "countries": totals["countries"],
        "regions": totals["regions"],
        "cities": totals["cities"],
        "prefixes": prefixes,
        "groups": totals["groups"],
        "skus": skus,
        "numbers": numbers,
    }


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a sync walks and writes.

    A sync allocates millions of objects that stay alive a while (a simulator's catalog, a batch
    of records and their rows) and makes next to no reference cycles, yet every few hundred
    allocations the collector traversed the young ones, and its full passes over the growing
    heap cost a quarter to a third of a large sync's Python time (bench/sync_cpu.py). Garbage
    without cycles is still freed at once (reference counting); the few cycles made meanwhile
    are collected once the collector runs again. Process-wide: a sync running in another thread
    at the same time leaves it to the one that paused it to resume it."""
    paused_here = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused_here:
            gc.enable()


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
        with transaction.atomic(), _collector_paused():
            _SyncRun(account, result).run(
                records if records is not None else adapter_for(account).coverage()
            )
    except ProviderError as error:
        _finish(account, started, status=ProviderAccount.SyncStatus.FAILED, error=str(error))
        raise CatalogSyncFailed(str(error)) from error
    except Exception as error:
        _finish(account, started, status=ProviderAccount.SyncStatus.FAILED, error=repr(error))
        raise
    if result.writes > ANALYZE_AFTER_WRITES and connection.vendor == "postgresql":
        # Fresh planner statistics after a large change, or browsing plans for the old catalog.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_didgroup; ANALYZE inventory_sku")
    result.seconds = time.monotonic() - started
    result.counts = catalog_counts(account)
    _finish(account, started, status=ProviderAccount.SyncStatus.OK, counts=result.counts)
    cache.delete_many(
        ["catalog-updated-at", "enabled-provider-accounts", "backorder-provider-accounts"]
    )  # browse sees it now
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
