"""Client pages: the person's profile, the company details and the client's team."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..forms import ClientForm, InvitationForm, ProfileForm
from ..models import CLIENT_ROLES, Client
from ..roles import client_admin_required, client_required
from .common import add_service_errors, send_invitation


@require_http_methods(["GET", "POST"])
@client_required
def profile(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    profile_form = ProfileForm(
        request.POST if "save_profile" in request.POST else None,
        initial={"full_name": request.user.full_name, "time_zone": request.user.time_zone},
        prefix="profile",
    )
    company_form = None
    if actor.is_client_admin:
        company_form = ClientForm(
            request.POST if "save_company" in request.POST else None,
            instance=Client.objects.get(pk=actor.client_id),
            prefix="company",
        )
    if request.method == "POST":
        form = profile_form if "save_profile" in request.POST else company_form
        if form is not None and form.is_valid():
            try:
                if form is profile_form:
                    services.user_update_profile(user=request.user, **form.cleaned_data)
                else:
                    services.client_update(actor=actor, client=actor.client, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("client:profile")
    return render(
        request,
        "customers/client/profile.html",
        {"profile_form": profile_form, "company_form": company_form},
        status=400 if request.method == "POST" else 200,
    )


def _team(request: HttpRequest, invite_form: InvitationForm | None) -> HttpResponse:
    actor = request.membership
    return render(
        request,
        "customers/client/team.html",
        {
            "members": selectors.client_members(actor=actor, client=actor.client),
            "invitations": selectors.invitation_list(actor=actor) if actor.is_client_admin else (),
            "role_choices": [(role.value, role.label) for role in CLIENT_ROLES],
            "invite_form": invite_form,
        },
        status=400 if invite_form is not None and invite_form.errors else 200,
    )


@require_GET
@client_required
def team(request: HttpRequest) -> HttpResponse:
    can_invite = request.membership.is_client_admin
    return _team(request, InvitationForm(roles=list(CLIENT_ROLES)) if can_invite else None)


@require_POST
@client_admin_required
def team_invite(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    form = InvitationForm(request.POST, roles=list(CLIENT_ROLES))
    if send_invitation(request, form, client=actor.client):
        return redirect("client:team")
    return _team(request, form)
