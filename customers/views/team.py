"""Managing people: remove a member, change a role, resend or revoke an invitation.

Shared by the reseller's pages (its team and its clients' people) and the client admin's team
page. Removing and revoking ask first: a GET shows a confirm page whose form POSTs (no script).
The lookups come first, so another tenant's member or invitation is a 404 before any refusal.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services, services_invitations
from ..models import Invitation, Membership
from ..roles import client_admin_required, reseller_required

CONFIRM = "customers/confirm.html"


def _back(actor: Membership, client_id: int | None) -> str:
    if actor.is_client:
        return reverse("client:team")
    if client_id:
        return reverse("reseller:client_detail", args=[client_id])
    return reverse("reseller:team")


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _confirm(request: HttpRequest, *, title: str, text: str, button: str, back: str):
    context = {"title": title, "text": text, "button": button, "back_url": back}
    return render(request, CONFIRM, context)


def _member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership
    member = selectors.member_get(actor=actor, pk=pk)
    back = _back(actor, member.client_id)
    name = member.user.get_full_name()
    if request.method == "GET":
        services.membership_remove_allowed(actor=actor, member=member)
        return _confirm(
            request,
            title=_("Remove %(name)s?") % {"name": name},
            text=_(
                "%(name)s loses access at once and is signed out everywhere. What they did "
                "(orders, payments) stays on record."
            )
            % {"name": name},
            button=_("Remove"),
            back=back,
        )
    try:
        services.membership_remove(actor=actor, member=member)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": name})
    return redirect(back)


def _member_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership
    member = selectors.member_get(actor=actor, pk=pk)
    try:
        member = services.membership_role_set(
            actor=actor, member=member, role=request.POST.get("role", "")
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": member.user.get_full_name(), "role": member.get_role_display()},
        )
    return redirect(_back(actor, member.client_id))


def _invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership
    invitation = selectors.invitation_get(actor=actor, pk=pk)
    try:
        services_invitations.invitation_resend(actor=actor, invitation=invitation)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
        )
    return redirect(_back(actor, invitation.client_id))


def _invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership
    invitation: Invitation = selectors.invitation_get(actor=actor, pk=pk)
    back = _back(actor, invitation.client_id)
    if request.method == "GET":
        services_invitations.invitation_revoke_allowed(actor=actor, invitation=invitation)
        return _confirm(
            request,
            title=_("Revoke the invitation to %(email)s?") % {"email": invitation.email},
            text=_("The link in their email stops working. You can invite them again later."),
            button=_("Revoke"),
            back=back,
        )
    services_invitations.invitation_revoke(actor=actor, invitation=invitation)
    messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect(back)


# One view per namespace: the decorator says who may come in at all.
reseller_member_remove = require_http_methods(["GET", "POST"])(reseller_required(_member_remove))
reseller_member_role = require_POST(reseller_required(_member_role))
reseller_invitation_resend = require_POST(reseller_required(_invitation_resend))
reseller_invitation_revoke = require_http_methods(["GET", "POST"])(
    reseller_required(_invitation_revoke)
)
client_member_remove = require_http_methods(["GET", "POST"])(client_admin_required(_member_remove))
client_member_role = require_POST(client_admin_required(_member_role))
client_invitation_resend = require_POST(client_admin_required(_invitation_resend))
client_invitation_revoke = require_http_methods(["GET", "POST"])(
    client_admin_required(_invitation_revoke)
)
