"""A client walks the number browser in a real browser, with and without JavaScript."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import CartItem
from tests.billing.conftest import catalog, shop  # noqa: F401
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# "idt" only at the start of a word: "width" (in every viewport meta tag) contains it.
PROVIDER_WORDS = re.compile(r"didww|didfarm|\bidt|pbxme", re.IGNORECASE)
# The cheapest 212-555 offer: 0.50 EUR * 1.10 = 0.55 USD → +10% wholesale → +50% retail.
RETAIL_212_555 = "0.92 USD"


def facet(page, text: str):
    """The link in the "narrow down" list labelled ``text`` (then its count): "212" is not
    "212-555"."""
    return page.locator(".facet-list a", has_text=re.compile(rf"^\s*{re.escape(text)}(?=\s|$)"))


def no_providers(page) -> None:
    found = PROVIDER_WORDS.findall(page.content())
    assert not found, f"provider names on {page.url}: {found}"


def one_page(page) -> None:
    """The fragment replaced #browser; it did not nest a second page inside the first."""
    expect(page.locator("#browser")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)


def test_client_walks_the_us_tree_in_place_and_adds_a_number_to_the_cart(
    page,
    shop,  # noqa: F811
    screenshot,
):
    sign_in(page, shop["client_user"].email, PASSWORD)
    page.goto("/numbers/browse/")
    expect(page.get_by_role("heading", name="Choose a country")).to_be_visible()
    expect(page.locator(".country-card", has_text="United States")).to_contain_text(
        f"from {RETAIL_212_555}/mo"
    )
    page.evaluate("window.__same = true")
    no_providers(page)
    screenshot(page, "browse-countries")

    page.locator(".country-card", has_text="United States").click()
    page.wait_for_url(re.compile(r"/numbers/browse/\?country=US$"))
    expect(page.get_by_role("heading", name="States")).to_be_visible()
    expect(facet(page, "Texas")).to_be_visible()
    assert page.evaluate("window.__same === true")  # swapped in place, no reload
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-states")

    facet(page, "New York").click()
    page.wait_for_url(re.compile(r"\?country=US&region=US-NY$"))
    expect(page.get_by_role("heading", name="Area codes")).to_be_visible()
    expect(facet(page, "212")).to_be_visible()
    expect(facet(page, "718")).to_be_visible()
    expect(facet(page, "Texas")).to_have_count(0)
    assert page.evaluate("window.__same === true")
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-state")

    facet(page, "212").click()
    page.wait_for_url(re.compile(r"\?country=US&region=US-NY&npa=212$"))
    expect(page.get_by_role("heading", name="Exchanges")).to_be_visible()
    expect(facet(page, "212-555")).to_be_visible()
    expect(facet(page, "212-556")).to_be_visible()
    expect(page.locator(".crumbs")).to_contain_text("Area code 212")
    assert page.evaluate("window.__same === true")
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-area-code")

    facet(page, "212-555").click()
    page.wait_for_url(re.compile(r"\?country=US&region=US-NY&npa=212&nxx=555$"))
    expect(page.get_by_role("heading", name="1 area on offer")).to_be_visible()
    offer = page.locator("table.offers tbody tr", has_text="New York (212-555)")
    expect(offer).to_contain_text(RETAIL_212_555)
    expect(page.locator(".facet-list")).to_have_count(0)
    assert page.evaluate("window.__same === true")
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-exchange")

    page.go_back()
    page.wait_for_url(re.compile(r"\?country=US&region=US-NY&npa=212$"))
    expect(page.get_by_role("heading", name="Exchanges")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"\?country=US&region=US-NY$"))
    expect(page.get_by_role("heading", name="Area codes")).to_be_visible()
    expect(facet(page, "212")).to_be_visible()
    expect(facet(page, "718")).to_be_visible()
    expect(page.get_by_role("heading", name="3 areas on offer")).to_be_visible()
    assert page.evaluate("window.__same === true")  # history restored in place too
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-back")

    offer = page.locator("table.offers tbody tr", has_text="New York (212-555)")
    offer.get_by_role("link", name="View").click()
    page.wait_for_url(re.compile(r"/numbers/browse/\d+/"))
    expect(page.get_by_role("heading", name=re.compile(r"New York \(212-555\)"))).to_be_visible()
    expect(page.locator(".card").first).to_contain_text(RETAIL_212_555)
    no_providers(page)
    screenshot(page, "browse-offer")

    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/"))
    expect(page.get_by_text("Added to the cart.")).to_be_visible()
    row = page.locator("table tbody tr", has_text="New York (212-555)")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(RETAIL_212_555)
    expect(row).to_contain_text("1 \N{MULTIPLICATION SIGN} any")
    no_providers(page)
    screenshot(page, "browse-cart")

    item = CartItem.objects.get()
    assert (item.quantity, item.monthly_price, item.currency) == (1, Decimal("0.92"), "USD")
    assert item.cart.client == shop["client"]
    assert page.console_errors == []


