from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin

from .domains import new_domain_token
from .logos import logo_from_upload
from .models import Client, Invitation, Membership, Reseller, User
from .services_status import client_status_set, reseller_status_set


class MembershipInline(admin.StackedInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["reseller", "client"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    audit_secret_fields = ("password",)

    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "membership__role"]
    search_fields = ["email", "full_name"]
    list_select_related = ["membership__reseller", "membership__client"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "time_zone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description=_("role"))
    def role(self, user: User) -> str:
        membership = getattr(user, "membership", None)
        if membership is None:
            return _("Platform admin") if user.is_staff else "—"
        return f"{membership.get_role_display()} · {membership.client or membership.reseller}"


class ClientInline(admin.TabularInline):
    model = Client
    extra = 0
    fields = ["name", "contact_email", "status"]
    readonly_fields = ["status"]  # changed on the client's own page, through its service
    show_change_link = True


class ResellerAdminForm(forms.ModelForm):
    """The admin's logo upload is checked and re-encoded like the owner's (see logos.py)."""

    logo = forms.FileField(label=_("logo"), required=False)

    class Meta:
        model = Reseller
        fields = [f.name for f in Reseller._meta.fields if f.editable and not f.auto_created]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and "logo" in self.changed_data:
            return logo_from_upload(logo, name=f"{self.cleaned_data.get('slug') or 'brand'}-logo")
        return logo


@admin.register(Reseller)
class ResellerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ResellerAdminForm
    list_display = [
        "name",
        "display_name",
        "slug",
        "currency",
        "status",
        "client_count",
        "created_at",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["name", "display_name", "slug", "support_email", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["domain_verified_at", "domain_checked_at"]
    inlines = [ClientInline]

    def save_model(self, request, obj: Reseller, form, change: bool) -> None:
        # A status change goes through its service (who may, and what follows from it).
        new_status = obj.status
        status_changed = change and "status" in form.changed_data
        if status_changed:
            obj.status = form.initial["status"]
        self._save_domain(obj, form)
        super().save_model(request, obj, form, change)
        if status_changed:
            obj.status = reseller_status_set(
                actor=request.user, reseller=obj, status=new_status
            ).status

    def _save_domain(self, obj: Reseller, form) -> None:
        # A domain changed here must be proved like one the owner sets: until then it does
        # nothing (and the check refuses a domain the branding page would refuse).
        if "domain" in form.changed_data:
            obj.domain = obj.domain.strip().lower()
            obj.domain_token = new_domain_token() if obj.domain else ""
            obj.domain_changed_at = timezone.now() if obj.domain else None
            obj.domain_checked_at = obj.domain_verified_at = None

    @admin.display(description=_("clients"))
    def client_count(self, reseller: Reseller) -> int:
        return reseller.clients.count()


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "reseller", "contact_email", "billing_country", "status", "created_at"]
    list_filter = ["status", "reseller"]
    search_fields = ["name", "contact_name", "contact_email", "reseller__name"]
    list_select_related = ["reseller"]
    autocomplete_fields = ["reseller"]

    def save_model(self, request, obj: Client, form, change: bool) -> None:
        # A status change goes through its service, like the reseller owner's.
        new_status = obj.status
        status_changed = change and "status" in form.changed_data
        if status_changed:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if status_changed:
            obj.status = client_status_set(actor=request.user, client=obj, status=new_status).status


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "reseller", "client", "created_at"]
    list_filter = ["role", "reseller"]
    search_fields = ["user__email", "reseller__name", "client__name"]
    list_select_related = ["user", "reseller", "client"]
    autocomplete_fields = ["user", "reseller", "client"]


@admin.register(Invitation)
class InvitationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["email", "role", "reseller", "client", "status", "created_at", "expires_at"]
    list_filter = ["role", "reseller", ("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "reseller__name", "client__name"]
    list_select_related = ["reseller", "client"]
    readonly_fields = ["accepted_at", "accepted_user", "created_at"]
    autocomplete_fields = ["reseller", "client", "invited_by"]


# allauth registers EmailAddress itself; make sure it can be searched by the owner's email.
if admin.site.is_registered(EmailAddress):
    admin.site.get_model_admin(EmailAddress).search_fields = ["email", "user__email"]
