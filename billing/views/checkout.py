"""Checkout: review the cart, then buy it (DESIGN.md §4)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.roles import client_required
from portal.params import parse_int

from ..checkout import CheckoutError, cart_prices_refresh, checkout_review, order_place

CHECKOUT = "billing/checkout.html"


def _item_ids(request: HttpRequest) -> list[int]:
    # Not ids (or wider than the column: SQLite cannot even bind them) match no cart line.
    ids = (parse_int(value) for value in request.POST.getlist("item"))
    return [item_id for item_id in ids if item_id is not None]


@require_GET
@client_required
def review(request: HttpRequest) -> HttpResponse:
    client = request.membership.client
    return render(
        request,
        CHECKOUT,
        {"review": checkout_review(client=client), "key": uuid.uuid4().hex},
    )


@require_POST
@client_required
def buy(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    client = membership.client
    key = request.POST.get("key", "")
    if not membership.is_client_admin:
        messages.error(
            request, _("Only an administrator of %(c)s can place orders.") % {"c": client}
        )
        return redirect("billing:checkout")
    try:
        order, created = order_place(
            client=client, user=request.user, idempotency_key=key, item_ids=_item_ids(request)
        )
    except CheckoutError as error:
        context = {"review": checkout_review(client=client), "key": key, "error": str(error)}
        if error.code in ("cart", "prices", "unavailable", "key"):
            context["key"] = uuid.uuid4().hex  # what is bought changes: a new checkout
        return render(request, CHECKOUT, context, status=409)
    if created:
        messages.success(request, _("Order %(ref)s placed.") % {"ref": order.reference})
    return redirect("billing:order", order.reference)


@require_POST
@client_required
def refresh_prices(request: HttpRequest) -> HttpResponse:
    changed = cart_prices_refresh(client=request.membership.client)
    if changed:
        messages.info(request, _("The cart now shows today's prices."))
    return redirect("billing:checkout")
