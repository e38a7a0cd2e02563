"""The job: suspend, restore and release reach the provider, retried through its faults,
never twice where it matters, and dead for an admin when it keeps failing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stamina
from django.utils import timezone

from audit.actions import Action as AuditAction
from audit.models import AuditEvent
from inventory.accounts import provider_account_create
from inventory.models import UpstreamAction, UpstreamState
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.registry import SANDBOX_CREDENTIALS
from inventory.upstream import upstream_action_request
from inventory.upstream_run import (
    MAX_ATTEMPTS,
    due_upstream_action_ids,
    upstream_action_mark_done,
    upstream_action_retry,
    upstream_action_run,
)
from tests.factories import UserFactory

from .conftest import make_account, make_number, simulator
from .faults import ScriptedProvider, scripted
from .sandboxes import plant_didww, plant_idt, plant_pbxme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_reads():
    # One read attempt per job run: the job's own retries are what these tests watch.
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


@pytest.fixture(autouse=True)
def _jobs_run_by_hand(monkeypatch):
    monkeypatch.setattr("inventory.upstream._enqueue", lambda action_id: None)


def request(number, kind: str, reason: str = "") -> UpstreamAction:
    upstream_action_request(number=number, kind=kind, reason=reason)
    return UpstreamAction.objects.filter(number=number, kind=kind).latest("pk")


def run_until_settled(action: UpstreamAction, *, limit: int = 20) -> list[str]:
    """Run the job as the sweeper would, making each retry due at once."""
    results = []
    for _ in range(limit):
        UpstreamAction.objects.filter(pk=action.pk).update(next_attempt_at=timezone.now())
        results.append(upstream_action_run(action_id=action.pk))
        action.refresh_from_db()
        if action.state not in (UpstreamState.PENDING, UpstreamState.RETRYING):
            return results
    raise AssertionError(f"not settled after {limit} runs: {results}")


def didww_behind_respx():
    account = provider_account_create(
        kind="didww", name="didww-live", credentials=dict(SANDBOX_CREDENTIALS["didww"])
    )
    sandbox = DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    return account, sandbox


# --- the happy paths, on the process's sandbox accounts -----------------------------------------


def test_didww_suspend_then_restore_through_the_sandbox():
    account = make_account("didww")
    number = make_number(account, "+12125550100")
    did = plant_didww(simulator(account), cycles=None, trunk="trunk-7")

    suspend = request(number, "suspend", "client_funds")
    assert upstream_action_run(action_id=suspend.pk) == "done"
    suspend.refresh_from_db()
    assert (suspend.state, suspend.mode) == ("done", "api")
    assert suspend.done_at is not None and suspend.lease_until is None
    assert suspend.details["before"]["voice_in_trunk_id"] == "trunk-7"
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (0, None)

    restore = request(number, "restore", "paid")
    assert upstream_action_run(action_id=restore.pk) == "done"
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (None, "trunk-7")
    assert upstream_action_run(action_id=restore.pk) == "done"  # a re-run does nothing


def test_pbxme_suspend_and_release_through_the_sandbox():
    account = make_account("pbxme")
    number = make_number(account, "+12125550177")
    sandbox = simulator(account)
    owned = plant_pbxme(sandbox, forward=("pstn", "+12125550000"))
    suspend = request(number, "suspend")
    assert upstream_action_run(action_id=suspend.pk) == "done"
    assert owned.forward_destination == ""
    release = request(number, "release")
    assert upstream_action_run(action_id=release.pk) == "done"
    assert sandbox.state.releases == [owned.did.did_id]


def test_idt_suspension_is_local_and_its_release_deletes():
    account = make_account("idtexpress")
    number = make_number(account, "+12125550199")
    sandbox = simulator(account)
    record = plant_idt(sandbox)
    before = sandbox.state.requests
    suspend = request(number, "suspend")
    assert upstream_action_run(action_id=suspend.pk) == "done"
    suspend.refresh_from_db()
    assert (suspend.state, suspend.mode) == ("done", "local")
    assert sandbox.state.requests == before  # no HTTP at all
    release = request(number, "release")
    assert upstream_action_run(action_id=release.pk) == "done"
    assert record.status == "removed"


def test_didfarm_release_is_an_admins_task():
    account = make_account("didfarm")
    number = make_number(account, "+31201234567")
    release = request(number, "release", "grace over")
    assert upstream_action_run(action_id=release.pk) == "manual"
    release.refresh_from_db()
    assert (release.state, release.mode) == ("manual", "manual")
    assert release.pk not in due_upstream_action_ids()  # no job looks at it again
    admin = UserFactory(is_staff=True)
    assert upstream_action_mark_done(action_id=release.pk, user=admin) is True
    release.refresh_from_db()
    assert (release.state, release.done_by) == ("done", admin)
    assert upstream_action_mark_done(action_id=release.pk, user=admin) is False
    # The admin's hand is in the audit log once, in the number's tenant; the refusal adds nothing.
    [event] = AuditEvent.objects.filter(action=AuditAction.UPSTREAM_DONE)
    assert (event.actor_id, event.reseller_id, event.client_id) == (
        admin.pk,
        number.reseller_id,
        number.client_id,
    )
    assert event.changes == {"state": ["manual", "done"]}


def test_a_restore_waits_for_the_suspend_before_it():
    account = make_account("didww")
    number = make_number(account, "+12125550100")
    did = plant_didww(simulator(account), cycles=3)
    suspend = request(number, "suspend")
    UpstreamAction.objects.filter(pk=suspend.pk).update(
        state=UpstreamState.RETRYING, attempts=1, mode="api"
    )
    restore = request(number, "restore")
    assert upstream_action_run(action_id=restore.pk) == "waiting"
    assert did.billing_cycles_count == 3  # nothing sent
    UpstreamAction.objects.filter(pk=suspend.pk).update(next_attempt_at=timezone.now())
    assert upstream_action_run(action_id=suspend.pk) == "done"
    UpstreamAction.objects.filter(pk=restore.pk).update(next_attempt_at=timezone.now())
    assert upstream_action_run(action_id=restore.pk) == "done"
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (3, "trunk-7")


def test_a_leased_or_not_yet_due_action_is_left_alone():
    account = make_account("didww")
    number = make_number(account, "+12125550100")
    plant_didww(simulator(account))
    action = request(number, "suspend")
    UpstreamAction.objects.filter(pk=action.pk).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert upstream_action_run(action_id=action.pk) == "busy"
    UpstreamAction.objects.filter(pk=action.pk).update(
        lease_until=None, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert upstream_action_run(action_id=action.pk) == "not_due"
    assert action.pk not in due_upstream_action_ids()


# --- faults (respx in front of a simulator) -----------------------------------------------------


@pytest.mark.parametrize("fault", ["500", "503", "429", "timeout"])
def test_suspend_retried_through_a_fault_until_it_lands(fault):
    account, sandbox = didww_behind_respx()
    number = make_number(account, "+12125550100")
    did = plant_didww(sandbox, cycles=None, trunk="trunk-7")
    action = request(number, "suspend", "client_funds")
    # The snapshot read and the DID lookup pass, the PATCH meets the fault, the next run's
    # PATCH lands.
    with scripted("api.didww.com", ScriptedProvider(sandbox, [None, None, fault])) as provider:
        first = upstream_action_run(action_id=action.pk)
        action.refresh_from_db()
        assert first == ("throttled" if fault == "429" else "retry")
        assert action.state == UpstreamState.RETRYING
        assert action.attempts == (0 if fault == "429" else 1)  # throttling is not failing
        assert action.next_attempt_at > timezone.now()
        assert action.last_error.startswith("suspend: ")
        assert "sandbox-didww-key" not in action.last_error
        assert did.billing_cycles_count is None  # the fault stopped it
        assert run_until_settled(action) == ["done"]
    action.refresh_from_db()
    assert action.state == UpstreamState.DONE and action.last_error == ""
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (0, None)
    assert [w[2] for w in provider.writes()] == [fault, "ok"]


def test_a_suspend_whose_answer_was_lost_keeps_the_state_before_it():
    """The PATCH took effect but its answer was lost: the retry sees the suspended DID and
    must not record that as the state to restore."""
    account, sandbox = didww_behind_respx()
    number = make_number(account, "+12125550100")
    did = plant_didww(sandbox, cycles=12, trunk="trunk-7")
    action = request(number, "suspend")
    with scripted("api.didww.com", ScriptedProvider(sandbox, [None, None, "lost"])) as provider:
        assert run_until_settled(action) == ["retry", "done"]
    assert [w[2] for w in provider.writes()] == ["lost", "ok"]
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (0, None)
    action.refresh_from_db()
    assert action.details["before"]["billing_cycles_count"] == 12
    restore = request(number, "restore")
    with scripted("api.didww.com", ScriptedProvider(sandbox, [])):
        assert run_until_settled(restore) == ["done"]
    assert (did.billing_cycles_count, did.voice_in_trunk_id) == (12, "trunk-7")


@pytest.mark.parametrize("fault", ["500", "503", "429", "timeout", "lost"])
def test_release_retried_through_a_fault_and_never_sent_twice_once_it_landed(fault):
    account, sandbox = didww_behind_respx()
    number = make_number(account, "+12125550100")
    did = plant_didww(sandbox)
    action = request(number, "release", "grace over")
    with scripted("api.didww.com", ScriptedProvider(sandbox, [None, fault])) as provider:
        results = run_until_settled(action)
        # A second request for the same release asks nothing new.
        assert request(number, "release").pk == action.pk
        assert upstream_action_run(action_id=action.pk) == "done"
    assert did.terminated is True
    assert results[-1] == "done" and len(results) == 2
    landed = [w for w in provider.writes() if w[2] in ("ok", "lost")]
    assert len(landed) == 1  # terminated: true reached DIDWW once
    action.refresh_from_db()
    assert action.state == UpstreamState.DONE
    assert UpstreamAction.objects.filter(number=number, kind="release").count() == 1
    if fault == "lost":  # the retry found it gone upstream: done, not an error
        assert "already_released" in action.details
        assert provider.writes() == [("PATCH", f"/v3/dids/{did.id}", "lost")]


def test_an_action_that_keeps_failing_is_dead_then_an_admin_retries_it():
    account, sandbox = didww_behind_respx()
    number = make_number(account, "+12125550100")
    did = plant_didww(sandbox)
    action = request(number, "release")
    with scripted("api.didww.com", ScriptedProvider(sandbox, ["503"] * MAX_ATTEMPTS)):
        results = run_until_settled(action)
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["dead"]
    action.refresh_from_db()
    assert (action.state, action.attempts, action.next_attempt_at) == ("dead", MAX_ATTEMPTS, None)
    assert action.pk not in due_upstream_action_ids()
    assert did.terminated is False

    admin = UserFactory(is_staff=True)
    assert upstream_action_retry(action_id=action.pk, user=admin) is True
    assert upstream_action_retry(action_id=action.pk, user=admin) is False  # not dead any more
    [event] = AuditEvent.objects.filter(action=AuditAction.UPSTREAM_RETRY)
    assert (event.actor_id, event.changes) == (admin.pk, {"state": ["dead", "pending"]})
    action.refresh_from_db()
    assert (action.state, action.attempts) == ("pending", 0)
    assert action.pk in due_upstream_action_ids()
    with scripted("api.didww.com", ScriptedProvider(sandbox, [])):
        assert run_until_settled(action) == ["done"]
    assert did.terminated is True


def test_a_refusal_only_a_person_can_fix_is_dead_at_once():
    account = provider_account_create(
        kind="didww", name="didww-bad-key", credentials={"api_key": "wrong"}
    )
    sandbox = DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    number = make_number(account, "+12125550100")
    plant_didww(sandbox)
    action = request(number, "suspend")
    with scripted("api.didww.com", ScriptedProvider(sandbox, [])):
        assert upstream_action_run(action_id=action.pk) == "dead"
    action.refresh_from_db()
    assert "AuthFailed" in action.last_error and "wrong" not in action.last_error


def test_the_sandbox_faults_meet_upstream_calls_and_the_job_gets_through():
    """The simulators' configurable faults (5xx, timeouts, 429 bursts) apply to every call the
    adapters make; the job retries through them and each change lands once."""
    account = make_account(
        "didww",
        faults={
            "error_rate": 0.4,
            "timeout_rate": 0.2,
            "burst_429": 4,
            "retry_after": 0,
            "seed": 3,
        },
    )
    number = make_number(account, "+12125550100")
    did = plant_didww(simulator(account), cycles=2, trunk="trunk-7")
    suspend = request(number, "suspend")
    suspended = run_until_settled(suspend, limit=60)
    release = request(number, "release")
    released = run_until_settled(release, limit=60)
    assert suspended[-1] == released[-1] == "done"
    assert set(suspended[:-1] + released[:-1]) <= {"retry", "throttled"}
    assert len(suspended) + len(released) > 2  # the faults were met
    suspend.refresh_from_db()
    assert suspend.details["before"]["billing_cycles_count"] == 2
    assert (did.billing_cycles_count, did.voice_in_trunk_id, did.terminated) == (0, None, True)
