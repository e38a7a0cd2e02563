"""Renewal emails in the reseller's brand, each once per number, period and kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from billing.renewals.charging import renewals_run
from billing.renewals.notices import renewals_warn_upcoming
from tests.factories import client_member

from .helpers import at, make_number, tenants, top_up

pytestmark = pytest.mark.django_db
d = dt.date


def test_grace_suspension_and_release_are_each_told_once(
    upstream, django_capture_on_commit_callbacks
):
    reseller, client, _ = tenants()
    top_up(reseller, 10_000)
    admin = client_member(client)
    number = make_number(client, anchor=d(2027, 1, 15))
    for day in (d(2027, 2, 15), d(2027, 2, 16), d(2027, 2, 18), d(2027, 3, 1), d(2027, 3, 2)):
        with django_capture_on_commit_callbacks(execute=True):
            renewals_run(now=at(day))
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3, subjects
    assert "overdue" in subjects[0] and "suspended" in subjects[1] and "released" in subjects[2]
    assert all(m.to == [admin.user.email] for m in mail.outbox)
    assert all(reseller.display_name in m.from_email for m in mail.outbox)
    assert number.e164 in mail.outbox[0].body
    assert "didww" not in mail.outbox[0].body.lower()  # clients never read a provider's name


def test_a_short_reseller_is_told_and_the_client_is_not(
    upstream, django_capture_on_commit_callbacks
):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    client_member(client)
    make_number(client, anchor=d(2027, 1, 15))
    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(now=at(d(2027, 2, 15)))
    assert [m.to for m in mail.outbox] == [[reseller.support_email]]
    assert client.name in mail.outbox[0].subject


def test_seven_days_ahead_a_wallet_that_will_not_cover_is_warned_once():
    _reseller, client, _ = tenants()
    admin = client_member(client)
    top_up(client, 700)
    first = make_number(client, anchor=d(2027, 1, 15), retail="5.00")
    second = make_number(client, anchor=d(2027, 1, 18), retail="5.00")
    make_number(client, anchor=d(2027, 1, 30), retail="5.00")  # not within 7 days
    assert renewals_warn_upcoming(now=at(d(2027, 2, 1))) == 0  # nothing due within 7 days
    assert renewals_warn_upcoming(now=at(d(2027, 2, 11))) == 2  # 10.00 due, 7.00 in the wallet
    assert renewals_warn_upcoming(now=at(d(2027, 2, 12))) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.user.email]
    assert first.e164 in mail.outbox[0].body and second.e164 in mail.outbox[0].body


def test_a_covered_wallet_is_not_warned():
    _reseller, client, _ = tenants()
    client_member(client)
    top_up(client, 1_000)
    make_number(client, anchor=d(2027, 1, 15), retail="5.00")
    assert renewals_warn_upcoming(now=at(d(2027, 2, 11))) == 0
    assert mail.outbox == []
