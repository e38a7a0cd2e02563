from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from audit.actions import Action
from audit.admin import AuditedAdminMixin

from .models import Cart, CartItem, ExchangeRate, MarkupRule
from .selectors import missing_exchange_rates
from .services import exchange_rate_set


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["base", "quote", "rate"]

    def clean(self):
        data = super().clean()
        for field in ("base", "quote"):
            if data.get(field):
                data[field] = data[field].upper()
        return data


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    form = ExchangeRateForm
    list_display = ["base", "quote", "rate", "updated_at", "updated_by"]
    search_fields = ["base", "quote"]
    list_select_related = ["updated_by"]

    def changelist_view(self, request, extra_context=None):
        for missing in missing_exchange_rates():
            self.message_user(request, str(missing), messages.WARNING)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        try:
            saved = exchange_rate_set(
                base=obj.base, quote=obj.quote, rate=obj.rate, user=request.user
            )
        except ValidationError as error:  # already validated by the form; keep it readable
            raise ValueError(error.messages) from error
        obj.pk = saved.pk


@admin.register(MarkupRule)
class MarkupRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = Action.MARKUP_SAVE
    audit_delete_action = Action.MARKUP_DELETE

    list_display = [
        "reseller", "level", "client", "country", "number_type", "percent", "fixed_setup",
        "fixed_monthly", "min_margin_monthly", "rounding",
    ]  # fmt: skip
    list_filter = ["level", "reseller", "rounding"]
    search_fields = ["reseller__name", "client__name", "country"]
    list_select_related = ["reseller", "client"]
    autocomplete_fields = ["reseller", "client"]


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    fields = [
        "group",
        "sku",
        "quantity",
        "billing_cycle",
        "setup_price",
        "monthly_price",
        "currency",
    ]
    readonly_fields = fields


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["client", "item_count", "updated_at"]
    search_fields = ["client__name"]
    list_select_related = ["client"]
    inlines = [CartItemInline]

    @admin.display(description="items")
    def item_count(self, cart: Cart) -> int:
        return cart.items.count()


@admin.register(CartItem)
class CartItemAdmin(admin.ModelAdmin):
    list_display = ["cart", "group", "quantity", "billing_cycle", "monthly_price", "currency"]
    list_select_related = ["cart__client", "group"]
    raw_id_fields = ["group", "sku", "cart"]


# --- the ledger, orders and provisioning -----------------------------------------------------
# Written only by services, and the ledger is immutable: the admin looks, and acts through the
# "Record a payment" page and the retry action, which call the services.


# The ledger and orders admins live in their own modules; importing them registers them.
from . import (  # noqa: E402, F401
    admin_invoices,
    admin_ledger,
    admin_orders,
    admin_reconcile,
    admin_renewals,
)
