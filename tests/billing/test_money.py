"""One money formatter (babel) for pages, emails and PDFs, in each currency's own decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from billing.checkout import checkout_review
from billing.models import MarkupRule
from billing.money import exponent, format_minor, format_money, from_minor, to_minor
from billing.pricing import Figure
from billing.services import exchange_rate_set
from inventory.models import DidGroup
from tests.billing.orders_helpers import add_to_cart, fund
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("1500"), "JPY", "1,500 JPY"),
        (D("1500.4"), "JPY", "1,500 JPY"),
        (D("3.25"), "KWD", "3.250 KWD"),
        (D("1234.5675"), "KWD", "1,234.568 KWD"),
        (D("0.5"), "USD", "0.50 USD"),
        (D("-2.32"), "USD", "-2.32 USD"),
        (D("1000"), "usd", "1,000.00 USD"),
        (D("12"), "IQD", "12.000 IQD"),  # ISO 4217 says 3 decimals; CLDR (babel's own) says 0
    ],
)
def test_amounts_have_the_currency_s_own_decimals(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_minor_units_use_the_same_digits_as_the_ledger():
    assert format_minor(1500, "JPY") == "1,500 JPY"
    assert format_minor(3250, "KWD") == "3.250 KWD"
    assert format_minor(232, "USD") == "2.32 USD"
    for currency in ("JPY", "KWD", "USD", "IQD"):
        assert to_minor(from_minor(12345, currency), currency) == 12345
        shown = format_minor(12345, currency).split(" ")[0]
        decimals = len(shown.partition(".")[2])
        assert decimals == exponent(currency)


def test_the_active_language_sets_grouping_and_decimal_mark():
    with translation.override("de"):
        assert format_money(D("1234.5"), "EUR") == "1.234,50 EUR"
    with translation.override("en"):
        assert format_money(D("1234.5"), "EUR") == "1,234.50 EUR"


def test_template_filters_share_the_formatter():
    html = Template(
        "{% load storefront money %}{{ fig|money }}|{{ units|minor:'KWD' }}|{{ dec|amount:'JPY' }}"
    ).render(Context({"fig": Figure(D("1500"), "JPY", ""), "units": 3250, "dec": D("99.6")}))
    assert html == "1,500 JPY|3.250 KWD|100 JPY"


@pytest.mark.django_db
def test_browse_and_checkout_show_whole_yen_as_charged(client, catalog):
    reseller = ResellerFactory(display_name="Sakura Tel", currency="JPY")
    exchange_rate_set(base="USD", quote="JPY", rate="150.37")
    exchange_rate_set(base="EUR", quote="JPY", rate="163.11")
    MarkupRule.objects.create(level="wholesale", reseller=reseller, percent=D(10))
    MarkupRule.objects.create(level="retail", reseller=reseller, percent=D(50))
    customer = ClientFactory(reseller=reseller, name="Kanto")
    user = client_member(customer).user
    owner = reseller_member(reseller).user
    store = {"reseller": reseller, "client": customer, "client_user": user, "owner": owner}
    group = DidGroup.objects.get(external_id="us-3")  # 0.90 USD monthly, 0.50 USD setup

    client.force_login(user)
    html = client.get(
        reverse("billing:browse"), {"country": "US", "region": "US-NY", "npa": "718"}
    ).content.decode()
    add_to_cart(store, group)
    fund(store)
    review = checkout_review(client=customer)
    monthly = format_money(review.lines[0].item.period_price, "JPY")
    assert monthly.endswith(" JPY") and "." not in monthly
    assert monthly in html  # the browse row shows exactly what the review charges
    assert ".00 JPY" not in html
    cart = client.get(reverse("billing:cart")).content.decode()
    assert format_money(review.total, "JPY") in cart and ".00 JPY" not in cart
    checkout = client.get(reverse("billing:checkout")).content.decode()
    assert f"Buy for {format_money(review.total, 'JPY')}" in checkout
    assert review.total_minor == int(review.total)  # whole yen in the ledger
