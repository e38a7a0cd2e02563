"""Renewal pages in real Chromium on a phone and a desktop, as each role that reaches them: no
horizontal overflow, figures on screen, no console error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.renewals.charging import renewals_run
from inventory.models import NumberStatus
from tests.billing.renewals.helpers import make_number, tenants, top_up
from tests.e2e.conftest import sign_in
from tests.e2e.test_phone import fits, sized_page  # noqa: F401
from tests.factories import PASSWORD, client_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def renewing():
    reseller, client, owner = tenants(release_prorated_credit=True)
    client.billing_country = "US"
    client.save(update_fields=["billing_country"])
    top_up(reseller, 100_000)
    admin = client_member(client)
    today = timezone.now().date()
    paid = make_number(client, anchor=today - dt.timedelta(days=3), k=1, retail="4.50")
    make_number(client, anchor=today + dt.timedelta(days=4), k=0, retail="12.00")
    overdue = make_number(client, anchor=today - dt.timedelta(days=32), k=1, retail="2.00")
    renewals_run()  # the overdue one enters grace (the client's wallet is empty)
    overdue.refresh_from_db()
    assert overdue.status == NumberStatus.GRACE
    return {"owner": owner, "admin": admin, "paid": paid, "client": client}


def test_client_admin_renewal_pages(sized_page, renewing):  # noqa: F811
    page = sized_page
    sign_in(page, renewing["admin"].user.email, PASSWORD)
    page.goto("/numbers/")
    fits(page, "renewals-client-numbers", "#renewals-due-soon", "#wallet-balance", "td.num")
    # 4.50 + 12.00, and 2.00 twice: the owed period and its next one, 27-30 days from now
    expect(page.locator("#renewals-due-soon")).to_have_text("20.50 USD")
    paid = renewing["paid"]
    page.locator(f"#number-{paid.pk}").get_by_role("button", name="Turn off").click()
    page.wait_for_load_state()
    expect(page.locator(f"#number-{paid.pk}")).to_contain_text("Cancels at period end")
    page.goto(f"/numbers/{paid.pk}/release/")
    fits(page, "renewals-release", "#release-price")
    expect(page.get_by_text("your wallet is credited")).to_be_visible()
    assert not page.console_errors, page.console_errors


def test_reseller_renewal_pages(sized_page, renewing):  # noqa: F811
    page = sized_page
    sign_in(page, renewing["owner"].user.email, PASSWORD)
    page.goto("/numbers/")
    fits(page, "renewals-reseller-numbers", "td.num")
    page.goto("/reseller/renewals/at-risk/")
    fits(page, "renewals-at-risk", "#at-risk td.num")
    page.goto("/reseller/renewals/settings/")
    fits(page, "renewals-settings")
    page.get_by_label("Grace days").fill("5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Renewal settings saved.")).to_be_visible()
    assert not page.console_errors, page.console_errors
