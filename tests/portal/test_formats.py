"""Dates and phone numbers are written one way on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from portal.templatetags.phone import phone_display
from tests.customers.conftest import acme_client, owner, reseller  # noqa: F401

WHEN = dt.datetime(2026, 12, 2, 14, 5, tzinfo=dt.UTC)


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{{ when|date:"DATE_FORMAT" }}', "2 Dec 2026"),
        ('{{ when|date:"SHORT_DATE_FORMAT" }}', "2 Dec 2026"),
        ('{{ when|date:"DATETIME_FORMAT" }}', "2 Dec 2026, 14:05"),
        ('{{ when|date:"SHORT_DATETIME_FORMAT" }}', "2 Dec 2026, 14:05"),
        ("{{ when|date }}", "2 Dec 2026"),
    ],
)
def test_every_date_format_writes_the_same_date(source, expected):
    with timezone.override(dt.UTC):
        assert render(source, when=WHEN) == expected


@pytest.mark.django_db
def test_a_wallet_statement_shows_the_one_date_format(client, owner, acme_client):  # noqa: F811
    from billing import wallets
    from customers.models import Membership

    wallets.wallet_top_up(
        actor=owner.user, membership=Membership.objects.get(user=owner.user),
        wallet=wallets.wallet_of(acme_client), amount_minor=1000, method="bank_transfer",
        reference="T1", idempotency_key="k" * 32,
    )  # fmt: skip
    client.force_login(owner.user)
    page = client.get(f"/reseller/clients/{acme_client.pk}/wallet/").content.decode()
    today = timezone.localdate()
    assert f"{today.day} {today:%b} {today.year}, " in page
    assert today.strftime("%m/%d/%Y") not in page and "a.m." not in page and "p.m." not in page


@pytest.mark.parametrize(
    ("value", "region", "shown"),
    [
        ("+12125550134", "", "+1 212-555-0134"),
        ("+12125550134", "US", "(212) 555-0134"),
        ("+12125550134", "us", "(212) 555-0134"),
        ("+442079460958", "US", "+44 20 7946 0958"),
        ("+442079460958", "GB", "020 7946 0958"),
        ("12125550134", "", "+1 212-555-0134"),  # E.164 digits without the plus
        ("not a number", "", "not a number"),
        ("", "", ""),
        (None, "", ""),
    ],
)
def test_phone_numbers_read_the_way_people_write_them(value, region, shown):
    assert phone_display(value, region) == shown
    assert render("{% load phone %}{{ n|phone:r }}", n=value, r=region) == shown
