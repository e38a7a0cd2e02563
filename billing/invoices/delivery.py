"""An invoice as a PDF (from the same template as its page) and by email, in the issuer's
brand: a client's invoice names its reseller, never the platform."""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import logging
import threading

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from customers.branding import PLATFORM_BRAND, brand_email, brand_for_reseller
from customers.models import Membership, Role

from .models import Invoice, PaperSize
from .printing import characters_per_line, printed_lines

logger = logging.getLogger("didhub.invoices")

EMAIL_BATCH = 200


def no_network_fetcher():
    """Only inline data: a document never fetches anything over the network or from disk
    (fonts are the system's, images are embedded). WeasyPrint is imported on first use: it
    takes a while and most processes never render a PDF."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def document_context(invoice: Invoice) -> dict:
    lines = list(invoice.lines.all())
    credited = sum(note.gross_minor for note in invoice.credit_notes.all())
    logo = ""
    if invoice.issuer_id and invoice.issuer.logo:  # the platform's documents carry none
        logo = reverse("brand_logo", args=[invoice.issuer.slug])
    return {"invoice": invoice, "lines": lines, "credited_minor": credited, "logo_src": logo}


def logo_data_uri(invoice: Invoice) -> str:
    """The issuing reseller's logo, embedded (the PDF fetches nothing): the stored logo is a
    re-encoded PNG of at most 512 pixels a side (customers/logos.py). Empty without one, or
    when its file is gone."""
    if not invoice.issuer_id or not invoice.issuer.logo:
        return ""
    try:
        with invoice.issuer.logo.open("rb") as logo:
            content = logo.read()
    except OSError:
        logger.warning("logo of reseller %s missing: PDF without it", invoice.issuer_id)
        return ""
    return "data:image/png;base64," + base64.b64encode(content).decode("ascii")


def pdf_render(invoice: Invoice, *, paper: str | None = None) -> bytes:
    paper = paper if paper in PaperSize.values else invoice.paper_size
    context = document_context(invoice)
    html = render_to_string(
        "billing/invoices/document_pdf.html",
        {
            **context,
            "printed": printed_lines(invoice, context["lines"], width=characters_per_line(paper)),
            "logo_src": logo_data_uri(invoice),
            "page_size": "Letter" if paper == PaperSize.LETTER else "A4",
        },
    )
    from weasyprint import HTML

    with _young_garbage_collected_once():
        return HTML(string=html, url_fetcher=no_network_fetcher()).write_pdf(
            stylesheets=[_stylesheet()], font_config=_font_config()
        )


@functools.cache
def _stylesheet():
    """The document's fixed styles, parsed once a process (~5 ms a render otherwise)."""
    from weasyprint import CSS

    return CSS(
        string=render_to_string("billing/invoices/document_pdf.css"),
        url_fetcher=no_network_fetcher(),
    )


_fonts = threading.local()


def _font_config():
    """The system's fonts, found once per thread rather than per render: a new font
    configuration re-reads Fontconfig's configuration files and starts an empty Pango font
    map, whose caches (each font's shaper, glyph metrics) a render would fill again (~5 % of
    a render). One per thread, as a Pango font map is not for two threads at once (the
    worker runs a pool of threads). Nothing in it depends on the document: the PDF is the
    same byte for byte."""
    font_config = getattr(_fonts, "config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _fonts.config = FontConfiguration()
    return font_config


@contextlib.contextmanager
def _young_garbage_collected_once():
    """A render allocates some hundred thousand objects, ~50,000 of them in reference cycles
    (WeasyPrint's box tree): with the collector on, the objects that stay alive while the
    document is laid out get walked again and again by the older generations' collections
    (~10 % of a render). Off during the render, then one collection of the youngest
    generation frees its cycles. The collector stays off if it was off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"


def invoices_email_enqueue(invoice_ids: list[int]) -> None:
    """Mail the invoices once the transaction that issued them commits."""
    from ..tasks import invoices_email_task

    batches = [invoice_ids[i : i + EMAIL_BATCH] for i in range(0, len(invoice_ids), EMAIL_BATCH)]
    for batch in batches:
        transaction.on_commit(lambda batch=batch: invoices_email_task.delay(batch))


def _recipients(invoice: Invoice) -> list[str]:
    if invoice.client_id:
        admins = Membership.objects.filter(client_id=invoice.client_id, role=Role.CLIENT_ADMIN)
        emails = sorted(admins.values_list("user__email", flat=True))
        return emails or [invoice.recipient_snapshot.get("email", "")]
    owners = Membership.objects.filter(
        reseller_id=invoice.recipient_reseller_id, client=None, role=Role.RESELLER_OWNER
    )
    return sorted(owners.values_list("user__email", flat=True)) or [
        invoice.recipient_snapshot.get("email", "")
    ]


def invoice_email_send(*, invoice_id: int) -> bool:
    """Mail one invoice with its PDF unless it was mailed already; True when sent now."""
    invoice = Invoice.objects.select_related("issuer").filter(pk=invoice_id).first()
    if invoice is None or invoice.emailed_at is not None:
        return False
    recipients = [address for address in _recipients(invoice) if address]
    if not recipients:
        return False
    brand = brand_for_reseller(invoice.issuer) if invoice.issuer else PLATFORM_BRAND
    context = {"invoice": invoice, "brand": brand, "url": settings.SITE_URL + reverse(
        "billing:invoice", args=[invoice.pk])}  # fmt: skip
    message = brand_email(
        brand=brand, template="billing/email/invoice", context=context, to=recipients
    )
    message.attach(pdf_filename(invoice), pdf_render(invoice), "application/pdf")
    message.send()
    Invoice.objects.filter(pk=invoice.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def invoices_email_send(*, invoice_ids: list[int]) -> int:
    sent = 0
    for invoice_id in invoice_ids:
        sent += invoice_email_send(invoice_id=invoice_id)
    return sent
