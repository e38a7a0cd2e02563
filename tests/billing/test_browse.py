import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import CartItem, ExchangeRate
from customers.models import User
from inventory.models import DidGroup
from tests.factories import ClientFactory, client_member

pytestmark = pytest.mark.django_db
BROWSE = reverse("billing:browse")
PROVIDER_WORDS = re.compile(r"didww|didfarm|idt ?express|pbxme", re.IGNORECASE)


def page(http, user, **params) -> str:
    http.force_login(user)
    response = http.get(BROWSE, params)
    assert response.status_code == 200
    return response.content.decode()


def test_countries_show_areas_and_the_lowest_retail_price(client, shop):
    html = page(client, shop["client_user"])
    assert "United States" in html and "Germany" in html and "United Kingdom" in html
    # Lowest US offer: 0.50 EUR * 1.10 = 0.55 → +10% → 0.61 wholesale → +50% → 0.92 retail.
    assert "from 0.92 USD" in html


def test_us_walk_state_then_area_code_then_exchange(client, shop):
    user = shop["client_user"]
    html = page(client, user, country="US")
    assert 'href="?country=US&amp;region=US-NY"' in html and "Texas" in html
    html = page(client, user, country="US", region="US-NY")
    assert "region=US-NY&amp;npa=212" in html and "npa=718" in html and "Texas" not in html
    html = page(client, user, country="US", region="US-NY", npa="212")
    assert "nxx=555" in html and "nxx=556" in html and "718" not in html.split("Exchanges")[1]
    html = page(client, user, country="US", region="US-NY", npa="212", nxx="555")
    assert "1 area on offer" in html


def test_region_and_city_countries_get_the_filters_that_fit(client, shop):
    gb = page(client, shop["client_user"], country="GB")
    assert "Regions" in gb and "region=GB-SCT" in gb
    de = page(client, shop["client_user"], country="DE")
    # Regions where a provider (or an earlier test's committed city rows) names them, else cities.
    assert ("Cities" in de or "Regions" in de) and "Berlin" in de
    assert "documents required" in de


def test_the_same_area_appears_once_with_the_best_offer(client, shop):
    html = page(client, shop["client_user"], country="US", npa="212", nxx="555")
    # The EUR offer wins (0.92 USD retail) over the USD one (1.00 → 1.10 → 1.65).
    assert "0.92 USD" in html and "1.65 USD" not in html
    assert "1 area on offer" in html


def test_resellers_see_their_wholesale_cost_and_margin_not_the_providers(client, shop):
    html = page(client, shop["owner"], country="US", npa="212", nxx="555")
    # A reseller's cost is its wholesale price (0.61 USD), never the platform's 0.50 EUR.
    assert "Your cost" in html and "Your margin" in html and "0.61 USD" in html
    assert "0.50 EUR" not in html and "Provider cost" not in html and "Wholesale" not in html
    assert "2 offers" not in html  # the provider offers behind a row are for admins
    alternatives = page(client, shop["owner"], country="US", area="local|212|555")
    # The area's offers are not listed: the parameter is ignored, the country's rows shown.
    assert alternatives.count("<tr>") == page(client, shop["owner"], country="US").count("<tr>")
    assert not PROVIDER_WORDS.search(alternatives)


def test_admins_see_the_provider_offers_behind_a_row(client, shop):
    admin = User.objects.create_superuser("offers@example.com", "pw-123456789")
    html = page(client, admin, country="US", npa="212", nxx="555", reseller=shop["reseller"].pk)
    assert "Provider cost" in html and "Reseller margin" in html and "0.50 EUR" in html
    assert "2 offers" in html
    alternatives = page(
        client, admin, country="US", area="local|212|555", reseller=shop["reseller"].pk
    )
    assert "0.92 USD" in alternatives and "1.65 USD" in alternatives


def test_clients_never_see_providers_or_costs(client, shop):
    user = shop["client_user"]
    pages = [
        page(client, user),
        page(client, user, country="US"),
        page(client, user, country="US", region="US-NY", npa="212"),
        page(client, user, country="DE"),
        page(client, user, country="US", area="local|212|555"),  # ignored for clients
    ]
    group = DidGroup.objects.get(external_id="de-ber")
    pages.append(client.get(reverse("billing:group", args=[group.pk])).content.decode())
    for html in pages:
        assert not PROVIDER_WORDS.search(html)
        assert "Wholesale" not in html and "Your margin" not in html


def test_admins_see_the_provider(client, shop):
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    html = page(client, admin, country="US", npa="212", reseller=shop["reseller"].pk)
    assert "didfarm-main" in html and "Provider" in html


