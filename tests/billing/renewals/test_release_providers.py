"""Release from My numbers through each provider's simulator (issue #12): the confirm page, the
provider's release call as a retried job, and the number listed as "Releasing" until the
provider confirmed it (DIDWW, IDT Express, PBXme by API) or an admin marked the upstream task
done (DIDfarm, whose release is a task in its portal)."""

from __future__ import annotations

import datetime as dt

import pytest
import stamina
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from customers.models import User
from inventory.accounts import adapter_for
from inventory.models import Number, NumberStatus, UpstreamAction, UpstreamState
from inventory.providers.listing import listing_watch
from inventory.sandbox.held import HeldNumber
from inventory.sandbox.registry import sandbox_for
from inventory.upstream_run import upstream_action_run
from tests.billing.reconcile.support import KINDS, make_account
from tests.factories import client_member

from .helpers import make_number, tenants

pytestmark = pytest.mark.django_db

E164 = {
    "didww": "+12125550141",
    "didfarm": "+16172625428",
    "idtexpress": "+14155980150",
    "pbxme": "+12064574710",
}
BY_API = ("didww", "idtexpress", "pbxme")


def _held_upstream(account) -> dict[str, str]:
    adapter = adapter_for(account, transport=sandbox_for(account.kind, account.name).transport())
    with listing_watch() as watch:
        listing = {n.number: n.status for n in adapter.owned_numbers()}
    assert watch.complete
    return {e164: status for e164, status in listing.items() if status != "terminated"}


def _client_releases(client, kind: str, django_capture_on_commit_callbacks):
    """A client admin's number at ``kind``'s simulator, released "now" from its page."""
    account = make_account(kind, f"{kind}-release")
    _reseller, acme, _ = tenants()
    admin = client_member(acme)
    number = make_number(acme, anchor=timezone.now().date() - dt.timedelta(days=3), k=1)
    Number.objects.filter(pk=number.pk).update(
        provider_account=account, e164=E164[kind], cost_currency=account.currency
    )
    number.refresh_from_db()
    sandbox_for(kind, account.name).adopt(HeldNumber(number.e164))
    assert _held_upstream(account) == {number.e164: "active"}
    client.force_login(admin.user)
    url = reverse("billing:number_release", args=[number.pk])
    assert client.get(url).status_code == 200  # the confirm page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"when": "now"})
    assert response.status_code == 302
    number.refresh_from_db()
    return account, number


def _listed(client, number: Number) -> str:
    """The number's status on My numbers ("" when it is not listed)."""
    page = client.get(reverse("billing:numbers")).content.decode()
    row = f'<tr id="number-{number.pk}">'
    if row not in page:
        return ""
    cells = page.split(row, 1)[1].split("</tr>", 1)[0]
    return cells.split('class="status status-', 1)[1].split("</span>", 1)[0].split(">", 1)[1]


@pytest.mark.parametrize("kind", BY_API)
def test_release_by_api_leaves_the_list_once_the_provider_released_it(
    client, kind, django_capture_on_commit_callbacks
):
    account, number = _client_releases(client, kind, django_capture_on_commit_callbacks)

    action = UpstreamAction.objects.get(number=number, kind="release")
    assert action.state == UpstreamState.DONE and action.mode == "api"  # the job ran (eager)
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASED
    assert _held_upstream(account) == {}  # gone (or terminated) at the provider
    assert _listed(client, number) == ""


@pytest.mark.parametrize("kind", BY_API)
def test_a_failing_provider_keeps_the_number_releasing_and_listed_until_a_retry_lands(
    client, kind, django_capture_on_commit_callbacks
):
    account = make_account(kind, f"{kind}-release")
    account.sandbox_faults = {"error_rate": 1.0}
    account.save(update_fields=["sandbox_faults"])
    stamina.set_testing(True, attempts=1)
    try:
        account, number = _client_releases_failing(
            client, kind, account, django_capture_on_commit_callbacks
        )
    finally:
        stamina.set_testing(False)
    action = UpstreamAction.objects.get(number=number, kind="release")
    assert action.state == UpstreamState.RETRYING and action.attempts == 1
    assert number.status == NumberStatus.RELEASING
    assert _listed(client, number) == "Releasing"

    # The provider answers again; the retry (the sweeper's, when due) releases it.
    account.sandbox_faults = {}
    account.save(update_fields=["sandbox_faults"])
    UpstreamAction.objects.filter(pk=action.pk).update(next_attempt_at=timezone.now())
    assert upstream_action_run(action_id=action.pk) == "done"
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASED
    assert _listed(client, number) == ""


