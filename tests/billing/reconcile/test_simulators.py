"""Reconciliation against each provider's simulator: the same story on all four."""

from __future__ import annotations

import pytest

from billing.reconcile.models import FindingKind, ReconcileFinding, ReconcileRun, RunStatus
from billing.reconcile.services import reconcile_account
from inventory.models import Number, NumberStatus

from .support import KINDS, make_account, make_number, plant

pytestmark = pytest.mark.django_db

BOTH = "+12125550101"  # ours and upstream: agrees
OURS_ONLY = "+12125550102"  # billed here, gone upstream
THEIRS_ONLY = "+12125550103"  # upstream, nobody's here


def _open(account) -> dict[str, str]:
    rows = ReconcileFinding.objects.filter(provider_account=account, closed_at=None)
    return {f.e164: f.kind for f in rows}


@pytest.mark.parametrize("kind", KINDS)
def test_missing_and_orphan_found_then_closed(kind):
    account = make_account(kind)
    make_number(account, BOTH)
    missing = make_number(account, OURS_ONLY)
    plant(account, BOTH)
    plant(account, THEIRS_ONLY)

    first = reconcile_account(account=account)

    assert first.status == RunStatus.COMPLETE
    assert (first.upstream, first.local) == (2, 2)
    assert _open(account) == {
        OURS_ONLY: FindingKind.MISSING_UPSTREAM,
        THEIRS_ONLY: FindingKind.ORPHAN,
    }
    missing.refresh_from_db()
    assert missing.provider_blocked  # renewals waive its periods from now on
    finding = ReconcileFinding.objects.get(e164=OURS_ONLY)
    assert finding.retail_monthly == 5 and finding.retail_currency == "USD"

    # The provider lists it again, and the orphan became a client's number.
    plant(account, OURS_ONLY)
    make_number(account, THEIRS_ONLY)
    second = reconcile_account(account=account)

    assert second.closed == 2 and second.opened == 0
    assert _open(account) == {}
    closed = ReconcileFinding.objects.get(e164=OURS_ONLY)
    assert closed.closed_at is not None and closed.first_seen < closed.closed_at
    missing.refresh_from_db()
    assert not missing.provider_blocked
    assert ReconcileRun.objects.filter(provider_account=account).count() == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_finding_seen_again_stays_one_row(kind):
    account = make_account(kind)
    make_number(account, OURS_ONLY)
    reconcile_account(account=account)
    first = ReconcileFinding.objects.get()
    reconcile_account(account=account)
    again = ReconcileFinding.objects.get()
    assert again.pk == first.pk and again.closed_at is None
    assert again.last_seen > first.last_seen and again.first_seen == first.first_seen


@pytest.mark.parametrize("kind", KINDS)
def test_releasing_and_released_numbers_are_not_missing(kind):
    account = make_account(kind)
    make_number(account, OURS_ONLY, status=NumberStatus.RELEASING)
    make_number(account, "+12125550104", status=NumberStatus.RELEASED)
    result = reconcile_account(account=account)
    assert result.status == RunStatus.COMPLETE and result.findings == {}
    assert not Number.objects.filter(provider_blocked=True).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_simulator_aborts_the_run_without_findings(kind):
    import stamina

    account = make_account(kind)
    make_number(account, OURS_ONLY)
    account.sandbox_faults = {"error_rate": 1.0}
    account.save(update_fields=["sandbox_faults"])
    stamina.set_testing(True, attempts=1)
    try:
        result = reconcile_account(account=account)
    finally:
        stamina.set_testing(False)
    assert result.status == RunStatus.ABORTED and "Unavailable" in result.detail
    assert not ReconcileFinding.objects.exists()
    assert not Number.objects.get(e164=OURS_ONLY).provider_blocked
