"""The admin's read-only view of clients' destinations: a trunk whose job gave up shows the
provider's words here (clients only read that it could not be set up)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models_routing import Destination, NumberRoute
from .routing_trunks import trunk_delete_mark_done


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = [
        "label", "client", "kind", "state", "trunk_op", "provider_account", "attempts",
        "created_at", "deleted_at",
    ]  # fmt: skip
    list_filter = ["kind", "state", "trunk_op", "provider_account"]
    search_fields = ["label", "address", "client__name", "trunk_name"]
    list_select_related = ["client", "provider_account"]
    readonly_fields = [
        "client", "reseller", "kind", "label", "address", "state", "provider_account",
        "trunk_name", "sip_server", "username", "revealed_at", "trunk_op", "attempts",
        "next_attempt_at", "lease_until", "last_error", "created_at", "deleted_at",
    ]  # fmt: skip
    exclude = ["secret"]  # a password waiting to be shown to its client, never to anyone else
    show_full_result_count = False
    actions = ["mark_deleted"]

    @admin.action(
        description=_("Deleted upstream by hand (trunk deletions the provider refused)"),
        permissions=["change"],
    )
    def mark_deleted(self, request, queryset) -> None:
        done = sum(
            trunk_delete_mark_done(destination_id=pk, user=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            _("%(done)d of %(asked)d marked deleted.") % {"done": done, "asked": queryset.count()},
            messages.SUCCESS if done else messages.WARNING,
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NumberRoute)
class NumberRouteAdmin(admin.ModelAdmin):
    """What each number was asked to ring, what the provider confirmed, and the route before."""

    list_display = ["number", "destination", "failover", "action", "requested_at"]
    search_fields = ["number__e164", "destination__label"]
    list_select_related = ["number", "destination", "failover", "action"]
    readonly_fields = [
        "number", "destination", "failover", "action", "applied", "previous", "requested_at",
        "requested_by",
    ]  # fmt: skip
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
