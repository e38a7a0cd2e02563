"""Upstream actions in the admin: the list with its filters and actions, and the operations
page listing dead and manual actions with retry and "done"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from billing.selectors_operations import operations_counts, operations_overview
from inventory.models import UpstreamAction, UpstreamState
from tests.factories import UserFactory

from .conftest import make_account, make_number

pytestmark = pytest.mark.django_db
OPERATIONS = "/admin/operations/"
CHANGELIST = "admin:inventory_upstreamaction_changelist"


@pytest.fixture(autouse=True)
def _no_jobs(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr("inventory.upstream_run._enqueue_now", queued.append)
    return queued


@pytest.fixture
def actions():
    didww = make_account("didww")
    didfarm = make_account("didfarm")
    dead = UpstreamAction.objects.create(
        number=make_number(didww), kind="release", state="dead", mode="api", attempts=8,
        reason="grace over", last_error="release: Unavailable: DIDWW did not answer in time",
    )  # fmt: skip
    manual = UpstreamAction.objects.create(
        number=make_number(didfarm, "+31201234567"), kind="release", state="manual",
        mode="manual", reason="grace over",
    )  # fmt: skip
    done = UpstreamAction.objects.create(
        number=make_number(didww), kind="suspend", state="done", mode="api"
    )
    pending = UpstreamAction.objects.create(number=make_number(didww), kind="suspend")
    return {"dead": dead, "manual": manual, "done": done, "pending": pending}


@pytest.fixture
def superuser(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def staff_with(client, *codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


# --- the operations page ------------------------------------------------------------------------


def test_the_selector_finds_dead_and_manual_actions_only(actions):
    ops = operations_overview()
    assert [a.pk for a in ops.upstream_dead] == [actions["dead"].pk]
    assert [a.pk for a in ops.upstream_manual] == [actions["manual"].pk]
    assert (ops.counts.upstream_dead, ops.counts.upstream_manual) == (1, 1)
    assert ops.counts == operations_counts()
    assert ops.counts.total >= 2


def test_the_page_lists_a_dead_action_with_retry_and_a_manual_one_with_done(superuser, actions):
    html = superuser.get(OPERATIONS).content.decode()
    dead, manual = actions["dead"], actions["manual"]
    assert 'id="count-upstream-dead">1<' in html and 'id="count-upstream-manual">1<' in html
    assert dead.number.e164 in html and manual.number.e164 in html
    assert "DIDWW did not answer in time" in html  # the provider's words, for admins
    assert reverse("admin_operations_upstream_retry", args=[dead.pk]) in html
    assert reverse("admin_operations_upstream_done", args=[manual.pk]) in html
    assert reverse("admin_operations_upstream_retry", args=[manual.pk]) not in html
    for other in ("done", "pending"):
        assert (
            reverse("admin:inventory_upstreamaction_change", args=[actions[other].pk]) not in html
        )
    assert "style=" not in html and "<script>" not in html
    index = superuser.get("/admin/").content.decode()
    assert "#upstream-dead" in index and "#upstream-manual" in index


def test_retry_from_the_page_sends_the_action_back_to_its_job(
    superuser, actions, _no_jobs, django_capture_on_commit_callbacks
):
    dead = actions["dead"]
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser.post(reverse("admin_operations_upstream_retry", args=[dead.pk]))
    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (UpstreamState.PENDING, 0)
    assert _no_jobs == [dead.pk]
    # Not dead any more: a second click changes nothing.
    superuser.post(reverse("admin_operations_upstream_retry", args=[dead.pk]))
    dead.refresh_from_db()
    assert dead.state == UpstreamState.PENDING


def test_done_from_the_page_records_the_admin(client, actions):
    staff = staff_with(client, "view_orderitem", "view_provideraccount", "change_upstreamaction")
    manual = actions["manual"]
    assert (
        staff.post(reverse("admin_operations_upstream_done", args=[manual.pk])).status_code == 302
    )
    manual.refresh_from_db()
    assert manual.state == UpstreamState.DONE and manual.done_by is not None
    assert manual.done_by.is_staff and manual.done_at is not None


def test_acting_needs_the_change_permission(client, actions):
    staff = staff_with(client, "view_orderitem", "view_provideraccount", "view_upstreamaction")
    page = staff.get(OPERATIONS).content.decode()
    assert reverse("admin_operations_upstream_done", args=[actions["manual"].pk]) not in page
    for name, key in (("admin_operations_upstream_retry", "dead"),
                      ("admin_operations_upstream_done", "manual")):  # fmt: skip
        assert staff.post(reverse(name, args=[actions[key].pk])).status_code == 403
    assert UpstreamAction.objects.get(pk=actions["dead"].pk).state == UpstreamState.DEAD
    assert UpstreamAction.objects.get(pk=actions["manual"].pk).state == UpstreamState.MANUAL


def test_an_unknown_action_is_a_404_and_get_is_refused(superuser, actions):
    assert (
        superuser.post(reverse("admin_operations_upstream_done", args=[999999])).status_code == 404
    )
    url = reverse("admin_operations_upstream_retry", args=[actions["dead"].pk])
    assert superuser.get(url).status_code == 405


# --- the admin list -----------------------------------------------------------------------------


def test_the_list_filters_by_state_kind_and_provider(superuser, actions):
    url = reverse(CHANGELIST)
    assert superuser.get(url).status_code == 200
    dead_only = superuser.get(url, {"state__exact": "dead"}).content.decode()
    assert reverse("admin:inventory_upstreamaction_change", args=[actions["dead"].pk]) in dead_only
    assert (
        reverse("admin:inventory_upstreamaction_change", args=[actions["manual"].pk])
        not in dead_only
    )
    by_provider = superuser.get(url, {"number__provider_account__kind": "didfarm"}).content.decode()
    assert actions["manual"].number.e164 in by_provider
    assert actions["dead"].number.e164 not in by_provider
    assert superuser.get(url, {"kind__exact": "suspend"}).status_code == 200
    change = reverse("admin:inventory_upstreamaction_change", args=[actions["dead"].pk])
    assert superuser.get(change).status_code == 200


def test_the_list_actions_retry_and_mark_done(
    superuser, actions, _no_jobs, django_capture_on_commit_callbacks
):
    url = reverse(CHANGELIST)
    everything = [str(a.pk) for a in actions.values()]
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser.post(url, {"action": "retry", "_selected_action": everything})
    assert response.status_code == 302
    states = dict(UpstreamAction.objects.values_list("pk", "state"))
    assert states[actions["dead"].pk] == "pending"  # only the dead one moved
    assert states[actions["manual"].pk] == "manual" and states[actions["done"].pk] == "done"
    assert _no_jobs == [actions["dead"].pk]
    superuser.post(url, {"action": "mark_done", "_selected_action": everything})
    states = dict(UpstreamAction.objects.values_list("pk", "state"))
    assert states[actions["manual"].pk] == "done"
    assert states[actions["pending"].pk] == "pending"  # a job's, not an admin's


def test_the_admin_cannot_add_or_delete(superuser, actions):
    assert superuser.get(reverse("admin:inventory_upstreamaction_add")).status_code == 403
    delete = reverse("admin:inventory_upstreamaction_delete", args=[actions["done"].pk])
    assert superuser.get(delete).status_code == 403
