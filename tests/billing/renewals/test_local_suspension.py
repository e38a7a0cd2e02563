"""Numbers at a provider that cannot suspend them upstream (IDT Express: no routing API) get
the platform's shortest grace, and their suspension is recorded here only (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from billing.renewals.charging import renewals_run
from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus, ProviderAccount, UpstreamAction
from inventory.models_upstream import UpstreamMode, UpstreamState
from inventory.providers.registry import ADAPTERS, adapter_class
from inventory.upstream import kinds_without_upstream_suspension, suspends_upstream
from inventory.upstream_run import upstream_action_run

from .helpers import at, make_number, tenants

pytestmark = pytest.mark.django_db
d = dt.date


def at_idt(number: Number) -> Number:
    account = ProviderAccount.objects.filter(name="renewals-idt").first()
    account = account or provider_account_create(
        kind="idtexpress", name="renewals-idt", sandbox=True, rate_limit=""
    )
    Number.objects.filter(pk=number.pk).update(provider_account=account)
    number.refresh_from_db()
    return number


def test_which_providers_suspend_upstream_comes_from_their_adapters():
    declared = {kind: adapter_class(kind).upstream_actions["suspend"] for kind in ADAPTERS}
    assert declared["idtexpress"] == UpstreamMode.LOCAL
    assert {kind: suspends_upstream(kind) for kind in ADAPTERS} == {
        kind: mode == UpstreamMode.API for kind, mode in declared.items()
    }
    assert kinds_without_upstream_suspension() == ["idtexpress"]


def test_an_idt_number_gets_the_shortest_grace_and_a_local_suspension(upstream):
    _reseller, client, _ = tenants(renewal_grace_days=3, renewal_suspension_days=11)
    idt = at_idt(make_number(client, anchor=d(2027, 1, 15)))
    didww = make_number(client, anchor=d(2027, 1, 15))  # the same client, the same wallet

    renewals_run(now=at(d(2027, 2, 15)))
    idt.refresh_from_db()
    didww.refresh_from_db()
    assert idt.status == didww.status == NumberStatus.GRACE
    assert idt.state_until == at(d(2027, 2, 16))  # one day, not the reseller's three
    assert didww.state_until == at(d(2027, 2, 18))

    renewals_run(now=at(d(2027, 2, 16)))
    idt.refresh_from_db()
    didww.refresh_from_db()
    assert (idt.status, didww.status) == (NumberStatus.SUSPENDED, NumberStatus.GRACE)
    assert idt.state_until == at(d(2027, 2, 27))  # then the reseller's 11 suspension days
    assert upstream == [(idt.e164, "suspend")]

    renewals_run(now=at(d(2027, 2, 27)))
    idt.refresh_from_db()
    assert idt.status == NumberStatus.RELEASING
    assert [kind for e164, kind in upstream if e164 == idt.e164] == ["suspend", "release"]


def test_the_suspension_of_an_idt_number_is_recorded_here_without_calling_idt(monkeypatch):
    monkeypatch.setattr("inventory.upstream._enqueue", lambda action_id: None)
    _reseller, client, _ = tenants(renewal_grace_days=3, renewal_suspension_days=11)
    idt = at_idt(make_number(client, anchor=d(2027, 1, 15)))
    renewals_run(now=at(d(2027, 2, 16)))
    suspend = UpstreamAction.objects.get(number=idt, kind="suspend")

    def no_calls(*args, **kwargs):
        raise AssertionError("IDT has no routing API: nothing may be called")

    monkeypatch.setattr("inventory.upstream_run.adapter_for", no_calls)
    assert upstream_action_run(action_id=suspend.pk) == "done"
    suspend.refresh_from_db()
    assert (suspend.mode, suspend.state) == (UpstreamMode.LOCAL, UpstreamState.DONE)
    idt.refresh_from_db()
    assert idt.status == NumberStatus.SUSPENDED


@pytest.mark.parametrize(("reseller_grace", "shortest", "expected"), [(0, 1, 0), (5, 2, 2)])
def test_the_shortest_grace_is_a_setting_and_never_lengthens_the_resellers(
    upstream, reseller_grace, shortest, expected
):
    _reseller, client, _ = tenants(renewal_grace_days=reseller_grace)
    idt = at_idt(make_number(client, anchor=d(2027, 1, 15)))
    with override_settings(RENEWAL_SHORTEST_GRACE_DAYS=shortest):
        renewals_run(now=at(d(2027, 2, 15)))
    idt.refresh_from_db()
    if expected == 0:  # no grace at all: suspended at once
        assert idt.status == NumberStatus.SUSPENDED
    else:
        assert idt.state_until == at(d(2027, 2, 15) + dt.timedelta(days=expected))


def test_the_settings_page_notes_the_shortest_grace_without_naming_the_provider(client):
    _reseller, acme, owner = tenants()
    at_idt(make_number(acme, anchor=d(2027, 1, 15)))
    make_number(acme, anchor=d(2027, 1, 15))
    _other, stranger, _ = tenants()
    at_idt(make_number(stranger, anchor=d(2027, 1, 15)))  # another reseller's: not counted
    client.force_login(owner.user)
    with override_settings(RENEWAL_SHORTEST_GRACE_DAYS=2):
        page = client.get(reverse("billing:renewal_settings")).content.decode()
    note = page.split('id="local-suspension-note">')[1].split("</p>")[0]
    assert "at most 2 days" in note
    assert "1 of your clients' numbers is one of them" in note
    assert "IDT" not in page and "idtexpress" not in page
