"""The admin's operations page: what is stuck or about to be (DESIGN.md §5).

Served under /admin/operations/ through ``admin.site.admin_view`` (staff only, the admin's login
for everyone else); reading it also needs the view permissions of what it lists, retrying needs
the permission the order items' "Retry provisioning" action needs.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inventory.models import Destination, UpstreamAction
from inventory.routing_trunks import trunk_delete_mark_done
from inventory.upstream_run import upstream_action_mark_done, upstream_action_retry

from .models import OrderItem
from .provisioning import order_item_retry
from .selectors_operations import operations_overview

OPERATIONS = "admin/operations.html"
VIEW_PERMISSIONS = ("billing.view_orderitem", "inventory.view_provideraccount")
RETRY_PERMISSION = "billing.change_orderitem"
UPSTREAM_PERMISSION = "inventory.change_upstreamaction"  # the upstream actions' admin actions
TRUNK_PERMISSION = "inventory.change_destination"  # the destinations' "Deleted upstream" action


def can_see_operations(user) -> bool:
    return user.is_active and user.is_staff and user.has_perms(VIEW_PERMISSIONS)


@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    if not can_see_operations(request.user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Operations"),
        "ops": operations_overview(),
        "can_retry": request.user.has_perm(RETRY_PERMISSION),
        "can_act_upstream": request.user.has_perm(UPSTREAM_PERMISSION),
        "can_act_trunks": request.user.has_perm(TRUNK_PERMISSION),
    }
    return TemplateResponse(request, OPERATIONS, context)


@require_POST
def operations_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """The order items' "Retry provisioning" action, for one dead-lettered item."""
    if not request.user.has_perm(RETRY_PERMISSION):
        raise PermissionDenied
    item = get_object_or_404(OrderItem, pk=pk)
    if order_item_retry(item_id=item.pk):
        messages.success(
            request, _("%(item)s sent back to provisioning.") % {"item": item.reference}
        )
    else:
        messages.warning(
            request,
            _("%(item)s was not retried: it is no longer waiting in the dead-letter state.")
            % {"item": item.reference},
        )
    return redirect("admin_operations")


@require_POST
def operations_upstream_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """The upstream actions' "Retry" action, for one dead action."""
    if not request.user.has_perm(UPSTREAM_PERMISSION):
        raise PermissionDenied
    action = get_object_or_404(UpstreamAction.objects.select_related("number"), pk=pk)
    label = {"kind": action.get_kind_display(), "number": action.number.e164}
    if upstream_action_retry(action_id=action.pk, user=request.user):
        messages.success(request, _("%(kind)s of %(number)s sent back to its job.") % label)
    else:
        messages.warning(
            request, _("%(kind)s of %(number)s was not retried: it is not dead any more.") % label
        )
    return redirect("admin_operations")


@require_POST
def operations_upstream_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The upstream actions' "Mark done" action: an admin did it in the provider's portal."""
    if not request.user.has_perm(UPSTREAM_PERMISSION):
        raise PermissionDenied
    action = get_object_or_404(UpstreamAction.objects.select_related("number"), pk=pk)
    label = {"kind": action.get_kind_display(), "number": action.number.e164}
    if upstream_action_mark_done(action_id=action.pk, user=request.user):
        messages.success(request, _("%(kind)s of %(number)s marked done upstream.") % label)
    else:
        messages.warning(
            request,
            _("%(kind)s of %(number)s was left alone: it is not waiting for an admin.") % label,
        )
    return redirect("admin_operations")


@require_POST
def operations_trunk_deleted(request: HttpRequest, pk: int) -> HttpResponse:
    """The destinations' "Deleted upstream by hand" action, for one SIP trunk whose deletion
    the provider refused: an admin deleted it in the provider's portal."""
    if not request.user.has_perm(TRUNK_PERMISSION):
        raise PermissionDenied
    trunk = get_object_or_404(Destination, pk=pk, kind="trunk")
    label = {"trunk": trunk.trunk_name or trunk.label}
    if trunk_delete_mark_done(destination_id=trunk.pk, user=request.user):
        messages.success(request, _("SIP trunk %(trunk)s marked deleted upstream.") % label)
    else:
        messages.warning(
            request,
            _("SIP trunk %(trunk)s was left alone: no deletion waits for an admin.") % label,
        )
    return redirect("admin_operations")
