"""Routing pages (issue #12): destinations, one number's routing, routing many numbers at once,
and the "applying…" badge that polls until the provider confirmed.

Client pages only: a client's admins change things, its users look (their POSTs are refused);
a reseller's people are refused before any lookup.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import client_admin_required, client_required
from customers.views.common import add_service_errors, wants_fragment
from inventory import destinations as destinations_svc
from inventory import routing, selectors_routing
from inventory.models_routing import Destination
from inventory.routing_support import MANUAL_NOTE, client_matrix, number_support, ready_trunks

from ..forms_routing import DestinationForm, RouteForm

DESTINATIONS = "billing/destinations.html"
DESTINATION = "billing/destination_detail.html"
CONFIRM = "billing/destination_confirm.html"
NUMBER_ROUTING = "billing/number_routing.html"
BULK = "billing/route_bulk.html"
MAX_BULK = 200


def _admin_or_refuse(request: HttpRequest) -> None:
    if request.method == "POST" and not request.membership.is_client_admin:
        raise PermissionDenied


def _my_destinations(request: HttpRequest):
    return Destination.objects.filter(client_id=request.membership.client_id)


@require_http_methods(["GET", "POST"])
@client_required
def destinations(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    _admin_or_refuse(request)
    accounts = destinations_svc.trunk_accounts(membership.client_id)
    form = DestinationForm(
        request.POST if request.method == "POST" else None, trunk_accounts=accounts
    )
    if form.is_valid():
        try:
            created = destinations_svc.destination_create(
                actor=membership,
                kind=form.cleaned_data["kind"],
                label=form.cleaned_data["label"],
                address=form.cleaned_data.get("address", ""),
                account_id=form.cleaned_data.get("account"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": created.label})
            if created.kind == "trunk":
                return redirect("billing:destination", created.pk)
            return redirect("billing:destinations")
    matrix, total = client_matrix(selectors_routing.client_numbers(actor=membership))
    return render(
        request,
        DESTINATIONS,
        {
            "destinations": selectors_routing.destinations_for(actor=membership),
            "form": form,
            "matrix": matrix,
            "total_numbers": total,
            "trunks_offered": bool(accounts),
            "manual_note": MANUAL_NOTE,
            "membership": membership,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@client_required
def destination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    destination = selectors_routing.destination_get(actor=request.membership, pk=pk)
    template = f"{DESTINATION}#state" if wants_fragment(request) else DESTINATION
    return render(request, template, {"destination": destination, "membership": request.membership})


@require_POST
@client_admin_required
def destination_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    destination = selectors_routing.destination_get(actor=request.membership, pk=pk)
    password = destinations_svc.trunk_reveal(actor=request.membership, destination=destination)
    if not password:
        messages.info(request, _("This password was already shown. Regenerate to get a new one."))
        return redirect("billing:destination", pk)
    response = render(
        request,
        DESTINATION,
        {"destination": destination, "membership": request.membership, "password": password},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@client_admin_required
def destination_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    destination = selectors_routing.destination_get(actor=request.membership, pk=pk)
    if destination.kind != "trunk":
        return redirect("billing:destination", pk)
    error = ""
    if request.method == "POST":
        try:
            destinations_svc.trunk_regenerate_request(
                actor=request.membership, destination=destination
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("New credentials are being made."))
            return redirect("billing:destination", pk)
    return render(
        request,
        CONFIRM,
        {"destination": destination, "action": "regenerate", "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@client_admin_required
def destination_delete(request: HttpRequest, pk: int) -> HttpResponse:
    destination = selectors_routing.destination_get(actor=request.membership, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            destinations_svc.destination_delete(actor=request.membership, destination=destination)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(name)s deleted.") % {"name": destination.label})
            return redirect("billing:destinations")
    return render(
        request,
        CONFIRM,
        {"destination": destination, "action": "delete", "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@client_required
def number_routing(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    number = selectors_routing.routing_number_get(actor=membership, pk=pk)
    _admin_or_refuse(request)
    support = number_support(number, ready_trunks(membership.client_id))
    current = selectors_routing.number_route(number)
    mine = _my_destinations(request)
    form = RouteForm(
        request.POST if request.method == "POST" else None,
        destinations=_ringable(mine, number, support),
        failover=support.failover,
        initial={"destination": current.destination_id, "failover": current.failover_id}
        if current
        else None,
    )
    if form.is_valid():
        try:
            routing.number_route_request(
                actor=membership,
                numbers=[number],
                destination=form.cleaned_data["destination"],
                failover=form.cleaned_data.get("failover"),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message.split(": ", 1)[-1])
        else:
            applied = _("Routing of %(number)s is being applied.") % {"number": number}
            messages.success(request, applied)
            return redirect("billing:number_routing", pk)
    return render(
        request,
        NUMBER_ROUTING,
        {
            "number": number,
            "support": support,
            "form": form,
            "route": current,
            "status": selectors_routing.route_status(current, number.pk),
            "manual_note": MANUAL_NOTE,
            "membership": membership,
            "has_destinations": mine.filter(deleted_at__isnull=True).exists(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _ringable(destinations, number, support):
    """Only the destinations this number can ring: the kinds its provider takes, and trunks
    made on its provider account (the others would only be refused after choosing)."""
    kinds = [option.kind for option in support.options if option.supported]
    return destinations.filter(kind__in=kinds).exclude(
        Q(kind="trunk") & ~Q(provider_account_id=number.provider_account_id)
    )


@require_GET
@client_required
def number_route_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The badge alone: HTMX swaps it in every two seconds while it says "applying…"."""
    number = selectors_routing.routing_number_get(actor=request.membership, pk=pk)
    status = selectors_routing.route_status(selectors_routing.number_route(number), number.pk)
    return render(request, f"{NUMBER_ROUTING}#badge", {"status": status})


def _picked(request: HttpRequest) -> list[int]:
    source = request.POST if request.method == "POST" else request.GET
    picked = []
    for value in source.getlist("n")[:MAX_BULK]:
        if value.isdigit():
            picked.append(int(value))
    return picked


@require_http_methods(["GET", "POST"])
@client_required
def route_bulk(request: HttpRequest) -> HttpResponse:
    """Route the numbers picked in "My numbers": all of them, or none with a reason for each."""
    membership = request.membership
    _admin_or_refuse(request)
    ids = _picked(request)
    numbers = selectors_routing.routing_numbers(actor=membership, ids=ids)
    trunks = ready_trunks(membership.client_id)
    rows = [(number, number_support(number, trunks)) for number in numbers]
    form = RouteForm(
        request.POST if request.method == "POST" else None,
        destinations=_my_destinations(request),
        failover=any(support.failover for _number, support in rows),
    )
    problems: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        if len(numbers) != len(set(ids)) or not numbers:
            form.add_error(None, _("Choose your numbers in My numbers first."))
        else:
            try:
                routing.number_route_request(
                    actor=membership,
                    numbers=numbers,
                    destination=form.cleaned_data["destination"],
                    failover=form.cleaned_data.get("failover"),
                )
            except ValidationError as error:
                problems = dict(
                    message.split(": ", 1) if ": " in message else ("", message)
                    for message in error.messages
                )
                form.add_error(None, _("Nothing was changed: some numbers cannot take this route."))
            else:
                messages.success(
                    request,
                    _("Routing of %(count)d numbers is being applied.") % {"count": len(numbers)},
                )
                return redirect("billing:numbers")
    return render(
        request,
        BULK,
        {
            "rows": [(number, support, problems.get(number.e164, "")) for number, support in rows],
            "form": form,
            "manual_note": MANUAL_NOTE,
            "membership": membership,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
