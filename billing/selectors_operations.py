"""What needs a platform admin's attention (the admin's operations page, DESIGN.md §5).

Order items that stopped (dead letters) or take longer than expected (the same definition the
client's order page uses: ``selectors_orders.overdue_items_q``), and enabled provider accounts
whose coverage sync failed or is late, whose connection check failed, whose balance is low, or
whose reconciliation has open findings or could not run (its last listing was incomplete).
Platform-wide on purpose: only platform admins read it, through the admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Destination, ProviderAccount, UpstreamAction, UpstreamState
from inventory.selectors_upstream import (
    trunks_to_delete_count,
    trunks_to_delete_rows,
    upstream_attention_counts,
    upstream_attention_rows,
)

from .models import ItemState, OrderItem
from .reconcile.models import STOP_BILLING, ReconcileFinding, ReconcileRun, RunStatus
from .selectors_orders import overdue_items_q

# Below this balance (in the account's own currency) an account without its own
# ``low_balance_threshold`` is flagged; the setting of the same name overrides it.
PROVIDER_LOW_BALANCE_DEFAULT = Decimal("50")
# Every account is synced nightly: a day plus two hours of slack before a sync counts as late.
SYNC_LATE_AFTER = timedelta(hours=26)
ROW_LIMIT = 50  # rows listed per section; the counts are always complete


def low_balance_default() -> Decimal:
    value = getattr(settings, "PROVIDER_LOW_BALANCE_DEFAULT", PROVIDER_LOW_BALANCE_DEFAULT)
    return Decimal(str(value))


@dataclass(frozen=True)
class OperationsCounts:
    dead_letters: int = 0
    overdue: int = 0
    sync_problems: int = 0
    check_failures: int = 0
    low_balances: int = 0
    upstream_dead: int = 0  # suspend/restore/release jobs that gave up
    upstream_manual: int = 0  # releases (…) an admin must do in the provider's portal
    trunks_to_delete: int = 0  # client SIP trunks an admin must delete in the provider's portal
    reconcile_problems: int = 0  # accounts with open findings or an aborted last run

    @property
    def total(self) -> int:
        return (
            self.dead_letters
            + self.overdue
            + self.sync_problems
            + self.check_failures
            + self.low_balances
            + self.upstream_dead
            + self.upstream_manual
            + self.trunks_to_delete
            + self.reconcile_problems
        )


@dataclass(frozen=True)
class Operations:
    counts: OperationsCounts
    dead_letters: list[OrderItem] = field(default_factory=list)
    overdue: list[OrderItem] = field(default_factory=list)
    # Each account carries ``sync_problem``: "failed", "late" or "never".
    sync_problems: list[ProviderAccount] = field(default_factory=list)
    check_failures: list[ProviderAccount] = field(default_factory=list)
    # Each account carries ``low_balance_limit``: its threshold, or the default.
    low_balances: list[ProviderAccount] = field(default_factory=list)
    upstream_dead: list[UpstreamAction] = field(default_factory=list)
    upstream_manual: list[UpstreamAction] = field(default_factory=list)
    trunks_to_delete: list[Destination] = field(default_factory=list)
    # Each account carries ``recon_gone`` (numbers we bill that it does not hold), ``recon_open``
    # (all open findings) and its last run's ``recon_last_status``/``_detail``/``_at``.
    reconcile_problems: list[ProviderAccount] = field(default_factory=list)


# --- order items ------------------------------------------------------------------------------


def _dead_letter_q() -> Q:
    return Q(state=ItemState.DEAD_LETTER)


def _item_counts(now: datetime) -> dict[str, int]:
    return OrderItem.objects.aggregate(
        dead_letters=Count("pk", filter=_dead_letter_q()),
        overdue=Count("pk", filter=overdue_items_q(now=now)),
    )


def _item_rows(condition: Q, *, order_by: tuple[str, ...]) -> list[OrderItem]:
    rows = (
        OrderItem.objects.filter(condition)
        .select_related("order__client", "order__reseller", "provider_account")
        .defer("provider_account__credentials", "provider_account__webhook_secret")
        .order_by(*order_by)
    )
    return list(rows[:ROW_LIMIT])


# --- provider accounts ------------------------------------------------------------------------


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _account_conditions(now: datetime) -> dict[str, Q]:
    late = now - SYNC_LATE_AFTER
    return {
        "sync_failed": Q(last_sync_status=ProviderAccount.SyncStatus.FAILED),
        "sync_late": Q(last_sync_at__lt=late),
        # A new account gets the same day of grace before its first sync is missed.
        "sync_never": Q(last_sync_at__isnull=True, created_at__lt=late),
        "check_failed": Q(last_check_ok=False),
        "low_balance": Q(balance__lt=F("low_balance_limit")),
        "reconcile_problem": Q(recon_open__gt=0) | Q(recon_last_status=RunStatus.ABORTED),
    }


def _reconcile_annotations() -> dict:
    """Per account, as subqueries of the one accounts query: its open findings and last run."""
    open_findings = ReconcileFinding.objects.filter(
        provider_account=OuterRef("pk"), closed_at=None
    ).order_by()

    def count(rows):
        counted = rows.values("provider_account").annotate(n=Count("pk")).values("n")[:1]
        return Coalesce(Subquery(counted), 0)

    latest = ReconcileRun.objects.filter(provider_account=OuterRef("pk")).order_by(
        "-started_at", "-pk"
    )
    return {
        "recon_gone": count(open_findings.filter(kind__in=STOP_BILLING)),
        "recon_open": count(open_findings),
        "recon_last_status": Subquery(latest.values("status")[:1]),
        "recon_last_detail": Subquery(latest.values("detail")[:1]),
        "recon_last_at": Subquery(latest.values("started_at")[:1]),
    }


def _accounts(now: datetime) -> QuerySet[ProviderAccount]:
    """Enabled accounts with at least one problem, each problem a boolean column (one query).
    The encrypted credentials are never loaded: nothing here needs them."""
    conditions = _account_conditions(now)
    any_problem = Q()
    for condition in conditions.values():
        any_problem |= condition
    return (
        ProviderAccount.objects.filter(enabled=True)
        .defer("credentials", "webhook_secret", "sandbox_faults", "last_sync_counts")
        .annotate(
            low_balance_limit=Coalesce(
                "low_balance_threshold",
                Value(low_balance_default()),
                output_field=ProviderAccount._meta.get_field("low_balance_threshold"),
            )
        )
        .annotate(**_reconcile_annotations())
        .annotate(**{name: _flag(condition) for name, condition in conditions.items()})
        .filter(any_problem)
        .order_by("name")
    )


def _sync_problem(account: ProviderAccount) -> str:
    if account.sync_failed:
        return "failed"
    if account.sync_never:
        return "never"
    return "late" if account.sync_late else ""


def _split_accounts(accounts: list[ProviderAccount]):
    sync, check, low, reconcile = [], [], [], []
    for account in accounts:
        account.sync_problem = _sync_problem(account)
        if account.sync_problem:
            sync.append(account)
        if account.check_failed:
            check.append(account)
        if account.low_balance:
            low.append(account)
        if account.reconcile_problem:
            reconcile.append(account)
    return sync, check, low, reconcile


# --- the page and the summary -----------------------------------------------------------------


def _survey(now: datetime):
    sync, check, low, reconcile = _split_accounts(list(_accounts(now)))
    counts = OperationsCounts(
        **_item_counts(now),
        **upstream_attention_counts(),
        trunks_to_delete=trunks_to_delete_count(),
        sync_problems=len(sync),
        check_failures=len(check),
        low_balances=len(low),
        reconcile_problems=len(reconcile),
    )
    return counts, sync, check, low, reconcile


def operations_counts(*, now: datetime | None = None) -> OperationsCounts:
    """How many of each problem there are (four queries), for the admin's index page."""
    counts, *_accounts_found = _survey(now or timezone.now())
    return counts


