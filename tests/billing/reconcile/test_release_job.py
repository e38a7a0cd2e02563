"""The job behind "release upstream": done, already gone, retried later, or failed for good."""

from __future__ import annotations

import pytest

from billing.reconcile.actions import ReleaseRetry, finding_release_run
from billing.reconcile.models import FindingKind, ReconcileFinding, Resolution
from billing.reconcile.services import reconcile_account
from inventory.providers import errors

from .support import make_account, make_number, plant

pytestmark = pytest.mark.django_db
ORPHAN = "+12125550177"


class _Adapter:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.released = error, []

    def release(self, number: str) -> None:
        if self.error:
            raise self.error
        self.released.append(number)


@pytest.fixture
def requested():
    account = make_account("pbxme")
    plant(account, ORPHAN)
    reconcile_account(account=account)
    finding = ReconcileFinding.objects.get(kind=FindingKind.ORPHAN)
    finding.resolution = Resolution.RELEASE_REQUESTED
    finding.save(update_fields=["resolution"])
    return finding


def _run(monkeypatch, finding, error=None) -> tuple[str, _Adapter]:
    adapter = _Adapter(error)
    monkeypatch.setattr("billing.reconcile.actions.adapter_for", lambda account: adapter)
    return finding_release_run(finding_id=finding.pk), adapter


def test_released(monkeypatch, requested):
    outcome, adapter = _run(monkeypatch, requested)
    assert outcome == "released" and adapter.released == [ORPHAN]
    requested.refresh_from_db()
    assert requested.resolution == Resolution.RELEASED


def test_already_gone_counts_as_released(monkeypatch, requested):
    outcome, _ = _run(monkeypatch, requested, errors.NotFound("no such DID"))
    assert outcome == "released"


def test_transient_error_is_retried_later(monkeypatch, requested):
    with pytest.raises(ReleaseRetry):
        _run(monkeypatch, requested, errors.Unavailable("PBXme did not answer"))
    requested.refresh_from_db()
    assert requested.resolution == Resolution.RELEASE_REQUESTED


def test_permanent_error_fails_with_the_reason(monkeypatch, requested):
    outcome, _ = _run(monkeypatch, requested, errors.AuthFailed("PBXme rejected the login"))
    assert outcome == "failed"
    requested.refresh_from_db()
    assert requested.resolution == Resolution.RELEASE_FAILED
    assert "rejected the login" in requested.resolution_detail


def test_never_releases_a_number_a_client_holds_now(monkeypatch, requested):
    make_number(requested.provider_account, ORPHAN)
    outcome, adapter = _run(monkeypatch, requested)
    assert outcome == "failed" and adapter.released == []
