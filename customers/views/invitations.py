"""Accepting an invitation: the invited person chooses a password and is signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..branding import brand_for_invitation_token, brand_for_reseller
from ..forms import AcceptInvitationForm
from ..roles import home_url_for
from ..services_invitations import (
    ADDRESS_TAKEN,
    invitation_address_taken,
    invitation_from_token,
    invitation_paused,
)
from ..services_invitations import invitation_accept as accept


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_from_token(token)
    if invitation is None:
        # An expired or used link still names its reseller: the page wears that brand.
        brand = brand_for_invitation_token(token)
        context = {"brand": brand} if brand else {}
        return render(request, "customers/invitation_invalid.html", context, status=404)
    brand = brand_for_reseller(invitation.reseller)
    if invitation_paused(invitation):  # said before the form is filled in, not after
        return render(
            request, "customers/invitation_invalid.html", {"brand": brand, "paused": True}
        )
    if invitation_address_taken(invitation):
        # Only the invitee holds this link: it may be told that its address has an account.
        context = {"invitation": invitation, "brand": brand, "address_taken": ADDRESS_TAKEN}
        return render(request, "customers/invitation_accept.html", context, status=409)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "password" in error.error_dict:
                form.add_error("password1", error.error_dict["password"])
            else:
                form.add_error(None, error)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(home_url_for(user))
    return render(
        request,
        "customers/invitation_accept.html",
        {"form": form, "invitation": invitation, "brand": brand},
        status=400 if form.errors else 200,
    )
