"""Reseller pages: clients, a client's people, the reseller's own team and branding."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services, services_domains, services_security
from ..colours import accent_palette
from ..domains import domain_proof
from ..forms import (
    BrandingForm,
    ClientForm,
    ClientSearchForm,
    InvitationForm,
    SecurityPolicyForm,
)
from ..logos import LogoSizeLimitHandler
from ..models import CLIENT_ROLES, RESELLER_ROLES, Client, Reseller
from ..roles import reseller_owner_required, reseller_required
from ..tenant_status import tenant_actions
from .common import add_service_errors, send_invitation, wants_fragment

CLIENTS_PER_PAGE = 20
CLIENT_LIST = "customers/reseller/client_list.html"


@require_GET
@reseller_required
def client_list(request: HttpRequest) -> HttpResponse:
    search = ClientSearchForm(request.GET)
    filters = search.cleaned_data if search.is_valid() else {}
    clients = selectors.client_list(
        actor=request.membership, search=filters.get("q", ""), status=filters.get("status", "")
    )
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = CLIENT_LIST + "#results" if wants_fragment(request) else CLIENT_LIST
    return render(
        request,
        template,
        {"search": search, "page": page, "query": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
@reseller_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client %(name)s created.") % {"name": client.name})
            return redirect("reseller:client_detail", pk=client.pk)
    return render(request, "customers/reseller/client_form.html", {"form": form, "client": None})


@require_http_methods(["GET", "POST"])
@reseller_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(actor=request.membership, pk=pk)
    # The form edits a copy so the page heading keeps the saved name when the input is invalid.
    form = ClientForm(request.POST or None, instance=copy.copy(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(actor=request.membership, client=client, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("reseller:client_detail", pk=client.pk)
    context = {
        "form": form,
        "client": client,
        "client_can": tenant_actions(request.membership, client),
    }
    return render(request, "customers/reseller/client_form.html", context)


def _client_detail(request: HttpRequest, client, invite_form: InvitationForm) -> HttpResponse:
    actor = request.membership
    return render(
        request,
        "customers/reseller/client_detail.html",
        {
            "client": client,
            "members": selectors.client_members(actor=actor, client=client),
            "invitations": selectors.invitation_list(actor=actor, client=client),
            "role_choices": [(role.value, role.label) for role in CLIENT_ROLES],
            "invite_form": invite_form,
            "client_can": tenant_actions(actor, client),
            "status_choices": [
                (value, label) for value, label in Client.Status.choices if value != client.status
            ],
        },
        status=400 if invite_form.errors else 200,
    )


@require_GET
@reseller_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(actor=request.membership, pk=pk)
    return _client_detail(request, client, InvitationForm(roles=list(CLIENT_ROLES)))


@require_POST
@reseller_required
def client_invite(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(actor=request.membership, pk=pk)
    form = InvitationForm(request.POST, roles=list(CLIENT_ROLES))
    if send_invitation(request, form, client=client):
        return redirect("reseller:client_detail", pk=client.pk)
    return _client_detail(request, client, form)


def _team(request: HttpRequest, invite_form: InvitationForm) -> HttpResponse:
    actor = request.membership
    return render(
        request,
        "customers/reseller/team.html",
        {
            "members": selectors.reseller_staff(actor=actor),
            "invitations": selectors.invitation_list(actor=actor),
            "role_choices": [(role.value, role.label) for role in RESELLER_ROLES],
            "invite_form": invite_form,
        },
        status=400 if invite_form.errors else 200,
    )


@require_GET
@reseller_required
def team(request: HttpRequest) -> HttpResponse:
    return _team(request, InvitationForm(roles=list(RESELLER_ROLES)))


@require_POST
@reseller_owner_required
def team_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, roles=list(RESELLER_ROLES))
    if send_invitation(request, form):
        return redirect("reseller:team")
    return _team(request, form)


@csrf_exempt  # only so the upload handler goes in before the body is read: checked just below
@require_http_methods(["GET", "POST"])
def branding(request: HttpRequest) -> HttpResponse:
    size_limit = LogoSizeLimitHandler(request)
    request.upload_handlers.insert(0, size_limit)
    return _branding(request, size_limit)


@csrf_protect
@reseller_owner_required
def _branding(request: HttpRequest, size_limit: LogoSizeLimitHandler) -> HttpResponse:
    # A copy: an invalid form must not change the brand this very page is rendered in.
    reseller = Reseller.objects.get(pk=request.membership.reseller_id)
    data, files = request.POST, request.FILES  # parsed here, through the size limit
    form = BrandingForm(
        data or None, files or None, instance=reseller, logo_too_large=size_limit.too_large
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if form.cleaned_data.get("logo") is False:  # "clear" ticked on the file input
            fields["logo"] = ""
        try:
            services.reseller_update_branding(actor=request.membership, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Branding saved."))
            return redirect("reseller:branding")
    # The saved colour's contrast (the form's instance may hold an invalid, unsaved one).
    palette = accent_palette(request.membership.reseller.accent_colour)
    return render(
        request,
        "customers/reseller/branding.html",
        {"form": form, "palette": palette, "proof": domain_proof(request.membership.reseller)},
    )


@require_POST
@reseller_owner_required
def branding_domain_check(request: HttpRequest) -> HttpResponse:
    if services_domains.reseller_domain_check_request(actor=request.membership):
        messages.success(
            request,
            _("Checking your domain now. Reload this page in a minute to see the result."),
        )
    else:
        messages.info(request, _("A check was started less than a minute ago, or none is needed."))
    return redirect("reseller:branding")


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def security(request: HttpRequest) -> HttpResponse:
    """The owner's security settings: who else must use two-factor authentication."""
    reseller = request.membership.reseller
    initial = {
        "staff_required": reseller.mfa_required_for_staff,
        "clients_required": reseller.mfa_required_for_clients,
    }
    form = SecurityPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services_security.reseller_mfa_policy_set(actor=request.membership, **form.cleaned_data)
        messages.success(request, _("Security settings saved."))
        return redirect("reseller:security")
    context = {"form": form, "owners_required": settings.MFA_REQUIRED_FOR_LEADERS}
    return render(request, "customers/reseller/security.html", context)