def operations_overview(*, now: datetime | None = None) -> Operations:
    """Every problem with its rows (the first ``ROW_LIMIT`` of each kind): four queries for the
    counts and one per kind of order item or upstream action that has rows."""
    now = now or timezone.now()
    counts, sync, check, low, reconcile = _survey(now)
    dead_letters: list[OrderItem] = []
    overdue: list[OrderItem] = []
    if counts.dead_letters:
        dead_letters = _item_rows(_dead_letter_q(), order_by=("updated_at", "pk"))
        for item in dead_letters:
            before = item.state_before_dead_letter
            item.stopped_in = ItemState(before).label if before in ItemState.values else before
    if counts.overdue:
        overdue = _item_rows(overdue_items_q(now=now), order_by=("order__created_at", "pk"))
    upstream_dead = (
        upstream_attention_rows(state=UpstreamState.DEAD) if counts.upstream_dead else []
    )
    upstream_manual = (
        upstream_attention_rows(state=UpstreamState.MANUAL) if counts.upstream_manual else []
    )
    trunks = trunks_to_delete_rows() if counts.trunks_to_delete else []
    return Operations(
        counts=counts,
        upstream_dead=upstream_dead,
        upstream_manual=upstream_manual,
        trunks_to_delete=trunks,
        dead_letters=dead_letters,
        overdue=overdue,
        sync_problems=sync,
        check_failures=check,
        low_balances=low,
        reconcile_problems=reconcile,
    )
