"""Every kind of finding, what it does to our numbers, and the orphan's 24-hour grace."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import ItemState, Order, OrderItem
from billing.reconcile.models import FindingKind, ReconcileFinding
from billing.reconcile.services import reconcile_account
from inventory.models import DidGroup, NumberStatus, Sku, UpstreamAction, UpstreamState
from tests.factories import ClientFactory, UserFactory

from .support import make_account, make_number, plant

pytestmark = pytest.mark.django_db

N1, N2, N3 = "+12125550111", "+12125550112", "+12125550113"


def _kinds(account) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in ReconcileFinding.objects.filter(provider_account=account, closed_at=None):
        found.setdefault(f.e164, set()).add(f.kind)
    return found


def test_blocked_upstream_blocks_here_and_unblocking_lifts_it():
    account = make_account("didww")
    number = make_number(account, N1)
    plant(account, N1, status="blocked")
    reconcile_account(account=account)
    assert _kinds(account) == {N1: {FindingKind.BLOCKED}}
    number.refresh_from_db()
    assert number.provider_blocked

    plant(account, N1, status="active")  # listed twice: the held record wins
    reconcile_account(account=account)
    assert _kinds(account) == {}
    number.refresh_from_db()
    assert not number.provider_blocked


def test_terminated_upstream_stops_billing():
    account = make_account("didww")
    number = make_number(account, N1)
    plant(account, N1, status="terminated")
    reconcile_account(account=account)
    assert _kinds(account) == {N1: {FindingKind.TERMINATED}}
    number.refresh_from_db()
    assert number.provider_blocked


def test_numbers_gone_upstream_alert_admins_once_per_run():
    UserFactory(is_staff=True, email="ops@example.com")
    account = make_account("didww")
    make_number(account, N1)
    make_number(account, N2)
    with_commit = pytest.importorskip("django.test").TestCase.captureOnCommitCallbacks
    with with_commit(execute=True):
        reconcile_account(account=account)
    assert len(mail.outbox) == 1  # one summary, not one "provider blocked" email per number
    assert mail.outbox[0].subject.startswith("Reconciliation: 2 number(s)")
    assert N1 in mail.outbox[0].body and N2 in mail.outbox[0].body
    mail.outbox.clear()
    with with_commit(execute=True):
        reconcile_account(account=account)  # still missing: no new alert
    assert not [m for m in mail.outbox if m.subject.startswith("Reconciliation")]


def test_upstream_stops_renewing_before_paid_until():
    account = make_account("didww")
    today = timezone.now().date()
    soon = datetime.now(UTC) + timedelta(days=10)
    make_number(account, N1, paid_until=today + timedelta(days=300))
    plant(account, N1, expires_at=soon, cycles=0)  # stops in 10 days; paid for 300
    make_number(account, N2, paid_until=today + timedelta(days=5))
    plant(account, N2, expires_at=soon, cycles=0)  # stops after our paid period
    make_number(account, N3, paid_until=today + timedelta(days=300))
    plant(account, N3, expires_at=soon)  # renews forever: its period end is no expiry
    make_number(account, "+12125550114", paid_until=today + timedelta(days=300))
    plant(account, "+12125550114", expires_at=soon, cycles=12)  # a year more: fine
    reconcile_account(account=account)
    assert _kinds(account) == {N1: {FindingKind.EXPIRES_EARLY}}


def test_cost_differs_from_recorded():
    account = make_account("pbxme")
    make_number(account, N1, cost_monthly=Decimal("1.00"))
    plant(account, N1, monthly="1.75")
    make_number(account, N2, cost_monthly=Decimal("2.00"))
    plant(account, N2, monthly="2.00")
    reconcile_account(account=account)
    assert _kinds(account) == {N1: {FindingKind.COST_DIFFERS}}
    finding = ReconcileFinding.objects.get(e164=N1)
    assert finding.cost_monthly == Decimal("0.75") and finding.cost_currency == "USD"


def test_released_here_still_active_upstream_is_released_again():
    account = make_account("didww")
    gone = make_number(account, N1, status=NumberStatus.RELEASED, released_at=timezone.now())
    done = UpstreamAction.objects.create(
        number=gone, kind="release", state=UpstreamState.DONE, next_attempt_at=None
    )
    plant(account, N1)
    never = make_number(account, N2, status=NumberStatus.RELEASED)  # released before #11
    plant(account, N2)
    reconcile_account(account=account)

    assert _kinds(account) == {
        N1: {FindingKind.RELEASED_ACTIVE},
        N2: {FindingKind.RELEASED_ACTIVE},
    }
    done.refresh_from_db()
    assert done.state == UpstreamState.PENDING and done.attempts == 0  # reopened for its job
    assert UpstreamAction.objects.filter(number=never, kind="release").count() == 1


def _item(account, *, numbers=(), external_id="", age=timedelta(0), state=ItemState.FULFILLED):
    client = ClientFactory()
    order = Order.objects.create(
        reference=f"DH-{uuid.uuid4().hex[:8]}", client=client, reseller=client.reseller,
        idempotency_key=uuid.uuid4().hex, currency="USD", retail_total_minor=0,
        wholesale_total_minor=0,
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - age)
    group = DidGroup.objects.filter(account=account).first() or _group(account)
    OrderItem.objects.create(
        order=order, reference=f"{order.reference}-1", provider_account=account, group=group,
        sku=group.skus.first(), description="x", quantity=1, billing_cycle="monthly",
        retail_setup=0, retail_period=0, wholesale_setup=0, wholesale_period=0, cost_setup=0,
        cost_monthly=0, cost_currency="USD", state=state, external_id=external_id,
        delivered_numbers=list(numbers),
    )  # fmt: skip


def _group(account) -> DidGroup:
    from inventory.models import Country

    country, _ = Country.objects.get_or_create(code="US", defaults={"name": "United States"})
    group = DidGroup.objects.create(
        account=account,
        external_id="grp-1",
        country=country,
        number_type="local",
        synced_at=timezone.now(),
    )
    Sku.objects.create(
        group=group, external_id="s-1", setup_price=0, monthly_price=1, currency="USD"
    )
    return group


def test_orphan_of_an_order_under_24_hours_is_left_alone():
    account = make_account("didww")
    _item(account, numbers=[N1], age=timedelta(hours=2))  # just delivered
    _item(account, numbers=[N2], age=timedelta(hours=30))  # long ago: truly orphaned
    _item(account, numbers=[N3], age=timedelta(days=9), state=ItemState.AWAITING_DOCUMENTS)
    for n in (N1, N2, N3):
        plant(account, n)
    reconcile_account(account=account)
    assert _kinds(account) == {N2: {FindingKind.ORPHAN}}


def test_orphan_of_a_young_upstream_order_is_left_alone():
    account = make_account("didfarm")
    _item(account, external_id="1", age=timedelta(hours=1))  # planted numbers carry order 1
    plant(account, N1)
    reconcile_account(account=account)
    assert _kinds(account) == {}


def test_orphan_the_provider_added_today_is_left_alone():
    account = make_account("idtexpress")
    plant(account, N1, added_at=datetime.now(UTC) - timedelta(hours=3))
    plant(account, N2, added_at=datetime.now(UTC) - timedelta(days=3))
    reconcile_account(account=account)
    assert _kinds(account) == {N2: {FindingKind.ORPHAN}}


def test_a_number_being_released_is_neither_missing_nor_an_orphan():
    account = make_account("didww")
    make_number(account, N1, status=NumberStatus.RELEASING)  # still listed upstream
    plant(account, N1)
    make_number(account, N2, status=NumberStatus.RELEASING)  # already gone upstream
    result = reconcile_account(account=account)
    assert result.findings == {} and result.local == 0


def test_a_number_delivered_while_the_listing_ran_is_not_missing():
    account = make_account("didww")
    make_number(account, N1, activated_at=timezone.now() + timedelta(minutes=1))
    make_number(account, N2, activated_at=timezone.now() - timedelta(days=1))
    reconcile_account(account=account)
    assert _kinds(account) == {N2: {FindingKind.MISSING_UPSTREAM}}


def test_a_listing_lacking_most_of_our_numbers_is_not_acted_on():
    """An emptied sandbox, a wrong account or a provider fault looks like a mass termination:
    the run aborts and no number stops being billed until a person looks."""
    account = make_account("didww")
    numbers = [make_number(account, f"+1212555{i:04d}") for i in range(12)]
    plant(account, numbers[0].e164, status="active")
    result = reconcile_account(account=account)
    assert result.status == "aborted"
    assert "lacks 11 of our 12 numbers" in result.detail
    assert not ReconcileFinding.objects.filter(provider_account=account).exists()
    assert not any(
        n.provider_blocked for n in type(numbers[0]).objects.filter(pk__in=[n.pk for n in numbers])
    )
