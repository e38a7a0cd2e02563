"""Every page as each role, on a phone (390x844) and on a desktop (1366x900), in real Chromium.

No page is wider than the window, prices and totals are on screen (not cut off to the right of
a table), nothing is reported in the console (CSP violations included), and each page leaves a
screenshot in test-artifacts/screenshots/ to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import DidGroup
from tests.billing.conftest import _fresh_sandboxes, catalog, sandbox_account, store  # noqa: F401
from tests.billing.orders_helpers import add_to_cart, buy, drive, fund
from tests.e2e.conftest import open_page, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
    # The narrowest phones still sold (and a 390 px phone with larger text) give 360 px.
    "phone-360": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
MONEY = re.compile(r"\d")
NATIONAL = re.compile(r"^\s*\(\d{3}\) \d{3}-\d{4}\s*$")  # a US number for a US client
# A finger needs about this much (WCAG 2.5.5, Apple's and Google's guidelines: 44-48 px).
TAP_TARGET = 44


@pytest.fixture(params=sorted(SIZES))
def sized_page(request, browser, live_server):
    page = open_page(browser, live_server.url, **SIZES[request.param])
    page.size_name = request.param
    yield page
    page.context.close()


@pytest.fixture
def shop_with_order(store, catalog):  # noqa: F811
    """The client admin of Globex with money, one delivered order and one line in the cart."""
    account = sandbox_account("pbxme", groups=4)
    store["client"].billing_country = "US"  # its US numbers read as (201) 555-0100
    store["client"].save(update_fields=["billing_country"])
    fund(store)
    bought, pick_group = DidGroup.objects.filter(
        account=account, needs_registration=False, available_count__gt=1
    ).order_by("-available_count", "id")[:2]
    order = buy(store, bought)
    for item in order.items.all():
        drive(item)
    add_to_cart(store, DidGroup.objects.get(external_id="us-1"))
    return {**store, "order": order, "pick_group": pick_group}


def fits(page, name: str, *on_screen: str) -> None:
    """No horizontal overflow; every element matching each selector in ``on_screen`` is visible,
    shows a figure and lies inside the window's width. Then a screenshot."""
    page.wait_for_load_state("load")
    # The configured width: a mobile browser widens its layout viewport (innerWidth) to fit
    # whatever overflows, so innerWidth alone would hide the overflow.
    width = page.viewport_size["width"]
    assert page.evaluate("window.innerWidth") == width, f"{name}: the page was zoomed out to fit"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page is {scroll}px wide in a {width}px window"
    for selector in on_screen:
        found = page.locator(selector)
        assert found.count(), f"{name}: nothing matches {selector}"
        for i in range(found.count()):
            element = found.nth(i)
            expect(element).to_be_visible()
            box = element.bounding_box()
            text = element.inner_text()
            right = box["x"] + box["width"]
            assert box["x"] >= 0 and right <= width + 0.5, (
                f"{name}: {selector} {text!r} is off screen at x={box['x']}..{right}"
            )
            assert MONEY.search(text), f"{name}: {selector} shows no figure: {text!r}"
    page.screenshot(
        path=str(_shots() / f"{page.size_name}-{name}.png"), full_page=True, caret="initial"
    )


def _shots():
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def nav_link(page, name: str):
    """A link of the main navigation, opening the menu first where it is folded (phones)."""
    menu = page.locator(".navmenu-button")
    if menu.is_visible():
        menu.click()
    link = page.locator("#mainnav").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    return link


