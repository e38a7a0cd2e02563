"""Reconciling one provider account: list upstream, compare, record (issue #12).

A run is three steps, and no transaction stays open while the provider is called:

1. list: every number the account holds upstream, watched by ``listing_watch`` — an error, a
   short page, a cursor that ends early or a record the adapter had to skip makes the listing
   incomplete, and the run is recorded as aborted without touching a finding;
2. load: our rows for the account in a fixed number of queries, whatever their count;
3. record, in one transaction: open, refresh and close findings with bulk writes, then change
   provider blocks and ask for releases again (rare: one service call per number that changed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import User
from inventory.accounts import adapter_for
from inventory.models import DidGroup, Number, NumberStatus, ProviderAccount
from inventory.numbers import number_provider_block_set
from inventory.providers.errors import ProviderError
from inventory.providers.listing import listing_watch
from inventory.providers.types import OwnedNumber
from inventory.upstream import upstream_release_again

from ..models import ItemState, OrderItem
from .compare import HELD_HERE, KNOWN_HERE, Comparison, LocalNumber, compare, listing_by_number
from .models import STOP_BILLING, FindingKind, ReconcileFinding, ReconcileRun, RunStatus

logger = logging.getLogger("didhub.reconcile")

# More numbers missing upstream than this (at least MIN, else this share of ours) aborts a run.
MASS_MISSING_MIN = 10
MASS_MISSING_SHARE = 0.5
ORDER_GRACE = timedelta(hours=24)  # an upstream-only number this young may be an order's
LOCAL_FIELDS = [f for f in LocalNumber.__dataclass_fields__ if f != "id"]
REFRESHED = [
    "number", "cost_monthly", "cost_currency", "retail_monthly", "retail_currency", "detail",
    "upstream",
]  # fmt: skip


@dataclass
class RunResult:
    account: str
    status: str
    upstream: int | None = None
    local: int | None = None
    findings: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    closed: int = 0
    detail: str = ""
    run_id: int | None = None

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "upstream": self.upstream,
            "local": self.local,
            "findings": self.findings,
            "opened": self.opened,
            "closed": self.closed,
            **({"detail": self.detail} if self.detail else {}),
        }


class ListingIncomplete(Exception):
    pass


def reconcile_account(*, account: ProviderAccount, now: datetime | None = None) -> RunResult:
    """Reconcile one account now; the run is recorded either way."""
    started = timezone.now()
    now = now or started
    try:
        listing = listing_by_number(_listing(account))
    except ListingIncomplete as exc:
        return _aborted(account, started, str(exc))
    held = _held(account)
    comparison = compare(
        currency=account.currency,
        listing=listing,
        held=held,
        released=_released(account, listing, {n.e164 for n in held}),
        protected=_protected(account, listing, now),
        group_costs=_group_costs(account, listing),
        listed_since=started,
    )
    local = sum(1 for number in held if number.status in HELD_HERE)
    missing = sum(1 for _e164, kind in comparison.drafts if kind == FindingKind.MISSING_UPSTREAM)
    if missing > max(MASS_MISSING_MIN, local * MASS_MISSING_SHARE):
        # A listing that lacks most of what we hold is likelier a wrong account, an emptied
        # sandbox or a provider fault than a mass termination: stopping the billing of that many
        # numbers waits for a person (the aborted run shows on the operations page).
        return _aborted(
            account,
            started,
            f"the listing lacks {missing} of our {local} numbers: not acted on, check the account",
        )
    return _record(account, started, now, comparison, upstream=len(listing), local=local)


def _listing(account: ProviderAccount) -> list[OwnedNumber]:
    try:
        adapter = adapter_for(account)
        with listing_watch() as watch:
            owned = list(adapter.owned_numbers())
    except ProviderError as exc:
        raise ListingIncomplete(f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # a bug or a surprise is no complete listing either
        logger.exception("reconcile %s: listing failed", account.name)
        raise ListingIncomplete(f"{type(exc).__name__}: {exc}") from exc
    if not watch.complete:
        more = f" (+{len(watch.gaps) - 3} more)" if len(watch.gaps) > 3 else ""
        raise ListingIncomplete("incomplete listing: " + "; ".join(watch.gaps[:3]) + more)
    return owned


def _aborted(account: ProviderAccount, started: datetime, why: str) -> RunResult:
    logger.warning("reconcile %s aborted: %s", account.name, why)
    run = ReconcileRun.objects.create(
        provider_account=account,
        started_at=started,
        finished_at=timezone.now(),
        status=RunStatus.ABORTED,
        detail=why[:2000],
    )
    return RunResult(account.name, RunStatus.ABORTED, detail=why, run_id=run.pk)


# --- load (a fixed number of queries) ----------------------------------------------------------


def _held(account: ProviderAccount) -> list[LocalNumber]:
    rows = Number.objects.filter(provider_account=account, status__in=KNOWN_HERE)
    return [LocalNumber(*row) for row in rows.values_list("id", *LOCAL_FIELDS).iterator(2000)]


def _released(
    account: ProviderAccount, listing: dict[str, OwnedNumber], ours: set[str]
) -> dict[str, LocalNumber]:
    """The latest released row of each listed number nobody holds here (usually a handful)."""
    candidates = [e164 for e164 in listing if e164 not in ours]
    if not candidates:
        return {}
    rows = (
        Number.objects.filter(
            provider_account=account, status=NumberStatus.RELEASED, e164__in=candidates
        )
        .order_by("e164", "-released_at", "-pk")
        .values_list("id", *LOCAL_FIELDS)
    )
    latest: dict[str, LocalNumber] = {}
    for row in rows:
        latest.setdefault(row[1], LocalNumber(*row))
    return latest


def _protected(
    account: ProviderAccount, listing: dict[str, OwnedNumber], now: datetime
) -> frozenset[str]:
    """Listed numbers an order accounts for: one placed in the last 24 h (by the number, or by
    the upstream order it came from), or one whose numbers wait for their documents (their
    ``Number`` rows are made only once approved). Numbers the provider says were added in the
    last 24 h count too."""
    items = OrderItem.objects.filter(provider_account=account).filter(
        Q(order__created_at__gte=now - ORDER_GRACE) | Q(state=ItemState.AWAITING_DOCUMENTS)
    )
    numbers: set[str] = set()
    upstream_orders: set[str] = set()
    for delivered, requested, external_id in items.values_list(
        "delivered_numbers", "requested_numbers", "external_id"
    ):
        numbers.update(delivered or [])
        numbers.update(requested or [])
        if external_id:
            upstream_orders.add(external_id)
    young = now - ORDER_GRACE
    for e164, record in listing.items():
        order_id = record.extra.get("order_id", "")
        if order_id and order_id in upstream_orders:
            numbers.add(e164)
        added = _parsed(record.extra.get("added_at", ""))
        if added is not None and added >= young:
            numbers.add(e164)
    return frozenset(numbers)


def _parsed(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _group_costs(account: ProviderAccount, listing: dict[str, OwnedNumber]) -> dict[str, Decimal]:
    ids = {record.group_external_id for record in listing.values() if record.group_external_id}
    if not ids:
        return {}
    rows = DidGroup.objects.filter(account=account, external_id__in=ids).exclude(monthly_price=None)
    return dict(rows.values_list("external_id", "monthly_price"))


# --- record ------------------------------------------------------------------------------------


@transaction.atomic
def _record(
    account: ProviderAccount,
    started: datetime,
    now: datetime,
    comparison: Comparison,
    *,
    upstream: int,
    local: int,
) -> RunResult:
    # One recording per account at a time: a second run (the command beside the beat job) waits
    # and then sees the first one's findings.
    ProviderAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk").first()
    open_rows = {
        (f.e164, f.kind): f
        for f in ReconcileFinding.objects.select_for_update().filter(
            provider_account=account, closed_at=None
        )
    }
    fresh, seen_again, changed = [], [], []
    for key, draft in comparison.drafts.items():
        values = {
            "number_id": draft.number_id,
            "cost_monthly": draft.cost_monthly,
            "cost_currency": draft.cost_currency,
            "retail_monthly": draft.retail_monthly,
            "retail_currency": draft.retail_currency,
            "detail": draft.detail[:300],
            "upstream": draft.upstream,
        }
        row = open_rows.get(key)
        if row is None:
            fresh.append(
                ReconcileFinding(
                    provider_account=account, e164=draft.e164, kind=draft.kind, first_seen=now,
                    last_seen=now, **values,
                )
            )  # fmt: skip
            continue
        seen_again.append(row.pk)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    closed = [row.pk for key, row in open_rows.items() if key not in comparison.drafts]
    # Day after day most findings are seen again unchanged: one UPDATE moves their last_seen,
    # and only the ones whose details changed are rewritten.
    ReconcileFinding.objects.bulk_create(fresh)
    ReconcileFinding.objects.filter(pk__in=seen_again).update(last_seen=now)
    ReconcileFinding.objects.bulk_update(changed, REFRESHED, batch_size=500)
    ReconcileFinding.objects.filter(pk__in=closed).update(closed_at=now)
    for number_id, blocked, why in comparison.block:
        number_provider_block_set(number_id=number_id, blocked=blocked, detail=why, notify=False)
    for number_id in comparison.release_again:
        upstream_release_again(number_id=number_id, reason="reconciliation: still held upstream")
    counts: dict[str, int] = {}
    for _, kind in comparison.drafts:
        counts[kind] = counts.get(kind, 0) + 1
    run = ReconcileRun.objects.create(
        provider_account=account,
        started_at=started,
        finished_at=timezone.now(),
        status=RunStatus.COMPLETE,
        upstream_count=upstream,
        local_count=local,
        findings=counts,
        opened=len(fresh),
        closed=len(closed),
    )
    _alert(account, [f for f in fresh if f.kind in STOP_BILLING])
    return RunResult(
        account.name,
        RunStatus.COMPLETE,
        upstream=upstream,
        local=local,
        findings=counts,
        opened=len(fresh),
        closed=len(closed),
        run_id=run.pk,
    )


def _alert(account: ProviderAccount, gone: list[ReconcileFinding]) -> None:
    """One email per run to the platform's admins when numbers we bill went missing, were
    terminated or blocked upstream (never one per number: an account can lose thousands)."""
    if not gone:
        return
    admins = list(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    if not admins:
        return
    listed = "\n".join(f"{f.e164}: {f.get_kind_display()}" for f in gone[:50])
    more = f"\n… and {len(gone) - 50} more" if len(gone) > 50 else ""
    subject = f"Reconciliation: {len(gone)} number(s) we bill are not held at {account.name}"
    body = (
        f"{account.name} no longer holds these numbers for our clients as active. Their "
        "renewals are waived (provider block) until they are held again or an admin acts."
        f"\n{listed}{more}"
    )
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, admins))
