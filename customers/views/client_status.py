"""A reseller owner suspends, closes or reactivates a client: a confirm page, then the change."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..models import Client
from ..roles import reseller_required
from ..services_status import client_status_set
from ..tenant_status import Action, tenant_action_require


def _explain(client: Client, status: str) -> tuple[str, str, str]:
    """Title, what happens, and the button of the confirm page."""
    name = client.name
    if status == Client.Status.SUSPENDED:
        return (
            _("Suspend %(name)s?") % {"name": name},
            _(
                "Its people can still sign in and see their numbers, invoices and wallet, but "
                "cannot change anything or buy numbers. You can still record its payments. "
                "Its numbers keep working and renewing."
            ),
            _("Suspend"),
        )
    if status == Client.Status.CLOSED:
        return (
            _("Close %(name)s?") % {"name": name},
            _(
                "Its people keep a read-only view of their numbers, invoices and wallet. You can "
                "record a payment only to settle what it owes. You can reopen it later."
            ),
            _("Close"),
        )
    return (
        _("Reactivate %(name)s?") % {"name": name},
        _("Its people can change things and buy numbers again."),
        _("Reactivate"),
    )


@require_http_methods(["GET", "POST"])
@reseller_required
def client_status(request: HttpRequest, pk: int) -> HttpResponse:
    """``?to=<status>``: a confirm page (GET) whose form posts back to the same URL."""
    client = selectors.client_get(actor=request.membership, pk=pk)
    if not request.membership.is_reseller_owner:
        raise PermissionDenied  # after the lookup: another reseller's client is a 404
    status = request.GET.get("to", "")
    if status not in Client.Status.values:
        raise Http404
    back = reverse("reseller:client_detail", args=[client.pk])
    if client.status == status:
        messages.info(request, _("%(name)s is already %(status)s.") % {
            "name": client.name, "status": client.get_status_display().lower(),
        })  # fmt: skip
        return redirect(back)
    # Asked before the confirm page too: a page that cannot be submitted is not shown.
    tenant_action_require(membership=request.membership, action=Action.CLIENT_STATUS, client=client)
    if request.method == "POST":
        client = client_status_set(actor=request.user, client=client, status=status)
        messages.success(request, _("%(name)s is now %(status)s.") % {
            "name": client.name, "status": client.get_status_display().lower(),
        })  # fmt: skip
        return redirect(back)
    title, text, button = _explain(client, status)
    context = {
        "title": title,
        "text": text,
        "button": button,
        "back_url": back,
        "button_class": "primary" if status == Client.Status.ACTIVE else "danger",
    }
    return render(request, "customers/confirm.html", context)
