"""The audit log in the admin: read-only for everyone (no add, change or delete), and a mixin
that records what admins change through other models' pages."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model

from .actions import Action
from .models import AuditEvent
from .services import CHANGED, audit_record, field_changes


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "action", "actor_email", "actor_role", "reseller", "client",
        "target_label", "ip",
    ]  # fmt: skip
    list_filter = [
        "action",
        "actor_kind",
        ("reseller", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["actor_email", "target_label", "target_id", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["reseller", "client"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedAdminMixin:
    """Records each save and delete made through this ModelAdmin, inside the admin's own
    transaction. ``audit_secret_fields`` are recorded as "changed", never with their value;
    ``audit_action`` picks a specific code for this model's changes."""

    audit_action: str = Action.ADMIN_CHANGE
    audit_delete_action: str = Action.ADMIN_DELETE
    audit_secret_fields: tuple[str, ...] = ()

    def _audit_before(self, obj: Model, fields) -> dict:
        if obj.pk is None:
            return {}
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return {f: getattr(stored, f, None) for f in fields} if stored else {}

    def _audited_fields(self, obj: Model, changed_data) -> list[str]:
        concrete = {f.name for f in obj._meta.concrete_fields}
        return [f for f in changed_data if f in concrete or f in self.audit_secret_fields]

    def save_model(self, request, obj, form, change):
        fields = self._audited_fields(obj, form.changed_data)
        before = self._audit_before(obj, [f for f in fields if hasattr(obj, f)])
        super().save_model(request, obj, form, change)
        after = {f: getattr(obj, f, None) for f in fields}
        changes = field_changes(before, after, secrets=self.audit_secret_fields)
        for field in fields:  # a secret typed in is a change, whatever the model shows of it
            if field in self.audit_secret_fields:
                changes[field] = [CHANGED, CHANGED]
        if not change:
            changes = {"created": True, **changes}
        if changes:
            self.audit_saved(request, obj, changes)

    def audit_saved(self, request, obj: Model, changes: dict) -> None:
        audit_record(action=self.audit_action, target=obj, changes=changes, actor=request.user)

    def delete_model(self, request, obj):
        audit_record(action=self.audit_delete_action, target=obj, deleting=True, actor=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(
                action=self.audit_delete_action, target=obj, deleting=True, actor=request.user
            )
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Inlines (a user's membership, a reseller's clients) are audited row by row."""
        initial = {f.instance.pk: f.initial for f in formset.forms if f.instance.pk is not None}
        for gone in getattr(formset, "deleted_forms", []):
            if gone.instance.pk is not None:
                audit_record(
                    action=self.audit_delete_action,
                    target=gone.instance,
                    deleting=True,
                    actor=request.user,
                )
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            audit_record(
                action=Action.ADMIN_CHANGE,
                target=obj,
                changes={"created": True},
                actor=request.user,
            )
        for obj, changed in getattr(formset, "changed_objects", []):
            fields = self._audited_fields(obj, changed)
            before = {f: initial.get(obj.pk, {}).get(f) for f in fields}
            after = {f: getattr(obj, obj._meta.get_field(f).attname) for f in fields}
            changes = field_changes(before, after, secrets=self.audit_secret_fields)
            if changes:
                audit_record(
                    action=Action.ADMIN_CHANGE, target=obj, changes=changes, actor=request.user
                )
