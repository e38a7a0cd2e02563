"""The reseller's pages tell the truth: dashboard figures from rows, margins net of refunds,
no provider cost anywhere a reseller looks."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse

from billing.models import ItemState, Order
from billing.selectors_orders import reseller_figures
from billing.templatetags.money import minor
from customers.models import Client, Membership
from inventory.models import DidGroup, Number, NumberStatus
from inventory.providers.types import OrderStatus as Upstream
from tests.billing.orders_helpers import buy, drive, fund
from tests.billing.scripted_provider import upstream
from tests.factories import ClientFactory

# us-3: USD 0.90 monthly + 0.50 setup; each number sells at 2.32 and costs the reseller 1.54.
RETAIL_EACH, WHOLESALE_EACH = 232, 154


@pytest.fixture
def group(shop):
    fund(shop)
    return DidGroup.objects.get(external_id="us-3")


def _browser(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def _partly_delivered(shop, group, provider) -> Order:
    """Three numbers ordered, one delivered: two are refunded."""
    provider.place = [upstream(Upstream.PARTIAL, ["+17182010004"], quantity=3)]
    order = buy(shop, group, quantity=3)
    assert drive(order.items.get()).state == ItemState.PARTIALLY_FULFILLED
    return order


def test_margin_counts_only_delivered_numbers(shop, group, provider):
    order = _partly_delivered(shop, group, provider)
    assert order.retail_total_minor == 3 * RETAIL_EACH  # what checkout held
    real_margin = RETAIL_EACH - WHOLESALE_EACH  # one number delivered
    gross_margin = 3 * real_margin
    owner = _browser(shop["owner"])

    listing = owner.get(reverse("billing:orders"))
    row = listing.context["page"].object_list[0]
    assert (row.margin_minor, row.wholesale_charged_minor) == (real_margin, WHOLESALE_EACH)
    assert row.retail_refunded_minor == 2 * RETAIL_EACH
    html = listing.content.decode()
    assert minor(real_margin, "USD") in html
    assert minor(gross_margin, "USD") not in html

    detail = owner.get(reverse("billing:order", args=[order.reference])).content.decode()
    margin_row = detail.split('id="order-margin"')[1].split("</tr>")[0]
    assert minor(real_margin, "USD") in margin_row
    assert minor(WHOLESALE_EACH, "USD") in margin_row
    assert minor(gross_margin, "USD") not in detail
    assert minor(2 * RETAIL_EACH, "USD") in detail.split('id="order-refunded"')[1]


def test_an_order_still_on_hold_has_earned_no_margin_yet(shop, group, provider):
    provider.place = [upstream(Upstream.PENDING)]
    provider.get = [upstream(Upstream.PENDING)]
    buy(shop, group)
    row = _browser(shop["owner"]).get(reverse("billing:orders")).context["page"].object_list[0]
    assert row.margin_minor == 0


def test_clients_see_no_cost_or_margin_and_resellers_no_provider_cost(shop, group, provider):
    order = _partly_delivered(shop, group, provider)
    item = order.items.get()
    provider_cost = minor(50 + 90, item.cost_currency)  # what the platform pays upstream
    order_url = reverse("billing:order", args=[order.reference])
    html = _browser(shop["client_user"]).get(order_url).content.decode()
    assert "Your cost" not in html and 'id="order-margin"' not in html
    for url in (
        reverse("billing:orders"),
        reverse("billing:order", args=[order.reference]),
        reverse("billing:numbers"),
        reverse("billing:reseller_wallet"),
        reverse("reseller_dashboard"),
    ):
        page = _browser(shop["owner"]).get(url).content.decode()
        assert provider_cost not in page, url
        assert "didww" not in page.lower(), url


def test_dashboard_figures_are_counted_from_rows(shop, group, provider):
    delivered = ["+17182010001", "+17182010002", "+17182010003"]
    provider.place = [upstream(Upstream.COMPLETED, delivered)]
    drive(buy(shop, group, quantity=3).items.get())
    provider.place = [upstream(Upstream.PENDING)]
    provider.get = [upstream(Upstream.PENDING)]
    buy(shop, group)  # still in flight
    Number.objects.filter(e164="+17182010003").update(status=NumberStatus.AWAITING_DOCUMENTS)
    ClientFactory(reseller=shop["reseller"], status=Client.Status.SUSPENDED)
    ClientFactory()  # another reseller's

    figures = reseller_figures(actor=Membership.objects.get(user=shop["owner"]))
    assert figures.client_count == 2
    assert figures.active_client_count == 1
    assert figures.numbers_in_service == 2
    assert figures.numbers_awaiting_documents == 1
    assert figures.orders_in_flight == 1
    assert figures.margin_recent.minor == 3 * (RETAIL_EACH - WHOLESALE_EACH)
    assert figures.wallet.on_hold_minor == WHOLESALE_EACH
    assert figures.wallet.balance.minor == 100_000 - 4 * WHOLESALE_EACH

    html = _browser(shop["owner"]).get(reverse("reseller_dashboard")).content.decode()
    assert 'id="figure-numbers">2<' in html
    assert 'id="figure-clients">2<' in html
    assert 'id="figure-active-clients">1<' in html
    assert 'id="figure-orders-in-flight">1<' in html
    assert f'id="figure-margin">{figures.margin_recent}<' in html
    assert f'id="figure-wallet">{figures.wallet.balance}<' in html


def test_client_dashboard_figures_are_counted_from_rows(shop, group, provider):
    provider.place = [upstream(Upstream.COMPLETED, ["+17182010001", "+17182010002"])]
    drive(buy(shop, group, quantity=2).items.get())
    Number.objects.filter(e164="+17182010002").update(status=NumberStatus.RELEASED)
    html = _browser(shop["client_user"]).get(reverse("client_dashboard")).content.decode()
    assert '<span class="stat-value">1</span>' in html
    assert f'id="wallet-balance">{minor(100_000 - 2 * RETAIL_EACH, "USD")}<' in html


def test_no_page_template_hard_codes_a_figure():
    """Figures between tags come from the context: a literal number in a stat is a bug."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    # a number standing alone between tags, or opening a stat's value
    literal = re.compile(r'>\s*\d[\d.,]*\s*<|class="stat-value"[^>]*>\s*\d')
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if literal.search(path.read_text())
    ]
    assert offenders == []


def test_admin_order_columns_say_whose_margin_they_show(shop, group, provider, admin_client):
    _partly_delivered(shop, group, provider)
    html = admin_client.get(reverse("admin:billing_order_changelist")).content.decode()
    assert "Your margin" not in html
    assert "Reseller margin" in html and "Platform margin" in html
    assert minor(RETAIL_EACH - WHOLESALE_EACH, "USD") in html  # the reseller's, one number
    assert minor(WHOLESALE_EACH - (50 + 90), "USD") in html  # wholesale less the provider's cost
