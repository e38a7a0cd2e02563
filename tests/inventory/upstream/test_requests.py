"""Requests collapse per number: the provider hears only what changes its state, once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from inventory.models import UpstreamAction, UpstreamKind, UpstreamState
from inventory.selectors_upstream import upstream_releases_done
from inventory.upstream import upstream_action_request

from .conftest import make_account, make_number


@pytest.fixture(autouse=True)
def _no_jobs(monkeypatch):
    """Requests only: the job is tested on its own (test_jobs)."""
    monkeypatch.setattr("inventory.upstream._enqueue", lambda action_id: None)


def kinds(number) -> list[tuple[str, str]]:
    return list(
        UpstreamAction.objects.filter(number=number).order_by("pk").values_list("kind", "state")
    )


def test_asking_twice_is_one_request(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="suspend", reason="client_funds")
    upstream_action_request(number=number, kind="suspend", reason="client_funds")
    assert kinds(number) == [("suspend", "pending")]
    action = UpstreamAction.objects.get(number=number)
    assert action.reason == "client_funds"
    assert action.next_attempt_at is not None  # the sweeper finds it if the task is lost


def test_a_restore_cancels_a_suspend_that_has_not_run(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="suspend")
    upstream_action_request(number=number, kind="restore")
    assert kinds(number) == [("suspend", "cancelled")]
    # ...and vice versa: suspended upstream, a restore asked, then a suspend again.
    UpstreamAction.objects.filter(number=number).update(state=UpstreamState.DONE)
    upstream_action_request(number=number, kind="restore")
    upstream_action_request(number=number, kind="suspend")
    assert kinds(number) == [("suspend", "done"), ("restore", "cancelled")]


def test_a_restore_waits_for_a_suspend_that_has_started(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="suspend")
    UpstreamAction.objects.filter(number=number).update(
        state=UpstreamState.RETRYING, attempts=1, mode="api"
    )
    upstream_action_request(number=number, kind="restore")
    assert kinds(number) == [("suspend", "retrying"), ("restore", "pending")]


def test_a_restore_without_a_suspension_does_nothing(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="restore")
    assert kinds(number) == []


def test_release_once_and_it_cancels_what_has_not_run(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="suspend")
    upstream_action_request(number=number, kind="release", reason="grace over")
    upstream_action_request(number=number, kind="release")
    upstream_action_request(number=number, kind="restore")  # a released number stays released
    assert kinds(number) == [("suspend", "cancelled"), ("release", "pending")]


def test_the_database_refuses_a_second_release(didww_account):
    number = make_number(didww_account)
    UpstreamAction.objects.create(number=number, kind=UpstreamKind.RELEASE, state="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        UpstreamAction.objects.create(number=number, kind=UpstreamKind.RELEASE)


def test_a_dead_suspend_is_superseded_by_a_new_one(didww_account):
    number = make_number(didww_account)
    upstream_action_request(number=number, kind="suspend")
    UpstreamAction.objects.filter(number=number).update(state=UpstreamState.DEAD, mode="api")
    upstream_action_request(number=number, kind="restore")
    UpstreamAction.objects.filter(kind="restore").update(state=UpstreamState.DONE, mode="api")
    upstream_action_request(number=number, kind="suspend")
    assert kinds(number) == [("suspend", "cancelled"), ("restore", "done"), ("suspend", "pending")]


def test_an_unknown_kind_is_a_programming_error(didww_account):
    number = make_number(didww_account)
    with pytest.raises(ValueError, match="unknown upstream action"):
        upstream_action_request(number=number, kind="delete")
    assert kinds(number) == []


@pytest.mark.django_db(transaction=True)
def test_the_job_is_enqueued_only_on_commit(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr("inventory.upstream._enqueue", queued.append)
    number = make_number(make_account("didww"))
    with transaction.atomic():
        upstream_action_request(number=number, kind="suspend")
        assert queued == []
    assert queued == [UpstreamAction.objects.get(number=number).pk]
    with transaction.atomic():
        upstream_action_request(number=number, kind="release")
        transaction.set_rollback(True)  # the caller's transaction failed: nothing was asked
    assert queued == [UpstreamAction.objects.get(number=number).pk]
    assert kinds(number) == [("suspend", "pending")]


def test_billing_learns_which_releases_landed(didww_account):
    landed, waiting, never = (make_number(didww_account) for _ in range(3))
    upstream_action_request(number=landed, kind="release")
    upstream_action_request(number=waiting, kind="release")
    UpstreamAction.objects.filter(number=landed).update(state=UpstreamState.DONE)
    UpstreamAction.objects.filter(number=waiting).update(state=UpstreamState.MANUAL)
    ids = [landed.pk, waiting.pk, never.pk]
    assert upstream_releases_done(number_ids=ids) == {landed.pk}
