"""The pages: a client's invoices (list, page, PDF), the reseller's (its clients', its own from
the platform, a credit note, its details), the admin's read-only list; the invoice mail."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from billing.invoices.close import invoices_close, reseller_month_close
from billing.invoices.delivery import pdf_render
from billing.invoices.models import Invoice, InvoiceLine, IssuerProfile
from customers.models import Role
from tests.billing.renewals.helpers import balance, tenants
from tests.factories import UserFactory, client_member, reseller_member

from .helpers import D, funded, issuer, renewal_at, utc

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def world():
    reseller, client, owner = tenants()
    issuer(reseller, footer="IBAN FR76 0000", tax_rate=D("20"))
    issuer(None, legal_name="Platform SAS", invoice_prefix="PF")
    funded(client)
    number = renewal_at(client, utc(2026, 11, 9, 10), retail="10.00")
    invoices_close(month=NOV, now=utc(2026, 12, 1, 9), email=False)
    return {
        "reseller": reseller, "client": client, "owner": owner, "number": number,
        "invoice": Invoice.objects.get(client=client),
        "platform_invoice": Invoice.objects.get(recipient_reseller=reseller),
    }  # fmt: skip


def pdf_text(content: bytes) -> tuple[str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    return "\n".join(page.extract_text() for page in reader.pages), (
        round(float(box.width)),
        round(float(box.height)),
    )


def test_a_client_lists_views_and_downloads_its_invoice(client, world):
    invoice = world["invoice"]
    client.force_login(client_member(world["client"], Role.CLIENT_USER).user)
    listing = client.get(reverse("billing:invoices"))
    assert invoice.number in listing.content.decode()
    page = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert world["number"].e164 in page
    assert "IBAN FR76 0000" in page
    assert "Platform SAS" not in page
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert invoice.number in response["Content-Disposition"]
    text, size = pdf_text(response.content)
    assert invoice.number in text
    assert world["number"].e164 in text
    assert "Wave Voice Ltd" in text
    assert "10.00" in text and "8.33" in text and "1.67" in text  # gross, net, tax
    assert f"Lines (amounts in {invoice.currency})" in text
    line = invoice.lines.get()
    # Within one year, the period says it once, at its end.
    start = f"{line.supply_start:%-d %b}" + (
        "" if line.supply_start.year == line.supply_end.year else f"{line.supply_start: %Y}"
    )
    period = f"{start} \u2013 {line.supply_end:%-d %b %Y}"
    # One row of figures, in the order of the headings.
    assert f"{period} 1 8.33 1.67 10.00" in " ".join(text.split())
    assert "Tax 20 %" in text  # one rate on the invoice: said once, in the heading
    assert size == (595, 842)  # A4 in points


def test_the_pdf_comes_in_letter_size_too(client, world):
    client.force_login(client_member(world["client"]).user)
    response = client.get(reverse("billing:invoice_pdf", args=[world["invoice"].pk]), {
        "paper": "letter"})  # fmt: skip
    assert pdf_text(response.content)[1] == (612, 792)


def test_a_two_hundred_line_invoice_prints_every_line():
    reseller, client, _owner = tenants()
    funded(client, 10**7)
    for day in range(200):
        renewal_at(client, utc(2026, 11, 1 + day % 28, 10, day % 60), retail="1.00")
    reseller_month_close(reseller=reseller, month=NOV, now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(client=client)
    reader = PdfReader(io.BytesIO(pdf_render(invoice)))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert text.count("Renewal:") == 200
    assert "200.00" in text
    # The lines run over several pages, each under the columns' heading; the one after the
    # last page of lines (if any) has none.
    assert len(pages) > 1
    with_lines = [page for page in pages if "Renewal:" in page]
    assert all(page.count("Description") == 1 for page in with_lines)
    assert all("Supply period" in page for page in with_lines)
    assert all("Description" not in page for page in pages[len(with_lines) :])


def test_a_long_description_is_printed_whole_on_continuation_lines():
    """Lines are immutable once issued: an unsaved invoice stands in for one with a long
    description (only the PDF is looked at)."""
    words = [f"w{i}rd" for i in range(60)]
    invoice = Invoice(
        number="INV-LONG-1", currency="USD", issue_date=dt.date(2026, 12, 1),
        period_start=NOV, period_end=dt.date(2026, 11, 30), net_minor=300, tax_minor=0,
        gross_minor=300, tax_summary=[], payments=[], issuer_snapshot={"name": "Wave"},
        recipient_snapshot={"name": "Acme"},
    )  # fmt: skip
    lines = [
        InvoiceLine(description=description, quantity=1, tax_rate=D("0"), net_minor=100,
                    tax_minor=0, gross_minor=100)
        for description in ("First line", " ".join(words), "Last line")
    ]  # fmt: skip
    context = {"invoice": invoice, "lines": lines, "credited_minor": 0, "logo_src": ""}
    with mock.patch("billing.invoices.delivery.document_context", return_value=context):
        text, size = pdf_text(pdf_render(invoice, paper="letter"))
    assert size == (612, 792)
    printed = text.split()
    assert [word for word in printed if word.startswith("w") and word.endswith("rd")] == words
    assert printed.index("First") < printed.index(words[0]) < printed.index(words[-1])
    assert printed.index(words[-1]) < printed.index("Last")
    assert text.count("Description") == 1  # one page: the heading once, no running copy


def test_another_clients_or_resellers_invoice_is_not_found(client, world):
    _r, stranger, other_owner = tenants()
    client.force_login(client_member(stranger).user)
    for name in ("billing:invoice", "billing:invoice_pdf"):
        for invoice in (world["invoice"], world["platform_invoice"]):
            assert client.get(reverse(name, args=[invoice.pk])).status_code == 404
    client.force_login(other_owner.user)
    for name in ("billing:invoice", "billing:invoice_pdf", "billing:credit_note_create"):
        assert client.get(reverse(name, args=[world["invoice"].pk])).status_code == 404
    # A client never sees its reseller's invoice from the platform.
    client.force_login(client_member(world["client"]).user)
    url = reverse("billing:invoice", args=[world["platform_invoice"].pk])
    assert client.get(url).status_code == 404


def test_the_reseller_sees_its_clients_invoices_and_its_own(client, world):
    client.force_login(reseller_member(world["reseller"], Role.RESELLER_STAFF).user)
    issued = client.get(reverse("billing:invoices"), {"client": world["client"].pk})
    assert world["invoice"].number in issued.content.decode()
    received = client.get(reverse("billing:platform_invoices")).content.decode()
    assert world["platform_invoice"].number in received
    assert world["invoice"].number not in received
    page = client.get(reverse("billing:invoice", args=[world["platform_invoice"].pk]))
    assert "Platform SAS" in page.content.decode()


def test_the_owner_issues_a_credit_note_through_the_form(client, world):
    invoice = world["invoice"]
    client.force_login(world["owner"].user)
    url = reverse("billing:credit_note_create", args=[invoice.pk])
    too_much = client.post(url, {"amount": "10.01", "reason": "Outage"})
    assert too_much.status_code == 200
    assert "At most 10.00" in too_much.content.decode()
    before = balance(world["client"])
    response = client.post(url, {"amount": "2.50", "reason": "Outage"})
    note = Invoice.objects.get(corrects=invoice)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:invoice", args=[note.pk])
    assert balance(world["client"]) - before == 250


def test_staff_may_not_issue_credit_notes(client, world):
    client.force_login(reseller_member(world["reseller"], Role.RESELLER_STAFF).user)
    url = reverse("billing:credit_note_create", args=[world["invoice"].pk])
    assert client.post(url, {"amount": "1.00", "reason": "x"}).status_code == 403


def test_the_owner_saves_its_invoice_details(client, world):
    client.force_login(world["owner"].user)
    url = reverse("billing:invoice_settings")
    refused = client.post(url, {"invoice_prefix": "BAD PREFIX!", "tax_rate": "20",
                                "paper_size": "A4", "country_tax_rates": "XX 5"})  # fmt: skip
    assert refused.status_code == 200
    assert IssuerProfile.objects.get(reseller=world["reseller"]).invoice_prefix == "WAVE"
    response = client.post(url, {
        "legal_name": "Wave SARL", "invoice_prefix": "wv", "tax_rate": "20",
        "paper_size": "letter", "country_tax_rates": "DE 19\nAT 20", "country": "FR",
    })  # fmt: skip
    assert response.status_code == 302
    profile = IssuerProfile.objects.get(reseller=world["reseller"])
    assert (profile.legal_name, profile.invoice_prefix, profile.paper_size) == (
        "Wave SARL", "WV", "letter",
    )  # fmt: skip
    assert profile.country_tax_rates == {"DE": "19.00", "AT": "20.00"}
    assert not profile.prices_include_tax  # the box was left unticked
    world["invoice"].refresh_from_db()
    assert world["invoice"].issuer_snapshot["name"] == "Wave Voice Ltd"


def test_the_admin_lists_invoices_read_only(client, world):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:billing_invoice_changelist"))
    assert world["invoice"].number in listing.content.decode()
    change = client.get(reverse("admin:billing_invoice_change", args=[world["invoice"].pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


def test_the_invoice_is_mailed_with_its_pdf_in_the_resellers_brand():
    reseller, client, _owner = tenants()
    admin = client_member(client, Role.CLIENT_ADMIN).user
    funded(client)
    renewal_at(client, utc(2026, 11, 9, 10))
    with TestCase.captureOnCommitCallbacks(execute=True):
        reseller_month_close(reseller=reseller, month=NOV, now=utc(2026, 12, 1, 9))
    (message,) = mail.outbox
    invoice = Invoice.objects.get(client=client)
    assert message.to == [admin.email]
    assert invoice.number in message.subject
    assert reseller.display_name in message.from_email
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert invoice.number in pdf_text(content)[0]
    assert "didhub" not in message.body + pdf_text(content)[0]
    invoice.refresh_from_db()
    assert invoice.emailed_at is not None


def test_the_resellers_logo_is_on_its_invoice_embedded_in_the_pdf(client, world, settings,
                                                                  tmp_path):  # fmt: skip
    from PIL import Image

    from customers.logos import logo_from_upload

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (120, 40), "#7c3aed").save(picture, "PNG")
    picture.size = picture.tell()
    reseller = world["reseller"]
    reseller.logo.save("logo.png", logo_from_upload(picture))
    invoice, platform_invoice = world["invoice"], world["platform_invoice"]

    reader = PdfReader(io.BytesIO(pdf_render(Invoice.objects.get(pk=invoice.pk))))
    assert len(reader.pages[0].images) == 1
    assert (reader.pages[0].images[0].image.size) == (120, 40)
    client.force_login(client_member(world["client"]).user)
    page = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert reverse("brand_logo", args=[reseller.slug]) in page
    # The platform's invoice to the reseller carries no reseller logo.
    reader = PdfReader(io.BytesIO(pdf_render(Invoice.objects.get(pk=platform_invoice.pk))))
    assert not reader.pages[0].images
