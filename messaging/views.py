"""A number's texts (inbox and send form) and the client's forwarding settings.

Client people only: admins and users read and send texts from their client's numbers (a text is
the client's own correspondence, so the reseller's people do not see them); forwarding settings
are for client admins. Another client's number is a 404.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers.roles import client_admin_required, client_required
from customers.tenant_status import TenantPaused, tenant_actions
from customers.views.common import add_service_errors, wants_fragment

from . import forwarding as forwarding_services
from . import selectors, services
from .forms import ForwardingForm, SendForm
from .forwarding import SIGNATURE_HEADER, TIMESTAMP_HEADER
from .texts import BODY_LIMIT, number_can_send, number_has_texts

PAGE = "messaging/number_messages.html"
FORWARDING = "messaging/forwarding.html"
PAGE_SIZE = 20
POLL_SECONDS = 3


def _inbox_context(request: HttpRequest, number, form: SendForm | None = None) -> dict:
    membership = request.membership
    texts = selectors.number_messages(actor=membership, number=number)
    page = Paginator(texts, PAGE_SIZE).get_page(request.GET.get("page"))
    has_texts = number_has_texts(number)
    return {
        "number": number,
        "page": page,
        "has_texts": has_texts,
        "can_send": has_texts and number_can_send(number),
        "may": tenant_actions(membership),
        "form": form or SendForm(),
        "body_limit": BODY_LIMIT,
        # Page 1 polls: replies arrive, and sending texts settle, without a reload.
        "polling": has_texts and page.number == 1,
        "poll_seconds": POLL_SECONDS,
        "membership": membership,
        "region": membership.client.billing_country,  # numbers shown the client's way
    }


@require_http_methods(["GET"])
@client_required
def number_messages(request: HttpRequest, pk: int) -> HttpResponse:
    number = selectors.client_number_get(actor=request.membership, pk=pk)
    template = f"{PAGE}#inbox" if wants_fragment(request) else PAGE
    return render(request, template, _inbox_context(request, number))


@require_POST
@client_required
def message_send(request: HttpRequest, pk: int) -> HttpResponse:
    number = selectors.client_number_get(actor=request.membership, pk=pk)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            services.message_send_request(
                actor=request.membership,
                number=number,
                to=form.cleaned_data["to"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except TenantPaused as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your message is on its way."))
            return redirect("messaging:number_messages", pk=number.pk)
    return render(request, PAGE, _inbox_context(request, number, form))


@require_http_methods(["GET", "POST"])
@client_admin_required
def forwarding(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    current = forwarding_services.forwarding_of(membership.client)
    initial = {"email": current.email, "url": current.url} if current else {}
    form = ForwardingForm(request.POST if request.method == "POST" else None, initial=initial)
    secret = ""
    if form.is_valid():
        try:
            current, secret = forwarding_services.forwarding_save(
                actor=membership, email=form.cleaned_data["email"], url=form.cleaned_data["url"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except TenantPaused as error:
            form.add_error(None, str(error))
        else:
            if not secret:  # nothing to show once: back to a clean page
                flash.success(request, _("Forwarding saved."))
                return redirect("messaging:forwarding")
            flash.success(request, _("Forwarding saved."))
    return _forwarding_page(request, form, current, secret)


@require_POST
@client_admin_required
def forwarding_secret(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    try:
        secret = forwarding_services.forwarding_secret_regenerate(actor=membership)
    except (ValidationError, TenantPaused) as error:
        flash.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("messaging:forwarding")
    current = forwarding_services.forwarding_of(membership.client)
    initial = {"email": current.email, "url": current.url} if current else {}
    return _forwarding_page(request, ForwardingForm(initial=initial), current, secret)


def _forwarding_page(request, form, current, secret: str) -> HttpResponse:
    return render(
        request,
        FORWARDING,
        {
            "form": form,
            "forwarding": current,
            "secret": secret,
            "signature_header": SIGNATURE_HEADER,
            "timestamp_header": TIMESTAMP_HEADER,
            "deliveries": selectors.recent_forwards(actor=request.membership),
            "may": tenant_actions(request.membership),
            "membership": request.membership,
        },
    )
