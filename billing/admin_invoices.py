"""Invoices and credit notes in the admin: all of them, read-only (issued documents never
change); the platform's own details are edited here (the profile without a reseller)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import ReadOnlyAdmin, ReadOnlyInline
from .invoices.models import DocumentSequence, Invoice, InvoiceLine, IssuerProfile
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
