"""Back and forward through pages that HTMX swapped in place: no CSP violation, same page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.billing.conftest import catalog, shop  # noqa: F401
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_history_restore_after_in_place_browsing_breaks_no_csp_rule(page, shop):  # noqa: F811
    sign_in(page, shop["client_user"].email, PASSWORD)
    page.goto("/numbers/browse/?country=US")
    page.evaluate("window.__same = true")
    page.locator(".facet-list a", has_text="New York").click()
    page.wait_for_url(re.compile(r"region=US-NY"))
    page.locator(".facet-list a", has_text="212").first.click()
    page.wait_for_url(re.compile(r"npa=212"))

    page.go_back()
    page.wait_for_url(re.compile(r"region=US-NY$"))
    expect(page.get_by_role("heading", name="Area codes")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"country=US$"))
    expect(page.get_by_role("heading", name="States")).to_be_visible()
    page.go_forward()
    page.wait_for_url(re.compile(r"region=US-NY$"))
    expect(page.get_by_role("heading", name="Area codes")).to_be_visible()
    assert page.evaluate("window.__same === true")  # restored by HTMX, not reloaded

    # A cache miss (the snapshot was evicted): HTMX asks the server for the whole page.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.go_back()
    page.wait_for_url(re.compile(r"country=US$"))
    expect(page.get_by_role("heading", name="States")).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)

    # The wallet's statement filters push their URL too.
    page.goto("/wallet/")
    page.locator("#id_q").fill("nothing-like-this")
    page.wait_for_url(re.compile(r"q=nothing-like-this"))
    expect(page.get_by_text("No transactions match these filters.")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"/wallet/$"))
    expect(page.get_by_text("No transactions match these filters.")).to_have_count(0)
    assert not page.console_errors, page.console_errors
