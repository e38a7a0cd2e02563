"""Orders, order items (with the retry of dead letters) and provider events in the admin."""

from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_base import ReadOnlyAdmin, ReadOnlyInline
from .admin_ledger import minor_money
from .models_orders import Order, OrderItem, ProviderEvent
from .provisioning import order_item_retry
from .selectors_orders import platform_margin_by_currency, with_settlement


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = [
        "reference", "description", "quantity", "state", "provider_account", "external_id",
        "delivered_numbers", "attempts", "detail", "last_error",
    ]  # fmt: skip
    readonly_fields = fields
    show_change_link = True


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Margins are net of refunds (captured holds and the capture postings), and each column
    says whose it is: the reseller earns retail less wholesale, the platform wholesale less
    the provider's cost."""

    list_display = [
        "reference", "client", "reseller", "status", "retail", "reseller_margin",
        "platform_margin", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "reseller"]
    search_fields = ["reference", "client__name", "idempotency_key"]
    list_select_related = ["client", "reseller"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    readonly_fields = ["reseller_margin", "platform_margin"]

    def get_queryset(self, request):
        return with_settlement(super().get_queryset(request))

    @admin.display(description=_("retail total"), ordering="retail_total_minor")
    def retail(self, order: Order) -> str:
        return minor_money(order.retail_total_minor, order.currency)

    @admin.display(description=_("Reseller margin"), ordering="margin_minor")
    def reseller_margin(self, order: Order) -> str:
        return minor_money(order.margin_minor, order.currency)

    @admin.display(description=_("Platform margin"))
    def platform_margin(self, order: Order) -> str:
        return " ".join(
            minor_money(total, currency) for currency, total in platform_margin_by_currency(order)
        ) or minor_money(0, order.currency)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdmin):
    list_display = [
        "reference", "description", "state", "provider_account", "attempts", "updated_at",
        "last_error_short",
    ]  # fmt: skip
    list_filter = ["state", "provider_account"]
    search_fields = ["reference", "order__reference", "external_id"]
    list_select_related = ["provider_account"]
    actions = ["retry_provisioning"]

    @admin.display(description=_("last error"))
    def last_error_short(self, item: OrderItem) -> str:
        return Truncator(item.last_error).chars(80)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("billing.change_orderitem")

    @admin.action(description=_("Retry provisioning"), permissions=["retry"])
    def retry_provisioning(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        retried = sum(order_item_retry(item_id=pk) for pk in ids)
        sent = ngettext(
            "%(n)d item sent back to provisioning.",
            "%(n)d items sent back to provisioning.",
            retried,
        ) % {"n": retried}
        skipped = ngettext(
            "%(n)d skipped (not waiting for a person).",
            "%(n)d skipped (not waiting for a person).",
            len(ids) - retried,
        ) % {"n": len(ids) - retried}
        self.message_user(
            request,
            f"{sent} {skipped}",
            messages.SUCCESS if retried else messages.WARNING,
        )


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider_account", "event_id", "kind", "item", "outcome"]
    list_filter = ["provider_account", "kind"]
    search_fields = ["event_id", "item__reference"]
    list_select_related = ["provider_account", "item"]
    show_full_result_count = False
