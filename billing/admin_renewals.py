"""Renewal charges, read-only: written by the renewal job with their ledger transaction."""

from __future__ import annotations

from django.contrib import admin

from .admin_base import ReadOnlyAdmin
from .models import RenewalCharge, RenewalNotice


@admin.register(RenewalCharge)
class RenewalChargeAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "client", "reseller", "period_start", "period_end", "retail_minor",
        "wholesale_minor", "cost_minor", "currency", "waived", "transaction", "created_at",
    ]  # fmt: skip
    list_filter = ["waived", "currency", "reseller"]
    search_fields = ["number__e164", "client__name"]
    list_select_related = ["number", "client", "reseller", "transaction"]
    date_hierarchy = "period_start"
    show_full_result_count = False


@admin.register(RenewalNotice)
class RenewalNoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "period_start", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["number__e164"]
    list_select_related = ["number"]
    show_full_result_count = False
