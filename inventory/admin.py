from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from audit.admin import AuditedAdminMixin

from .accounts import REQUIRED_CREDENTIALS
from .models import City, Country, DidGroup, NanpaPrefix, Number, ProviderAccount, Region, Sku
from .providers.registry import PROVIDERS
from .tasks import provider_check_task, provider_sync_task

# Every credential key a registered provider takes; the form shows the ones the kind needs.
CREDENTIAL_KEYS = tuple(dict.fromkeys(key for d in PROVIDERS.values() for key in d.credentials))
PUBLIC_CREDENTIALS = frozenset(key for d in PROVIDERS.values() for key in d.public_credentials)

# One optional field per key, declared (the admin's fieldsets need declared fields).
_CredentialFields = type(
    "CredentialFields",
    (forms.Form,),
    {
        key: forms.CharField(
            required=False,
            widget=forms.TextInput()
            if key in PUBLIC_CREDENTIALS
            else forms.PasswordInput(render_value=False),
        )
        for key in CREDENTIAL_KEYS
    },
)


class ProviderAccountForm(_CredentialFields, forms.ModelForm):
    """Secrets are write-only: the form shows which are set, never their values."""

    base_url = forms.URLField(assume_scheme="https", max_length=300)
    new_webhook_secret = forms.CharField(
        label=_("Webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one."),
    )

    class Meta:
        model = ProviderAccount
        fields = [
            "kind", "name", "base_url", "currency", "rate_limit", "countries", "enabled",
            "sandbox", "sandbox_faults", "low_balance_threshold",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.credentials or {} if self.instance.pk else {}
        for key in CREDENTIAL_KEYS:
            if key in PUBLIC_CREDENTIALS:
                self.fields[key].initial = stored.get(key, "")
            elif stored.get(key):
                self.fields[key].help_text = _("Set. Leave empty to keep it.")

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or self.instance.kind
        credentials = dict(self.instance.credentials or {}) if self.instance.pk else {}
        for key in CREDENTIAL_KEYS:
            if data.get(key):
                credentials[key] = data[key]
        if kind in REQUIRED_CREDENTIALS:
            credentials = {k: v for k, v in credentials.items() if k in REQUIRED_CREDENTIALS[kind]}
            for key in REQUIRED_CREDENTIALS[kind]:
                if not credentials.get(key):
                    self.add_error(
                        key if key in self.fields else None, _("Required for this provider.")
                    )
        self.instance.credentials = credentials
        if data.get("new_webhook_secret"):
            self.instance.webhook_secret = data["new_webhook_secret"]
        return data


@admin.register(ProviderAccount)
class ProviderAccountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ProviderAccountForm
    audit_action = Action.PROVIDER_ACCOUNT_CHANGE
    audit_delete_action = Action.PROVIDER_ACCOUNT_DELETE
    audit_secret_fields = (*CREDENTIAL_KEYS, "new_webhook_secret")
    list_display = [
        "name", "kind", "sandbox", "enabled", "balance_display", "last_check_ok",
        "last_sync_at", "last_sync_status", "group_count",
    ]  # fmt: skip
    list_filter = ["kind", "enabled", "sandbox", "last_sync_status"]
    search_fields = ["name", "base_url"]
    readonly_fields = [
        "balance", "balance_checked_at", "last_check_ok", "last_check_detail", "last_sync_at",
        "last_sync_status", "last_sync_seconds", "last_sync_counts", "last_sync_error",
        "created_at",
    ]  # fmt: skip
    actions = ["test_connection", "sync_now"]
    fieldsets = (
        (None, {"fields": ("kind", "name", "base_url", "currency", "rate_limit", "enabled")}),
        (_("Credentials"), {"fields": (*CREDENTIAL_KEYS, "new_webhook_secret")}),
        (_("Coverage"), {"fields": ("countries",)}),
        (_("Balance"), {"fields": ("low_balance_threshold",)}),
        (_("Trunks"), {"fields": ("sip_server_alias",)}),
        (_("Sandbox"), {"fields": ("sandbox", "sandbox_faults"), "classes": ("collapse",)}),
        (_("Status"), {"fields": readonly_fields}),
    )  # fmt: skip

    @admin.display(description=_("balance"))
    def balance_display(self, account: ProviderAccount) -> str:
        return "—" if account.balance is None else f"{account.balance:.2f} {account.currency}"

    @admin.display(description=_("groups"))
    def group_count(self, account: ProviderAccount):
        return (account.last_sync_counts or {}).get("groups", "—")

    @admin.action(description=_("Test connection (queued)"))
    def test_connection(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        transaction.on_commit(lambda: [provider_check_task.delay(pk) for pk in ids])
        self.message_user(
            request, _("Connection test queued for %d account(s).") % len(ids), messages.SUCCESS
        )

    @admin.action(description=_("Sync coverage now (queued)"))
    def sync_now(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        transaction.on_commit(lambda: [provider_sync_task.delay(pk) for pk in ids])
        self.message_user(request, _("Sync queued for %d account(s).") % len(ids), messages.SUCCESS)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country"]
    list_filter = ["country"]
    search_fields = ["code", "name"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region"]
    list_filter = ["country"]
    search_fields = ["name"]
    list_select_related = ["country", "region"]


@admin.register(NanpaPrefix)
class NanpaPrefixAdmin(admin.ModelAdmin):
    list_display = ["npa", "nxx", "country", "region"]
    list_filter = ["country"]
    search_fields = ["npa", "nxx"]


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    fields = ["external_id", "setup_price", "monthly_price", "currency", "channels", "retired_at"]
    readonly_fields = fields


@admin.register(DidGroup)
class DidGroupAdmin(admin.ModelAdmin):
    list_display = [
        "area_name", "country", "region", "npa", "nxx", "number_type", "account",
        "available_count", "needs_registration", "retired_at",
    ]  # fmt: skip
    list_filter = [
        "account",
        "number_type",
        "needs_registration",
        "country",
        ("retired_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["external_id", "area_name", "npa", "area_prefix"]
    list_select_related = ["account", "country", "region"]
    raw_id_fields = ["country", "region", "city"]
    inlines = [SkuInline]
    show_full_result_count = False  # counting 250k rows per page view is not worth it


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["external_id", "group", "setup_price", "monthly_price", "currency", "channels"]
    search_fields = ["external_id", "group__external_id"]
    raw_id_fields = ["group"]
    show_full_result_count = False


@admin.register(Number)
class NumberAdmin(admin.ModelAdmin):
    """Numbers are created by provisioning and changed by their services: read-only here."""

    list_display = [
        "e164", "client", "reseller", "provider_account", "status", "state_reason",
        "state_until", "provider_blocked", "auto_renew", "paid_until", "renewal_due_at",
    ]  # fmt: skip
    # Numbers by state: the renewal states, why, and the provider's own blocks.
    list_filter = [
        "status", "state_reason", "provider_blocked", "auto_renew", "provider_account", "reseller",
    ]  # fmt: skip
    search_fields = ["e164", "client__name", "order_reference"]
    list_select_related = ["client", "reseller", "provider_account"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The upstream action queue has its own module; importing it registers it.
from . import admin_routing, admin_upstream  # noqa: E402, F401