def _client_releases_failing(client, kind, account, capture):
    """As ``_client_releases``, on an account whose simulator fails every call (the number is
    adopted straight into it, the listing check skipped)."""
    _reseller, acme, _ = tenants()
    admin = client_member(acme)
    number = make_number(acme, anchor=timezone.now().date() - dt.timedelta(days=3), k=1)
    Number.objects.filter(pk=number.pk).update(
        provider_account=account, e164=E164[kind], cost_currency=account.currency
    )
    number.refresh_from_db()
    sandbox_for(kind, account.name).adopt(HeldNumber(number.e164))
    client.force_login(admin.user)
    with capture(execute=True):
        client.post(reverse("billing:number_release", args=[number.pk]), {"when": "now"})
    number.refresh_from_db()
    return account, number


def test_didfarm_release_waits_for_the_admin_who_marks_the_task_done(
    client, django_capture_on_commit_callbacks
):
    _account, number = _client_releases(client, "didfarm", django_capture_on_commit_callbacks)

    action = UpstreamAction.objects.get(number=number, kind="release")
    assert action.state == UpstreamState.MANUAL  # an admin's task in DIDfarm's portal
    assert number.status == NumberStatus.RELEASING
    assert _listed(client, number) == "Releasing"
    page = client.get(reverse("billing:numbers")).content.decode().lower()
    assert "didfarm" not in page and "sandbox" not in page  # no provider names for clients

    admin = User.objects.create(email="ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:inventory_upstreamaction_changelist")
    response = client.post(
        changelist, {"action": "mark_done", ACTION_CHECKBOX_NAME: [action.pk]}, follow=True
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.state == UpstreamState.DONE and action.done_by == admin
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASED


@pytest.mark.parametrize("kind", KINDS)
def test_releasing_twice_is_refused_and_asks_the_provider_once(
    client, kind, django_capture_on_commit_callbacks
):
    _account, number = _client_releases(client, kind, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("billing:number_release", args=[number.pk]), {"when": "now"}, follow=True
    )
    number.refresh_from_db()
    if number.status == NumberStatus.RELEASED:
        assert response.status_code == 404  # gone from the client's numbers
    else:
        assert "already being released" in response.content.decode()
    assert UpstreamAction.objects.filter(number=number, kind="release").count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_release_at_period_end_takes_the_same_path_when_the_renewal_job_reaches_it(
    client, kind, django_capture_on_commit_callbacks
):
    """One release path for renewals and clients: auto-renew off, then the renewal job at the
    period's end asks the provider, and the number is released once it confirmed."""
    from billing.renewals.charging import renewals_run

    account = make_account(kind, f"{kind}-release")
    _reseller, acme, _ = tenants()
    admin = client_member(acme)
    number = make_number(acme, anchor=timezone.now().date() - dt.timedelta(days=3), k=1)
    Number.objects.filter(pk=number.pk).update(
        provider_account=account, e164=E164[kind], cost_currency=account.currency
    )
    sandbox_for(kind, account.name).adopt(HeldNumber(E164[kind]))
    client.force_login(admin.user)
    url = reverse("billing:number_release", args=[number.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"when": "period_end"})
    number.refresh_from_db()
    assert number.status == NumberStatus.CANCEL_SCHEDULED
    assert not UpstreamAction.objects.filter(number=number).exists()  # nothing upstream yet
    assert _held_upstream(account) == {number.e164: "active"}

    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(now=number.renewal_due_at)
    number.refresh_from_db()
    action = UpstreamAction.objects.get(number=number, kind="release")
    if kind in BY_API:
        assert action.state == UpstreamState.DONE
        assert number.status == NumberStatus.RELEASED
        assert _held_upstream(account) == {}
        assert _listed(client, number) == ""
    else:
        assert action.state == UpstreamState.MANUAL
        assert number.status == NumberStatus.RELEASING
        assert _listed(client, number) == "Releasing"
