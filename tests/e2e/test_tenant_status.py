"""Paused tenants' pages in real Chromium, on a phone and on a desktop: the notice, the
read-only pages, the owner's confirm step and a refusal page fit the window, with no console
error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from customers.models import Client, Reseller
from inventory.models import DidGroup
from tests.billing.conftest import _fresh_sandboxes, catalog, store  # noqa: F401
from tests.billing.orders_helpers import add_to_cart, fund
from tests.e2e.conftest import open_page, sign_in, sign_out
from tests.e2e.test_phone import SIZES, fits
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["phone", "desktop"])
def sized_page(request, browser, live_server):
    page = open_page(browser, live_server.url, **SIZES[request.param])
    page.size_name = request.param
    yield page
    page.context.close()


def test_paused_pages_fit_and_say_why(sized_page, store, catalog):  # noqa: F811
    page = sized_page
    fund(store)
    add_to_cart(store, DidGroup.objects.get(external_id="us-1"))
    client = store["client"]
    Client.objects.filter(pk=client.pk).update(status=Client.Status.SUSPENDED)

    sign_in(page, store["client_user"].email, PASSWORD)
    expect(page.locator("#ordering-blocked")).to_contain_text("This account is suspended.")
    fits(page, "paused-client-dashboard")
    page.goto("/cart/")
    expect(page.locator("form[action*='/remove/']")).to_have_count(0)
    fits(page, "paused-client-cart")
    page.goto("/client/team/")
    expect(page.locator("#invite-paused")).to_be_visible()
    fits(page, "paused-client-team")
    sign_out(page)

    sign_in(page, store["owner"].email, PASSWORD)
    page.goto(f"/reseller/clients/{client.pk}/")
    expect(page.locator("#client-status")).to_contain_text("Suspended")
    fits(page, "paused-reseller-client")
    page.locator("#client-status").get_by_role("link", name="Close").click()
    expect(page.get_by_role("heading", name=f"Close {client.name}?")).to_be_visible()
    fits(page, "paused-client-close-confirm")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#client-status")).to_contain_text("Closed")
    assert Client.objects.get(pk=client.pk).status == Client.Status.CLOSED

    Reseller.objects.filter(pk=store["reseller"].pk).update(status=Reseller.Status.SUSPENDED)
    page.goto("/reseller/team/")
    expect(page.locator("#tenant-paused")).to_contain_text("Your account is suspended.")
    fits(page, "paused-reseller-team")
    assert not page.console_errors, page.console_errors
    page.goto(f"/reseller/clients/{client.pk}/status/?to=active")  # a stale link
    expect(page.locator("#refusal")).to_be_visible()
    fits(page, "paused-refusal")
    # Chromium reports the 403 itself as a failed load; nothing else may appear.
    others = [e for e in page.console_errors if "status of 403" not in e]
    assert not others, others
