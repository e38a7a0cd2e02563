"""The invoice pages in real Chromium at 390 and 1366 px: the client's list and invoice, the
reseller's clients' invoices, its own from the platform and its invoice details; nothing wider
than the window, nothing in the console (CSP included), the PDF link answering a PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.invoices.close import invoices_close
from billing.invoices.models import Invoice
from tests.billing.invoices.helpers import funded, issuer, renewal_at, utc
from tests.billing.renewals.helpers import tenants
from tests.e2e.conftest import open_page, sign_in
from tests.factories import PASSWORD, client_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1366])
def test_the_invoice_pages_fit_the_window(browser, live_server, screenshot, width):
    reseller, client, owner = tenants()
    issuer(reseller, footer="IBAN FR76 3000 6000 0112 3456 7890 189", tax_rate=20)
    issuer(None, legal_name="Platform SAS", invoice_prefix="PF")
    funded(client)
    for day in (3, 9, 17):
        renewal_at(client, utc(2026, 11, day, 10), retail="10.00")
    invoices_close(month=dt.date(2026, 11, 1), now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(client=client)
    platform_invoice = Invoice.objects.get(recipient_reseller=reseller)
    admin = client_member(client)
    pages = {
        admin.user.email: ["/invoices/", f"/invoices/{invoice.pk}/"],
        owner.user.email: ["/invoices/", f"/invoices/{invoice.pk}/",
                           "/reseller/invoices/platform/", f"/invoices/{platform_invoice.pk}/",
                           "/reseller/invoices/settings/"],
    }  # fmt: skip
    for email, paths in pages.items():
        page = open_page(browser, live_server.url, viewport={"width": width, "height": 900})
        sign_in(page, email, PASSWORD)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
            screenshot(page, f"invoices-{width}-{path.strip('/').replace('/', '-')}")
        pdf = page.request.get(f"/invoices/{invoice.pk}/pdf/")
        assert pdf.headers["content-type"] == "application/pdf"
        assert page.console_errors == []
        page.context.close()
