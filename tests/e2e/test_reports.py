"""The reseller's reports dashboard in real Chromium on phones and a desktop: no horizontal
overflow, figures on screen, every chart and its table visible, no console error (the CSP
refuses inline scripts and styles, so an SVG drawn with either would show up here)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_phone import fits, sized_page  # noqa: F401
from tests.factories import PASSWORD, reseller_member
from tests.reports.test_pages import business

pytestmark = pytest.mark.django_db(transaction=True)


def test_reseller_reports_dashboard(sized_page):  # noqa: F811
    page = sized_page
    reseller, clients = business()
    sign_in(page, reseller_member(reseller).user.email, PASSWORD)
    page.goto("/reseller/reports/")
    fits(page, "reports-dashboard", "#figure-mrr", "#figure-margin-month", "#figure-cash")
    expect(page.locator("#figure-mrr")).to_have_text("5.50 USD")
    for chart in ("money", "numbers", "countries"):
        figure = page.locator(f"figure[aria-labelledby='chart-{chart}-title']")
        expect(figure.locator("svg")).to_be_visible()
        assert figure.locator("svg rect").count() > 0
        box = figure.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5
    for table in ("money", "numbers", "countries", "types", "top-revenue"):
        expect(page.locator(f"#table-{table}")).to_be_visible()
    page.get_by_role("link", name=clients[1].name).first.click()
    page.wait_for_load_state()
    fits(page, "reports-client", "#figure-mrr")
    assert not page.console_errors, page.console_errors
