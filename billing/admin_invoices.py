"""Invoices and credit notes in the admin: all of them, read-only (issued documents never
change); the platform's own details are edited here (the profile without a reseller)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from customers.views.common import add_service_errors

from .admin_base import ReadOnlyAdmin, ReadOnlyInline
from .forms_invoices import CreditNoteForm
from .invoices import credit_notes
from .invoices.models import DocumentSequence, Invoice, InvoiceLine, IssuerProfile, Series
from .money import format_minor


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["position", "kind", "description", "quantity", "supply_start", "supply_end",
              "tax_rate", "net_minor", "tax_minor", "gross_minor"]  # fmt: skip
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "issuer_key", "recipient_key", "period_start", "issue_date",
                    "total", "reverse_charge", "emailed_at"]  # fmt: skip
    list_filter = ["kind", "issuer_key", "reverse_charge", "currency"]
    search_fields = ["number", "client__name", "recipient_reseller__name"]
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline]
    show_full_result_count = False

    @admin.display(description=_("total"), ordering="gross_minor")
    def total(self, invoice: Invoice) -> str:
        return format_minor(invoice.gross_minor, invoice.currency)

    def get_urls(self):
        view = self.admin_site.admin_view(self.credit_note_view)
        return [
            path("<int:pk>/credit-note/", view, name="billing_invoice_credit_note"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = Invoice.objects.filter(pk=object_id).first()
        can_credit = bool(invoice and _platform_creditable(invoice) and request.user.is_staff)
        extra = {**(extra_context or {}), "can_credit": can_credit}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def credit_note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A platform admin credits the platform's invoice to a reseller (its wallet)."""
        invoice = get_object_or_404(Invoice.objects.select_related("recipient_reseller"), pk=pk)
        if not _platform_creditable(invoice):
            raise Http404
        form = CreditNoteForm(
            request.POST if request.method == "POST" else None, currency=invoice.currency
        )
        if request.method == "POST" and form.is_valid():
            try:
                note = credit_notes.platform_credit_note_issue(
                    user=request.user, invoice=invoice,
                    amount_minor=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note})
                return redirect("admin:billing_invoice_change", note.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Credit note for %(number)s") % {"number": invoice.number},
            "invoice": invoice,
            "form": form,
            "creditable": format_minor(credit_notes.creditable_minor(invoice), invoice.currency),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/invoice/credit_note.html", context)


def _platform_creditable(invoice: Invoice) -> bool:
    """The platform's own invoices to resellers, while something is left to credit."""
    return (
        invoice.kind == Series.INVOICE
        and invoice.issuer_id is None
        and invoice.recipient_reseller_id is not None
        and credit_notes.creditable_minor(invoice) > 0
    )


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "position", "kind", "description", "supply_start", "supply_end",
                    "tax_rate", "net_minor", "tax_minor", "gross_minor"]  # fmt: skip
    list_filter = ["kind", "issuer_key"]
    search_fields = ["invoice__number", "description"]
    list_select_related = ["invoice"]
    show_full_result_count = False


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(ReadOnlyAdmin):
    list_display = ["issuer_key", "series", "year", "last_number"]
    list_filter = ["series", "year"]


@admin.register(IssuerProfile)
class IssuerProfileAdmin(admin.ModelAdmin):
    """The platform's details (the row without a reseller) are the admin's to edit; a
    reseller's are its owner's (the portal's invoice details page), shown here read-only. A
    second platform profile is refused by a constraint (the form says so)."""

    list_display = ["__str__", "reseller", "country", "tax_id", "invoice_prefix",
                    "prices_include_tax", "tax_rate"]  # fmt: skip
    fields = ["legal_name", "address", "country", "tax_id", "invoice_prefix", "prices_include_tax",
              "tax_rate", "country_tax_rates", "footer", "paper_size", "time_zone"]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reseller")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.reseller_id is None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