@pytest.mark.parametrize(
    "params",
    [
        {"country": "ZZ"},
        {"country": "US", "region": "GB-ENG"},
        {"country": "US", "npa": "12"},
        {"country": "US", "type": "premium"},
        {"country": "US", "sort": "random"},
        {"country": "US", "page": "abc"},
        {"country": "US", "page": "999"},
        {"country": "US", "city": "-1"},
        {"region": "nonsense"},
        {"client": "999999"},
    ],
)
def test_bad_parameters_give_a_message_not_an_error(client, shop, params):
    client.force_login(shop["client_user"])
    response = client.get(BROWSE, params)
    assert response.status_code == 200
    if params not in ({"country": "US", "page": "999"}, {"client": "999999"}):
        assert "were not understood" in response.content.decode()


def test_a_reseller_cannot_browse_as_another_resellers_client(client, shop):
    client.force_login(shop["owner"])
    assert client.get(BROWSE, {"client": ClientFactory().pk}).status_code == 404


def test_reseller_browses_on_behalf_of_a_client_with_its_prices(client, shop):
    from billing.models import MarkupRule

    MarkupRule.objects.create(
        level="retail", reseller=shop["reseller"], client=shop["client"], percent=Decimal(0)
    )
    default = page(client, shop["owner"], country="DE")
    as_client = page(client, shop["owner"], country="DE", client=shop["client"].pk)
    # Berlin 0.80 EUR → 0.88 USD → 0.97 wholesale; retail 1.46 by default, 0.97 for Globex.
    assert "1.46 USD" in default and "1.46 USD" not in as_client and "0.97 USD" in as_client


def test_offers_without_an_exchange_rate_are_not_shown(client, shop):
    ExchangeRate.objects.all().delete()
    html = page(client, shop["client_user"], country="DE")
    assert "Nothing matches" in html
    html = page(client, shop["client_user"], country="US", npa="212", nxx="555")
    assert "1.65 USD" in html  # the USD offer is still there


def test_htmx_gets_the_fragment_and_plain_requests_the_page(client, shop):
    client.force_login(shop["client_user"])
    full = client.get(BROWSE, {"country": "US"}).content.decode()
    fragment = client.get(BROWSE, {"country": "US"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and 'id="browser"' in full
    assert "<html" not in fragment and fragment.strip().startswith('<div id="browser"')


def test_every_filter_is_a_real_link_or_form(client, shop):
    html = page(client, shop["client_user"], country="US", region="US-NY")
    assert 'hx-boost="true"' in html
    assert re.search(r'<a href="\?country=US&amp;region=US-NY&amp;npa=212"', html)
    assert '<form method="get"' in html and 'name="type"' in html


@pytest.mark.parametrize("role", ["client_user", "owner"])
def test_results_request_runs_few_queries(client, shop, role, django_assert_max_num_queries):
    client.force_login(shop[role])
    params = {"country": "US", "region": "US-NY", "npa": "212"}
    client.get(BROWSE, params, HTTP_HX_REQUEST="true")  # steady state: short-lived caches warm
    with django_assert_max_num_queries(10):
        response = client.get(
            BROWSE, {"country": "US", "region": "US-NY", "npa": "212"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200


def test_add_to_cart_keeps_the_retail_price(client, shop):
    client.force_login(shop["client_user"])
    group = DidGroup.objects.get(external_id="de-ber")
    sku = group.skus.get()
    url = reverse("billing:group", args=[group.pk])
    detail = client.get(url).content.decode()
    assert "Add to cart" in detail and "1.46 USD" in detail
    assert "could not be checked" in detail  # the test catalog is not in the simulator
    bad = client.post(url, {"sku": sku.pk, "quantity": 0, "billing_cycle": "monthly"})
    assert bad.status_code == 400 and not CartItem.objects.exists()
    response = client.post(url, {"sku": sku.pk, "quantity": 2, "billing_cycle": "annual"})
    assert response.status_code == 302
    item = CartItem.objects.get()
    assert (item.quantity, item.billing_cycle, item.monthly_price, item.currency) == (
        2,
        "annual",
        Decimal("1.46"),
        "USD",
    )
    assert item.cart.client == shop["client"]
    cart = client.get(reverse("billing:cart")).content.decode()
    assert "Berlin" in cart and "1.46 USD" in cart


def test_cart_items_of_another_client_cannot_be_removed(client, shop):
    group = DidGroup.objects.get(external_id="de-ber")
    other = client_member(ClientFactory(reseller=shop["reseller"])).user
    client.force_login(other)
    client.post(
        reverse("billing:group", args=[group.pk]),
        {"sku": group.skus.get().pk, "quantity": 1, "billing_cycle": "monthly"},
    )
    item = CartItem.objects.get()
    client.force_login(shop["client_user"])
    assert client.post(reverse("billing:cart_remove", args=[item.pk])).status_code == 404
    assert CartItem.objects.filter(pk=item.pk).exists()
