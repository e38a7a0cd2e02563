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
    offer = page.locator("table.offers tbody tr", has_text="New York (212) 555")
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

    offer = page.locator("table.offers tbody tr", has_text="New York (212) 555")
    offer.get_by_role("link", name="View").click()
    page.wait_for_url(re.compile(r"/numbers/browse/\d+/"))
    expect(page.get_by_role("heading", name=re.compile(r"New York \(212\) 555"))).to_be_visible()
    expect(page.locator(".card").first).to_contain_text(RETAIL_212_555)
    no_providers(page)
    screenshot(page, "browse-offer")

    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/"))
    expect(page.get_by_text("Added to the cart.")).to_be_visible()
    row = page.locator("table tbody tr", has_text="New York (212) 555")
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

        offer = page.locator("table.offers tbody tr", has_text="New York (212) 555")
        expect(offer).to_contain_text(RETAIL_212_555)
        offer.get_by_role("link", name="View").click()
        page.wait_for_url(re.compile(r"/numbers/browse/\d+/"))
        expect(
            page.get_by_role("heading", name=re.compile(r"New York \(212\) 555"))
        ).to_be_visible()

        page.get_by_label("Quantity").fill("1")
        page.get_by_role("button", name="Add to cart").click()  # a plain form POST
        page.wait_for_url(re.compile(r"/cart/"))
        row = page.locator("table tbody tr", has_text="New York (212) 555")
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


@pytest.fixture
def demo_catalog(monkeypatch, settings):
    """``make demo``'s people, plans and the four sandboxes' catalog (each provider's spelling)."""
    settings.DEMO_MODE = True  # seed_demo runs only in the demo
    import io
    import socket

    from django.core.cache import cache
    from django.core.management import call_command

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("SANDBOX_PORT", str(sock.getsockname()[1]))
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()


def shown_rows(page) -> list[tuple[str, str, Decimal]]:
    """(area, type, monthly retail) of the rows on the page."""
    found = []
    for row in page.locator("table.offers tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        label = cells[0].split("\n")[0].strip()
        found.append((label, cells[1].strip(), Decimal(cells[5].split()[0].replace(",", ""))))
    return found


def areas_heading(page) -> int:
    text = page.locator("section[aria-label='Numbers'] h2").inner_text()
    return int(re.match(r"([\d,]+) areas? on offer", text).group(1).replace(",", ""))


def chip_total(page) -> int:
    counts = page.locator(".facet-list .count").all_inner_texts()
    return sum(int(count) for count in counts)


def test_the_five_countries_show_each_area_once_with_counts_that_agree(
    page, demo_catalog, screenshot
):
    """US → New York, Germany, UK → England, France, Japan by price: the card's count, the
    heading, the chips and the rows listed agree; each area is one row, names spelt one way."""
    sign_in(page, "client@example.com", "didhub-demo")
    page.goto("/numbers/browse/")
    cards = {}
    for card in page.locator(".country-card").all():
        name = card.locator(".country-name").inner_text().strip()
        cards[name] = int(re.search(r"(\d+) areas?", card.inner_text()).group(1))

    page.locator(".country-card", has_text="United States").click()
    page.wait_for_url(re.compile(r"country=US$"))
    assert cards["United States"] == areas_heading(page) == chip_total(page)
    facet(page, "New York").click()
    page.wait_for_url(re.compile(r"region=US-NY"))
    expect(page.locator(".crumbs")).to_contain_text("New York")
    assert areas_heading(page) == chip_total(page)
    assert "201" not in page.locator(".facet-list").inner_text().split()
    rows = shown_rows(page)
    assert all(re.match(r"^[A-Z][\w .'-]+ \(\d{3}\) \d{3}$", label) for label, _t, _p in rows)
    assert len(set(rows)) == len(rows)
    screenshot(page, "areas-us-new-york")

    for code, name, shot in (("DE", "Germany", "areas-de"), ("FR", "France", "areas-fr")):
        page.goto(f"/numbers/browse/?country={code}")
        assert cards[name] == areas_heading(page) == chip_total(page)
        labels, number = [], 1
        while True:
            labels += [(label, kind) for label, kind, _price in shown_rows(page)]
            if not page.locator("a[rel=next]").count():
                break
            number += 1
            page.goto(f"/numbers/browse/?country={code}&page={number}")
        assert len(labels) == len(set(labels)) == cards[name]
        assert not [label for label, _kind in labels if re.search(r"\b[A-Z]{3,}\b", label)]
        page.goto(f"/numbers/browse/?country={code}")
        screenshot(page, shot)

    page.goto("/numbers/browse/?country=GB")
    assert cards["United Kingdom"] == areas_heading(page) == chip_total(page)
    everywhere = {label: price for label, _kind, price in shown_rows(page)}
    facet(page, "England").click()
    page.wait_for_url(re.compile(r"region=GB-ENG"))
    england = shown_rows(page)
    assert areas_heading(page) == chip_total(page) == len(england)
    for label, _kind, price in england:  # drilling down keeps each area's best offer
        assert label not in everywhere or everywhere[label] == price, label
    facet(page, "Bristol").click()
    page.wait_for_url(re.compile(r"city=\d+"))
    expect(page.locator(".crumbs")).to_contain_text("England")
    expect(page.locator(".crumbs")).to_contain_text("Bristol")
    screenshot(page, "areas-gb-england-bristol")

    page.goto("/numbers/browse/?country=JP&sort=price")
    prices = [price for _label, _kind, price in shown_rows(page)]
    assert prices == sorted(prices) and len(prices) == cards["Japan"]
    screenshot(page, "areas-jp-by-price")
    assert not page.console_errors
    no_providers(page)
