"""A reseller's new retail price for a number: announced, applied from a period at least the
notice period away, charged exactly, never below wholesale, only by the owner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from billing.models import RenewalCharge
from billing.renewals import selectors
from billing.renewals.charging import renewals_run
from billing.renewals.prices import number_retail_price_set, price_change_first_period
from customers.models import Role
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.factories import client_member, reseller_member

from .helpers import at, balance, make_number, tenants, top_up

pytestmark = pytest.mark.django_db
d = dt.date
D = Decimal


def test_a_new_price_applies_from_the_first_period_due_a_week_later_and_is_charged(
    upstream, django_capture_on_commit_callbacks
):
    reseller, client, owner = tenants()
    top_up(client, 100_00)
    top_up(reseller, 100_00)
    admin = client_member(client)
    number = make_number(client, anchor=d(2027, 1, 15), retail="5.00")  # next period Feb 15
    # Changed Feb 10: Feb 15 is 5 days away, so the change applies from Mar 15.
    with django_capture_on_commit_callbacks(execute=True):
        number = number_retail_price_set(
            actor=owner, number=number, price=D("6.50"), now=at(d(2027, 2, 10))
        )
    assert (number.retail_period_next, number.retail_period_next_from) == (D("6.5"), d(2027, 3, 15))
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
    assert "6.50" in mail.outbox[0].body and number.e164 in mail.outbox[0].body
    assert "price" in mail.outbox[0].subject.lower()
    renewals_run(now=at(d(2027, 2, 15)))
    renewals_run(now=at(d(2027, 3, 15)))
    charges = RenewalCharge.objects.filter(number=number).order_by("period_start")
    assert [(c.period_start, c.retail_minor) for c in charges] == [
        (d(2027, 2, 15), 500),
        (d(2027, 3, 15), 650),
    ]
    number.refresh_from_db()
    assert number.retail_period == D("6.5") and number.retail_period_next is None
    assert number.retail_period_next_from is None
    assert balance(client) == 100_00 - 500 - 650
    assert_ledger_sound()
    event = AuditEvent.objects.get(action="number.price")
    assert event.changes["new_price"] == "6.50" and event.changes["from"] == "2027-03-15"


def test_the_first_period_is_the_next_one_when_it_is_far_enough_away():
    _reseller, client, _owner = tenants(time_zone="America/New_York")
    number = make_number(client, anchor=d(2027, 1, 31))  # next period Feb 28
    assert price_change_first_period(number, at(d(2027, 2, 21), 4)) == d(2027, 2, 28)
    # Feb 21 05:01 UTC is after 00:00 New York: Feb 28's local midnight is under 7 days away.
    assert price_change_first_period(number, at(d(2027, 2, 21), 5, 1)) == d(2027, 3, 31)


def test_the_clients_page_and_due_total_show_the_new_price_before_it_applies(client):
    _reseller, acme, owner = tenants()
    admin = client_member(acme)
    today = dt.date.today()
    number = make_number(acme, anchor=today - dt.timedelta(days=26), retail="5.00")
    number_retail_price_set(actor=owner, number=number, price=D("4.00"))
    number.refresh_from_db()
    first = number.retail_period_next_from
    assert first > number.next_period_start  # the next period keeps its price
    client.force_login(admin.user)
    page = client.get(reverse("billing:numbers")).content.decode()
    assert "New price 4.00 USD from" in page
    assert reverse("billing:number_price", args=[number.pk]) not in page  # owners only
    # Due in 30 days: the next period at 5.00 and, if it falls in the window, one at 4.00.
    due = selectors.renewals_due_total(actor=admin)
    starts = selectors._periods_due_by(number, selectors.timezone.now() + dt.timedelta(days=30))
    assert due.minor == sum(400 if s >= first else 500 for s in starts)
    assert 500 in [400 if s >= first else 500 for s in starts]


def test_setting_the_current_price_withdraws_the_change_and_nothing_is_sent_for_it(
    upstream, django_capture_on_commit_callbacks
):
    reseller, client, owner = tenants()
    top_up(client, 10_00)
    top_up(reseller, 10_00)
    client_member(client)
    number = make_number(client, anchor=d(2027, 1, 15), retail="5.00")
    with django_capture_on_commit_callbacks(execute=True):
        number = number_retail_price_set(
            actor=owner, number=number, price=D("7"), now=at(d(2027, 1, 20))
        )
    assert number.retail_period_next_from == d(2027, 2, 15)
    with django_capture_on_commit_callbacks(execute=True):
        number = number_retail_price_set(
            actor=owner, number=number, price=D("5.00"), now=at(d(2027, 1, 21))
        )
    assert number.retail_period_next is None and number.retail_period_next_from is None
    assert len(mail.outbox) == 1  # the announcement only
    assert AuditEvent.objects.filter(action="number.price").count() == 2
    renewals_run(now=at(d(2027, 2, 15)))
    assert RenewalCharge.objects.get(number=number).retail_minor == 500


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("2.99", "below what you pay"),
        ("0", "above zero"),
        ("-1", "above zero"),
        ("5.001", "at most 2 decimals"),
        ("abc", "price such as"),
        ("NaN", "above zero"),
    ],
)
def test_bad_prices_are_refused_and_change_nothing(price, message):
    _reseller, client, owner = tenants()
    number = make_number(client, anchor=d(2027, 1, 15), retail="5.00", wholesale="3.00")
    with pytest.raises(ValidationError, match=message):
        number_retail_price_set(actor=owner, number=number, price=price, now=at(d(2027, 1, 20)))
    number.refresh_from_db()
    assert number.retail_period_next is None
    assert not AuditEvent.objects.filter(action="number.price").exists()


def test_only_the_owner_of_the_numbers_reseller_changes_a_price():
    reseller, client, _owner = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    staff = reseller_member(reseller, role=Role.RESELLER_STAFF)
    other_owner = reseller_member(tenants()[0])
    for actor in (staff, other_owner, client_member(client)):
        with pytest.raises(PermissionDenied):
            number_retail_price_set(actor=actor, number=number, price=D("6"))
    number.refresh_from_db()
    assert number.retail_period_next is None


def test_the_price_page_for_the_owner_form_errors_and_404_for_another_tenant(client):
    reseller, acme, owner = tenants()
    number = make_number(acme, anchor=dt.date.today(), k=1, retail="5.00", wholesale="3.00")
    url = reverse("billing:number_price", args=[number.pk])
    client.force_login(owner.user)
    page = client.get(url).content.decode()
    assert 'id="price-now">5.00 USD' in page and 'id="price-wholesale">3.00 USD' in page
    numbers_page = client.get(reverse("billing:numbers")).content.decode()
    assert url in numbers_page
    response = client.post(url, {"price": "1.00"})
    assert response.status_code == 200
    assert "below what you pay" in response.content.decode()
    number.refresh_from_db()
    assert number.retail_period_next is None
    response = client.post(url, {"price": "5.75"})
    assert response.status_code == 302
    number.refresh_from_db()
    assert number.retail_period_next == D("5.75")
    assert "New price 5.75 USD from" in client.get(reverse("billing:numbers")).content.decode()
    stranger = reseller_member(tenants()[0])
    client.force_login(stranger.user)
    assert client.get(url).status_code == 404
    staff = reseller_member(reseller, role=Role.RESELLER_STAFF)
    client.force_login(staff.user)
    assert client.get(url).status_code == 403
