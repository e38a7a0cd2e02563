"""Invoice pages: the client's invoices, the reseller's (issued to its clients, received from
the platform), one invoice as a page or a PDF, a credit note, the reseller's invoicing details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from customers.models import Client
from customers.roles import reseller_owner_required, reseller_required
from customers.views.common import add_service_errors

from ..forms_invoices import CreditNoteForm, InvoiceSettingsForm
from ..invoices import credit_notes, selectors, services
from ..invoices.delivery import document_context, pdf_filename, pdf_render
from ..selectors_wallets import Money

PAGE_SIZE = 50


def _member(request: HttpRequest):
    membership = request.membership
    if not membership:  # a lazy object: never None itself
        raise PermissionDenied
    return membership


@require_GET
@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    """A client's invoices; for a reseller, the invoices it issued (one client's with ?client=)."""
    actor = _member(request)
    client = None
    if actor.is_client:
        found = selectors.client_invoices(actor=actor)
    else:
        client_id = request.GET.get("client", "")
        client_id = int(client_id) if client_id.isdigit() else None
        found = selectors.reseller_client_invoices(actor=actor, client_id=client_id)
        if client_id is not None:
            client = Client.objects.get(pk=client_id)  # the selector checked it is the reseller's
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "client": client, "mode": "issued"}
    context["query"] = f"client={client.pk}" if client else ""
    return render(request, "billing/invoices/list.html", context)


@require_GET
@reseller_required
def platform_invoice_list(request: HttpRequest) -> HttpResponse:
    found = selectors.reseller_platform_invoices(actor=request.membership)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/invoices/list.html", {"page": page, "mode": "received"})


@require_GET
@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _member(request)
    invoice = selectors.invoice_get(actor=actor, pk=pk)
    return render(
        request,
        "billing/invoices/detail.html",
        {**document_context(invoice), "can_credit": selectors.creditable(invoice, actor)},
    )


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(actor=_member(request), pk=pk)
    response = HttpResponse(
        pdf_render(invoice, paper=request.GET.get("paper")), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return response


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def credit_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership
    invoice = selectors.invoice_get(actor=actor, pk=pk)
    if not selectors.creditable(invoice, actor):
        raise PermissionDenied
    form = CreditNoteForm(
        request.POST if request.method == "POST" else None, currency=invoice.currency
    )
    if form.is_valid():
        try:
            note = credit_notes.credit_note_issue(
                actor=actor,
                invoice=invoice,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Credit note %(number)s issued.") % {"number": note})
            return redirect("billing:invoice", pk=note.pk)
    creditable = Money(credit_notes.creditable_minor(invoice), invoice.currency)
    return render(
        request,
        "billing/invoices/credit_note.html",
        {"invoice": invoice, "form": form, "creditable": creditable},
    )


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def invoice_settings(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    profile = selectors.issuer_profile_of(actor=actor)
    form = InvoiceSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=InvoiceSettingsForm.initial_from(profile),
    )
    if form.is_valid():
        try:
            services.issuer_profile_set(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invoice details saved."))
            return redirect("billing:invoice_settings")
    return render(request, "billing/invoices/settings.html", {"form": form})