def test_client_pages_fit_and_show_their_prices(sized_page, shop_with_order):
    page, shop = sized_page, shop_with_order
    order = shop["order"]
    sign_in(page, shop["client_user"].email, PASSWORD)
    fits(page, "client-dashboard", "#wallet-balance")

    # Every section is one tap (two on a phone) away from any page.
    for name in ("My numbers", "Wallet", "Team", "Profile"):
        nav_link(page, name)
        page.keyboard.press("Escape")
    nav_link(page, "Wallet")
    page.screenshot(path=str(_shots() / f"{page.size_name}-client-menu.png"), caret="initial")
    page.keyboard.press("Escape")
    nav_link(page, "Find a number").click()
    page.wait_for_url(re.compile(r"/numbers/browse/$"))
    fits(page, "client-browse-countries", ".country-card .from")

    page.goto("/numbers/browse/?country=US")
    fits(page, "client-browse-us", ".offers td.num")

    page.goto(f"/numbers/browse/{shop['pick_group'].pk}/")
    fits(page, "client-group", ".card td.num")
    checkboxes = page.locator(".picks input[type=checkbox]")
    assert checkboxes.count(), "the PBXme group offers no numbers to pick"
    for i in range(checkboxes.count()):
        box = checkboxes.nth(i).locator("xpath=..").bounding_box()  # the label is the target
        assert box["height"] >= TAP_TARGET, f"a pick is {box['height']}px tall"
        expect(checkboxes.nth(i).locator("xpath=..")).to_have_text(NATIONAL)

    page.goto("/cart/")
    fits(page, "client-cart", "td.num")
    page.goto("/checkout/")
    fits(page, "client-review", "td.num", "#checkout-total", "#wallet-after", "#buy")
    expect(page.get_by_text("Total charged now")).to_be_visible()

    page.goto(f"/orders/{order.reference}/")
    fits(page, "client-order", "td.num")
    expect(page.locator("td .mono")).to_have_text(NATIONAL)
    expect(page.locator("#order-state")).to_be_in_viewport()
    page.goto("/orders/")
    fits(page, "client-orders", "td.num")
    page.goto("/numbers/")
    fits(page, "client-numbers", "td.num", "td.mono")
    expect(page.locator("td.mono data")).to_have_text(NATIONAL)  # beside its links
    search = page.locator("#number-search").bounding_box()
    button = page.get_by_role("button", name="Search").bounding_box()
    assert abs(search["y"] - button["y"]) < 4, "the search button wrapped under its box"
    assert button["height"] < 60, "the search button's label wrapped"
    page.goto("/wallet/")
    fits(page, "client-wallet", ".stat-value", "#statement td.num")
    page.goto("/client/team/")
    fits(page, "client-team")
    page.goto("/client/profile/")
    fits(page, "client-profile")
    assert not page.console_errors, page.console_errors


def test_reseller_pages_fit_and_show_their_prices(sized_page, shop_with_order):
    page, shop = sized_page, shop_with_order
    client = shop["client"]
    sign_in(page, shop["owner"].email, PASSWORD)
    fits(page, "reseller-dashboard")
    for name in ("Clients", "Wallets", "Pricing", "Team", "Branding", "Security"):
        nav_link(page, name)
        page.keyboard.press("Escape")
    nav_link(page, "Clients").click()
    page.wait_for_url(re.compile(r"/reseller/clients/$"))
    fits(page, "reseller-clients")
    page.goto(f"/reseller/clients/{client.pk}/")
    fits(page, "reseller-client")
    page.goto("/reseller/wallets/")
    fits(page, "reseller-wallets", "#results td.num")
    page.goto(f"/reseller/clients/{client.pk}/wallet/")
    fits(page, "reseller-client-wallet", ".stat-value", "#statement td.num")
    page.goto("/reseller/pricing/")
    fits(page, "reseller-pricing", "#preview td.num")
    page.goto("/reseller/branding/")
    fits(page, "reseller-branding")
    page.goto("/reseller/team/")
    fits(page, "reseller-team")
    page.goto("/reseller/security/")
    fits(page, "reseller-security")
    page.goto("/orders/")
    fits(page, "reseller-orders", "td.num")
    page.goto(f"/orders/{shop['order'].reference}/")
    fits(page, "reseller-order", "td.num")
    page.goto(f"/numbers/browse/?country=US&client={client.pk}")
    fits(page, "reseller-browse-us", ".offers td.num")
    page.goto(f"/numbers/browse/{shop['pick_group'].pk}/?client={client.pk}")
    fits(page, "reseller-group", ".card td.num")
    page.goto("/reseller/clients/new/")
    fits(page, "reseller-client-form")
    page.goto("/accounts/password/change/")
    fits(page, "reseller-password")
    page.goto("/accounts/2fa/")
    fits(page, "reseller-2fa")
    assert not page.console_errors, page.console_errors


def test_sign_in_page_fits(sized_page, store):  # noqa: F811
    page = sized_page
    page.goto("/accounts/login/")
    fits(page, "login")
    expect(page.get_by_role("button", name="Sign in")).to_be_in_viewport()
    assert not page.console_errors, page.console_errors
