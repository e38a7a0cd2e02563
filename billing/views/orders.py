"""Orders with their live status, and the numbers they delivered."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.views.common import wants_fragment
from inventory.selectors_routing import route_statuses
from portal.params import int_param, safe_text

from .. import selectors_orders as selectors
from .. import selectors_wallets as wallet_selectors
from ..renewals import selectors as renewal_selectors

ORDERS = "billing/orders.html"
ORDER = "billing/order_detail.html"
NUMBERS = "billing/numbers.html"
PAGE_SIZE = 25


def _membership(request: HttpRequest):
    membership = request.membership
    # request.membership is a lazy object: `is None` is never true, its truth is the member's.
    if not membership or not (membership.is_client or membership.is_reseller):
        raise PermissionDenied
    return membership


def _client_id(request: HttpRequest) -> int | None:
    return int_param(request.GET, "client")


def _partial(request: HttpRequest, template: str, name: str) -> str:
    if wants_fragment(request):
        return f"{template}#{name}"
    return template


@require_GET
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    orders = selectors.orders_for(actor=membership, client_id=_client_id(request))
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    in_flight = [order for order in page.object_list if order.in_flight]
    polling, awaiting_documents = selectors.orders_progress(in_flight)
    return render(
        request,
        _partial(request, ORDERS, "results"),
        {
            "page": page,
            "membership": membership,
            "in_flight": polling,
            "awaiting_documents": awaiting_documents,
        },
    )


@require_GET
@login_required
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    membership = _membership(request)
    if not safe_text(reference):
        raise Http404
    order = selectors.order_get(actor=membership, reference=reference)
    progress = selectors.order_progress(order)
    # Items waiting on stock or on the client's documents change in hours, not seconds.
    polling = order.in_flight and any(item.being_provisioned for item in progress.items)
    return render(
        request,
        _partial(request, ORDER, "status"),
        {
            "order": order,
            "items": progress.items,
            "progress": progress,
            "membership": membership,
            "polling": polling,
        },
    )


@require_GET
@login_required
def number_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    search = request.GET.get("q", "")
    numbers = selectors.numbers_for(
        actor=membership, client_id=_client_id(request), search=search if safe_text(search) else ""
    )
    page = Paginator(numbers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = renewal_selectors.number_rows(page.object_list)
    if membership.is_client:
        # Each number's routing badge ("applying…" polls until the provider confirmed).
        statuses = route_statuses(number_ids=[row.number.pk for row in rows])
        for row in rows:
            row.number.route_status = statuses.get(row.number.pk)
    return render(
        request,
        _partial(request, NUMBERS, "results"),
        {
            "page": page,
            "rows": rows,
            "due_soon": renewal_selectors.renewals_due_total(actor=membership),
            "due_soon_days": renewal_selectors.DUE_SOON_DAYS,
            "wallet": client_wallet_summary(membership),
            "membership": membership,
            "q": request.GET.get("q", ""),
        },
    )


def client_wallet_summary(membership):
    if not membership.is_client:
        return None
    return wallet_selectors.wallet_summary(
        wallet=wallet_selectors.member_client_wallet(actor=membership)
    )
