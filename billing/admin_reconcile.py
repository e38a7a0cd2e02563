"""The admin's reconciliation findings (issue #12): open findings with their money per month,
filters, and the two destructive actions on an upstream-only number — release it upstream, or
assign it to a client — each behind its own confirm page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Sum, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.tenant_status import TenantPaused

from .reconcile.actions import Assignment, finding_assign, finding_release_upstream
from .reconcile.forms import AssignForm
from .reconcile.models import PRIORITY, FindingKind, ReconcileFinding, ReconcileRun, Resolution


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Closed")), ("all", _("All"))]

    def choices(self, changelist):
        # "Open" is the default, so the list starts with what needs a look.
        value = self.value() or "yes"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "yes"
        if value == "yes":
            return queryset.filter(closed_at=None)
        if value == "no":
            return queryset.exclude(closed_at=None)
        return queryset


@admin.register(ReconcileFinding)
class ReconcileFindingAdmin(admin.ModelAdmin):
    list_display = [
        "e164", "kind", "provider_account", "holder", "cost", "retail", "detail",
        "first_seen", "last_seen", "resolution", "act",
    ]  # fmt: skip
    list_filter = [OpenFilter, "kind", "provider_account", "resolution"]
    search_fields = ["e164"]
    list_select_related = ["provider_account", "number__client"]
    readonly_fields = [f.name for f in ReconcileFinding._meta.fields]
    show_full_result_count = False
    change_list_template = "admin/reconcile/finding_changelist.html"

    def get_queryset(self, request):
        priority = Case(
            *(When(kind=kind, then=Value(i)) for i, kind in enumerate(PRIORITY)),
            output_field=IntegerField(),
        )
        # Annotated before ordering (the admin's own get_queryset orders first).
        rows = self.model._default_manager.annotate(priority=priority)
        return rows.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["closed_at", "priority", "-first_seen", "e164"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # findings are written by runs; admins act through the two pages below

    @admin.display(description=gettext_lazy("client"))
    def holder(self, finding: ReconcileFinding) -> str:
        return finding.number.client.name if finding.number else "—"

    @admin.display(description=gettext_lazy("cost / month"), ordering="cost_monthly")
    def cost(self, finding: ReconcileFinding) -> str:
        return _money(finding.cost_monthly, finding.cost_currency)

    @admin.display(description=gettext_lazy("client pays / month"), ordering="retail_monthly")
    def retail(self, finding: ReconcileFinding) -> str:
        return _money(finding.retail_monthly, finding.retail_currency)

    @admin.display(description=gettext_lazy("action"))
    def act(self, finding: ReconcileFinding) -> str:
        actionable = finding.resolution in (Resolution.NONE, Resolution.RELEASE_FAILED)
        if not (finding.is_open and finding.kind == FindingKind.ORPHAN and actionable):
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:billing_reconcilefinding_release", args=[finding.pk]),
            _("Release upstream…"),
            reverse("admin:billing_reconcilefinding_assign", args=[finding.pk]),
            _("Assign to a client…"),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["money_totals"] = _totals(changelist.queryset)
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = "billing_reconcilefinding"
        return [
            path("<int:pk>/release/", view(self.release_view), name=f"{prefix}_release"),
            path("<int:pk>/assign/", view(self.assign_view), name=f"{prefix}_assign"),
            *super().get_urls(),
        ]

    def _acting(self, request: HttpRequest, pk: int) -> ReconcileFinding:
        if not request.user.has_perm("billing.change_reconcilefinding"):
            raise PermissionDenied
        # Only upstream-only numbers have actions; a closed one is refused by the service.
        rows = ReconcileFinding.objects.select_related("provider_account")
        return get_object_or_404(rows, pk=pk, kind=FindingKind.ORPHAN)

    def _page(self, request, template: str, finding, title: str, **context) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "finding": finding,
            **context,
        }
        return TemplateResponse(request, template, context)

    def release_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = self._acting(request, pk)
        if request.method == "POST":
            try:
                finding_release_upstream(finding_id=finding.pk, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("Release of %(n)s upstream requested.") % {"n": finding.e164}
                )
            return redirect("admin:billing_reconcilefinding_changelist")
        return self._page(
            request, "admin/reconcile/release_confirm.html", finding, _("Release upstream?")
        )

    def assign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = self._acting(request, pk)
        initial = {"cost_monthly": finding.cost_monthly, "description": finding.e164}
        form = AssignForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                number = finding_assign(
                    finding_id=finding.pk,
                    user=request.user,
                    assignment=Assignment(**form.cleaned_data),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except TenantPaused as exc:  # the client (or its reseller) is suspended or closed
                form.add_error("client", str(exc))
            else:
                messages.success(
                    request,
                    _("%(n)s now belongs to %(c)s; its first period is charged by the renewal job.")
                    % {"n": number.e164, "c": number.client.name},
                )
                return redirect("admin:billing_reconcilefinding_changelist")
        return self._page(
            request, "admin/reconcile/assign.html", finding, _("Assign to a client"), form=form
        )


def _money(amount, currency: str) -> str:
    return "—" if amount is None else f"{amount.normalize():f} {currency}"


def _totals(queryset) -> list[tuple[str, str, object]]:
    """Money per month of the listed findings, per kind of money and currency (one query each)."""
    totals = []
    for label, amount, currency in (
        (_("Provider cost per month"), "cost_monthly", "cost_currency"),
        (_("Client revenue per month"), "retail_monthly", "retail_currency"),
    ):
        rows = (
            queryset.order_by()
            .exclude(**{f"{amount}__isnull": True})
            .values(currency)
            .annotate(total=Sum(amount))
            .order_by(currency)
        )
        totals += [(label, row[currency], row["total"]) for row in rows]
    return totals


@admin.register(ReconcileRun)
class ReconcileRunAdmin(admin.ModelAdmin):
    list_display = [
        "provider_account", "started_at", "status", "upstream_count", "local_count", "opened",
        "closed", "findings", "detail",
    ]  # fmt: skip
    list_filter = ["status", "provider_account"]
    list_select_related = ["provider_account"]
    readonly_fields = [f.name for f in ReconcileRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
