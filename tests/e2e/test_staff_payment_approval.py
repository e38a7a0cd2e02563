"""A staff member records a payment above the limit, an owner approves it, and the owner's
audit log lists both — in real Chromium, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billing import ledger
from billing.models import PendingPayment
from customers.models import Role
from tests.e2e import test_phone as phone
from tests.e2e.conftest import open_page, sign_in, sign_out
from tests.factories import PASSWORD, ClientFactory, ResellerFactory, reseller_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["desktop", "phone"])
def sized_page(request, browser, live_server):
    page = open_page(browser, live_server.url, **phone.SIZES[request.param])
    page.size_name = request.param
    yield page
    page.context.close()


def test_staff_payment_over_the_limit_is_approved_and_both_are_in_the_audit_log(sized_page):
    page = sized_page
    reseller = ResellerFactory(display_name="Nova Voice")
    owner = reseller_member(reseller, Role.RESELLER_OWNER, email="olga@nova.example")
    staff = reseller_member(
        reseller, Role.RESELLER_STAFF, email="sam@nova.example", full_name="Sam Staff"
    )
    acme = ClientFactory(reseller=reseller, name="Acme")

    sign_in(page, staff.user.email, PASSWORD)
    page.goto(f"/reseller/clients/{acme.pk}/wallet/")
    expect(page.get_by_text("waits for an owner's approval")).to_be_visible()
    page.get_by_label("Amount (USD)").fill("1500")
    page.get_by_label("Reference").fill("WIRE-77")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    expect(page.get_by_text("not in the wallet yet")).to_be_visible()
    assert ledger.client_wallet(acme).balance_minor == 0
    page.goto("/reseller/payments/")
    expect(page.locator("#pending-payments")).to_contain_text("WIRE-77")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # staff cannot decide
    phone.fits(page, "payments-staff")
    sign_out(page)

    sign_in(page, owner.user.email, PASSWORD)
    link = phone.nav_link(page, "Payments 1")  # the badge counts what waits
    link.click()
    page.wait_for_url(re.compile(r"/reseller/payments/$"))
    phone.fits(page, "payments-owner", "#pending-payments td.num")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    expect(page.get_by_text("approved and added to the wallet")).to_be_visible()
    expect(page.get_by_text("approved by", exact=False).first).to_be_visible()
    assert ledger.client_wallet(acme).balance_minor == 150_000
    assert PendingPayment.objects.get().status == "approved"
    page.goto("/reseller/payments/limits/")
    phone.fits(page, "payment-limits")

    phone.nav_link(page, "Audit log").click()
    page.wait_for_url(re.compile(r"/reseller/audit/$"))
    submitted = page.locator('#audit-events tr[data-action="payment.submit"]')
    approved = page.locator('#audit-events tr[data-action="payment.approve"]')
    expect(submitted).to_contain_text("sam@nova.example")
    expect(submitted).to_contain_text("WIRE-77")
    expect(approved).to_contain_text("olga@nova.example")
    expect(approved).to_contain_text("1,500.00 USD")
    phone.fits(page, "audit-log")
    # The filters narrow it in place (HTMX) and the URL follows.
    page.get_by_label("Action").select_option("payment.approve")
    page.wait_for_url(re.compile(r"action=payment.approve"))
    expect(submitted).to_have_count(0)
    expect(approved).to_have_count(1)
    assert not page.console_errors, page.console_errors