def test_the_same_walk_works_without_javascript(
    browser,
    live_server,
    shop,  # noqa: F811
    screenshot,
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 860}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, shop["client_user"].email, PASSWORD)
        page.wait_for_url(re.compile(r"/client/$"))

        page.goto("/numbers/browse/")
        page.locator(".country-card", has_text="United States").click()
        page.wait_for_url(re.compile(r"/numbers/browse/\?country=US$"))
        expect(page.get_by_role("heading", name="States")).to_be_visible()
        no_providers(page)

        facet(page, "New York").click()
        page.wait_for_url(re.compile(r"\?country=US&region=US-NY$"))
        expect(page.get_by_role("heading", name="Area codes")).to_be_visible()
        no_providers(page)

        facet(page, "212").click()
        page.wait_for_url(re.compile(r"\?country=US&region=US-NY&npa=212$"))
        expect(page.get_by_role("heading", name="Exchanges")).to_be_visible()
        no_providers(page)
        screenshot(page, "browse-nojs-area-code")

        facet(page, "212-555").click()
        page.wait_for_url(re.compile(r"\?country=US&region=US-NY&npa=212&nxx=555$"))
        expect(page.get_by_role("heading", name="1 area on offer")).to_be_visible()
        one_page(page)
        no_providers(page)

        offer = page.locator("table.offers tbody tr", has_text="New York (212-555)")
        expect(offer).to_contain_text(RETAIL_212_555)
        offer.get_by_role("link", name="View").click()
        page.wait_for_url(re.compile(r"/numbers/browse/\d+/"))
        expect(
            page.get_by_role("heading", name=re.compile(r"New York \(212-555\)"))
        ).to_be_visible()

        page.get_by_label("Quantity").fill("1")
        page.get_by_role("button", name="Add to cart").click()  # a plain form POST
        page.wait_for_url(re.compile(r"/cart/"))
        row = page.locator("table tbody tr", has_text="New York (212-555)")
        expect(row).to_contain_text(RETAIL_212_555)
        no_providers(page)
        screenshot(page, "browse-nojs-cart")
        assert CartItem.objects.get().quantity == 1
    finally:
        context.close()


def test_a_bookmarked_deep_url_renders_the_full_page(page, shop, screenshot):  # noqa: F811
    sign_in(page, shop["client_user"].email, PASSWORD)
    page.goto("/numbers/browse/?country=US&region=US-NY&npa=212")
    expect(page.get_by_role("heading", name="Find a number")).to_be_visible()
    expect(page.locator(".brand-name")).to_be_visible()  # the site chrome, not a fragment
    expect(page.locator(".crumbs")).to_contain_text("New York")
    expect(page.locator(".crumbs")).to_contain_text("Area code 212")
    expect(page.get_by_role("heading", name="Exchanges")).to_be_visible()
    expect(facet(page, "212-555")).to_be_visible()
    expect(facet(page, "212-556")).to_be_visible()
    expect(facet(page, "718")).to_have_count(0)
    expect(page.get_by_role("heading", name="2 areas on offer")).to_be_visible()
    one_page(page)
    no_providers(page)
    screenshot(page, "browse-bookmark")
    assert page.console_errors == []
