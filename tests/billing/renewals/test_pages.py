"""Renewal pages: what each role sees, what it may do, another tenant's number is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.renewals import selectors
from billing.renewals.charging import renewals_run
from customers.models import Membership, Role
from inventory.models import NumberStatus
from tests.factories import client_member

from .helpers import make_number, tenants, top_up

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.now().date()


def test_due_total_counts_each_period_due_in_30_days_and_what_is_owed(upstream):
    _reseller, client, _ = tenants()
    admin = client_member(client)
    today = _today()
    # due in 10 days (once in 30 days), due in 40 days (not counted), annual due in 20 days
    make_number(client, anchor=today + dt.timedelta(days=10), k=0, retail="5.00")
    make_number(client, anchor=today + dt.timedelta(days=40), k=0, retail="7.00")
    make_number(client, anchor=today + dt.timedelta(days=20), k=0, retail="12.00", cycle="annual")
    owed = make_number(client, anchor=today - dt.timedelta(days=40), k=1, retail="2.00")
    renewals_run()  # the owed number's period started 9 days ago: in grace now
    owed.refresh_from_db()
    assert owed.status in (NumberStatus.GRACE, NumberStatus.SUSPENDED)
    off = make_number(client, anchor=today + dt.timedelta(days=5), k=0, retail="100.00")
    off.auto_renew = False
    off.status = NumberStatus.CANCEL_SCHEDULED
    off.save()
    total = selectors.renewals_due_total(actor=admin)
    assert total.minor == 500 + 1200 + 200 * 2  # the owed period, and its next one in 30 days
    assert (
        selectors.renewals_due_total(actor=Membership.objects.get(reseller=_reseller, client=None))
        is None
    )


def test_a_client_admin_sees_next_charge_and_turns_auto_renew_off(client):
    _reseller, acme, _ = tenants()
    admin = client_member(acme)
    number = make_number(acme, anchor=_today() + dt.timedelta(days=3), k=0, retail="5.00")
    client.force_login(admin.user)
    page = client.get(reverse("billing:numbers")).content.decode()
    assert 'id="renewals-due-soon">5.00 USD' in page
    assert reverse("billing:number_auto_renew", args=[number.pk]) in page
    response = client.post(
        reverse("billing:number_auto_renew", args=[number.pk]), {"auto_renew": "off"}
    )
    assert response.status_code == 302
    number.refresh_from_db()
    assert number.status == NumberStatus.CANCEL_SCHEDULED
    page = client.get(reverse("billing:numbers")).content.decode()
    assert "Cancels at period end" in page
    assert 'id="renewals-due-soon">0.00 USD' in page


def test_client_users_cannot_toggle_or_release_and_strangers_get_404(client):
    _reseller, acme, _ = tenants()
    number = make_number(acme, anchor=_today(), k=1)
    client.force_login(client_member(acme, Role.CLIENT_USER).user)
    assert (
        client.post(
            reverse("billing:number_auto_renew", args=[number.pk]), {"auto_renew": "off"}
        ).status_code
        == 403
    )
    assert client.get(reverse("billing:number_release", args=[number.pk])).status_code == 403
    _other_reseller, other, _ = tenants()
    client.force_login(client_member(other).user)
    assert (
        client.post(
            reverse("billing:number_auto_renew", args=[number.pk]), {"auto_renew": "off"}
        ).status_code
        == 404
    )
    assert client.get(reverse("billing:number_release", args=[number.pk])).status_code == 404
    number.refresh_from_db()
    assert number.auto_renew


def test_release_confirm_names_what_is_lost_then_releases(client, upstream):
    _reseller, acme, _ = tenants(release_prorated_credit=True)
    admin = client_member(acme)
    number = make_number(acme, anchor=_today() - dt.timedelta(days=1), k=1, retail="31.00")
    client.force_login(admin.user)
    page = client.get(reverse("billing:number_release", args=[number.pk])).content.decode()
    assert "you lose the days paid until" in page
    assert "your wallet is credited" in page
    response = client.post(reverse("billing:number_release", args=[number.pk]), {"when": "bogus"})
    assert response.status_code == 200  # a form error, nothing changed
    number.refresh_from_db()
    assert number.status == NumberStatus.ACTIVE
    response = client.post(reverse("billing:number_release", args=[number.pk]), {"when": "now"})
    assert response.status_code == 302
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASING
    assert upstream == [(number.e164, "release")]


def test_reseller_sees_at_risk_numbers_and_owner_edits_settings(client, upstream):
    reseller, acme, owner = tenants()
    top_up(reseller, 10_000)
    soon = make_number(acme, anchor=_today() + dt.timedelta(days=2), k=0, retail="9.00")
    overdue = make_number(acme, anchor=_today() - dt.timedelta(days=33), k=1)
    renewals_run()
    client.force_login(owner.user)
    page = client.get(reverse("billing:renewals_at_risk")).content.decode()
    assert f'value="{soon.e164}"' in page and f'value="{overdue.e164}"' in page
    rows = selectors.reseller_at_risk(actor=owner)
    assert {(row.number.pk, row.why) for row in rows} == {
        (overdue.pk, "client_funds"),
        (soon.pk, "upcoming_short"),
    }
    response = client.post(
        reverse("billing:renewal_settings"),
        {"time_zone": "Europe/Paris", "grace_days": "30", "suspension_days": "1"},
    )
    assert response.status_code == 200
    assert "less than or equal to 27" in response.content.decode()
    reseller.refresh_from_db()
    assert reseller.time_zone == "UTC"
    response = client.post(
        reverse("billing:renewal_settings"),
        {
            "time_zone": "Europe/Paris",
            "grace_days": "2",
            "suspension_days": "5",
            "prorated_credit": "on",
        },
    )
    assert response.status_code == 302
    reseller.refresh_from_db()
    assert (reseller.time_zone, reseller.renewal_grace_days, reseller.release_prorated_credit) == (
        "Europe/Paris", 2, True,
    )  # fmt: skip
    staff = client_member(acme)  # a client admin may not open the reseller's settings
    client.force_login(staff.user)
    assert client.get(reverse("billing:renewal_settings")).status_code == 403
    assert client.get(reverse("billing:renewals_at_risk")).status_code == 403


def test_amounts_shown_include_the_tax_the_reseller_adds_on_top(client):
    from decimal import Decimal

    from billing.invoices.models import IssuerProfile

    reseller, acme, _owner = tenants()
    IssuerProfile.objects.create(
        reseller=reseller, country="US", prices_include_tax=False, tax_rate=Decimal("20")
    )
    admin = client_member(acme)
    number = make_number(acme, anchor=_today() + dt.timedelta(days=3), k=0, retail="5.00")
    row = selectors.number_rows([number])[0]
    assert row.next_charge.minor == 600  # what the renewal job will take: 5.00 + 20 %
    assert selectors.renewals_due_total(actor=admin).minor == 600
    client.force_login(admin.user)
    page = client.get(reverse("billing:numbers")).content.decode()
    assert 'id="renewals-due-soon">6.00 USD' in page
    assert "6.00 USD ·" in page
