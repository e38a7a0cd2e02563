"""The admin's "Upstream actions" list: what we asked providers to do to numbers, and the two
things only an admin does — retry a dead action, mark a manual one done (issue #11)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models_upstream import UpstreamAction
from .upstream_run import upstream_action_mark_done, upstream_action_retry


@admin.register(UpstreamAction)
class UpstreamActionAdmin(admin.ModelAdmin):
    """Rows are written by ``inventory.upstream`` and its job; here they are only read, retried
    or marked done."""

    list_display = [
        "number", "kind", "state", "provider_account", "reason", "attempts", "mode",
        "created_at", "updated_at", "done_at", "done_by",
    ]  # fmt: skip
    list_filter = ["state", "kind", "number__provider_account__kind", "number__provider_account"]
    search_fields = ["number__e164", "reason"]
    list_select_related = ["number__provider_account", "done_by"]
    date_hierarchy = "created_at"
    actions = ["retry", "mark_done"]
    readonly_fields = [
        "number", "kind", "state", "route_summary", "reason", "mode", "attempts", "last_error",
        "details",
        "next_attempt_at", "lease_until", "created_at", "updated_at", "done_at", "done_by",
    ]  # fmt: skip
    show_full_result_count = False

    @admin.display(description=_("provider account"), ordering="number__provider_account__name")
    def provider_account(self, action: UpstreamAction) -> str:
        return action.number.provider_account.name

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry (dead actions)"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        retried = sum(
            upstream_action_retry(action_id=pk, user=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        skipped = queryset.count() - retried
        self.message_user(
            request,
            ngettext(
                "%d action sent back to its job.", "%d actions sent back to their job.", retried
            )
            % retried,
            messages.SUCCESS if retried else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d action was not dead and was left alone.",
                    "%d actions were not dead and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(
        description=_("Mark done upstream (manual or dead actions)"), permissions=["change"]
    )
    def mark_done(self, request, queryset) -> None:
        done = sum(
            upstream_action_mark_done(action_id=pk, user=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("%d action marked done.", "%d actions marked done.", done) % done,
            messages.SUCCESS if done else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d action was not waiting for an admin and was left alone.",
                    "%d actions were not waiting for an admin and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )
