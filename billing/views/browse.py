"""The number browser (/numbers/browse/): one tree over every provider, priced for the viewer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Reseller
from customers.views.common import wants_fragment
from inventory import selectors as catalog
from inventory.accounts import adapter_for
from inventory.buying import live_stock, terms_for
from inventory.offers import OfferPages
from inventory.providers.errors import ProviderError
from inventory.providers.types import AvailableNumber

from .. import services
from ..forms import AddToCartForm, BrowseForm
from ..models import CartItem
from ..pricing import PriceBook, PriceUnavailable
from ..storefront import (
    country_cards,
    price_group,
    priced,
    viewer_for,
    viewer_markups,
    viewer_rates,
)

PAGE_SIZE = 25
BROWSE = "billing/browse.html"
AVAILABILITY_SECONDS = 60
PICKS = 20  # live numbers offered to pick from


def _book(viewer) -> PriceBook:
    return PriceBook(reseller=viewer.reseller, client=viewer.client)


@require_GET
@login_required
def browse(request: HttpRequest) -> HttpResponse:
    form = BrowseForm(request.GET)
    params = form.valid_data()
    viewer = viewer_for(request, client_id=params.get("client"), reseller_id=params.get("reseller"))
    book = _book(viewer)
    context = {
        "form": form,
        "viewer": viewer,
        "params": params,
        "updated_at": catalog.catalog_updated_at(),
        "resellers": Reseller.objects.order_by("name") if viewer.role == "admin" else (),
    }
    country = params.get("country") or ""
    rates = viewer_rates(book)
    if not country:
        context["countries"] = country_cards(
            book, catalog.country_summaries(), catalog.country_area_counts(rates)
        )
    else:
        filters = catalog.CatalogFilters(
            country=country, region=params.get("region") or "", npa=params.get("npa") or "",
            nxx=params.get("nxx") or "", city=params.get("city"),
            number_type=params.get("type") or "", feature=params.get("feature") or "",
            area_key=(params.get("area") or "") if viewer.sees_provider else "",
        )  # fmt: skip
        facet, facets = catalog.facet_counts(filters, rates)
        offers = OfferPages(
            filters,
            to_viewer_currency=rates,
            sort=params["sort"],
            # Only admins are shown the provider offers behind a row (DESIGN.md: a reseller's
            # cost is its wholesale price; the platform's buying prices are not for it).
            count_offers=viewer.sees_provider,
            with_account=viewer.sees_provider,
            markups=viewer_markups(book, country),
        )
        page = Paginator(offers, PAGE_SIZE).get_page(params.get("page"))
        context.update(
            filters=filters,
            facet=facet,
            facets=facets,
            page=page,
            rows=priced(book, page.object_list),
        )
        names = catalog.place_names(country, filters.region, filters.city)
        context["country_name"], context["region_name"], context["city_name"] = names
        if filters.region == catalog.NO_REGION:
            context["region_name"] = _("Nationwide")
    return render(request, f"{BROWSE}#browser" if wants_fragment(request) else BROWSE, context)


def _live_numbers(group, viewer) -> tuple[list[AvailableNumber], str]:
    """The numbers the provider offers right now, with its ids for them (kept here, on the
    server, briefly cached), and a message when it cannot say. Only for providers that let
    clients pick: the others sell "any N numbers" of a group."""
    key = f"live-numbers:{group.pk}"
    cached = cache.get(key)
    if cached is not None:
        return [AvailableNumber(n, i, group.external_id) for n, i in cached], ""
    try:
        found = adapter_for(group.account).available_numbers(group.external_id, limit=PICKS)
    except ProviderError as error:
        detail = str(error) if viewer.sees_provider else _("please try again in a moment")
        return [], _("Live availability could not be checked: %(d)s") % {"d": detail}
    cache.set(key, [(n.number, n.external_id) for n in found], AVAILABILITY_SECONDS)
    return found, ""


@require_http_methods(["GET", "POST"])
@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    form = BrowseForm(request.GET)
    params = form.valid_data()
    viewer = viewer_for(request, client_id=params.get("client"), reseller_id=params.get("reseller"))
    group = catalog.group_for_sale(pk)
    if group is None:
        raise Http404
    book = _book(viewer)
    skus = list(group.skus.filter(retired_at__isnull=True).order_by("monthly_price", "id"))
    try:
        sku_prices = [
            (sku, price_group(book, group, setup=sku.setup_price, monthly=sku.monthly_price))
            for sku in skus
        ]
    except PriceUnavailable:
        raise Http404 from None  # not offered to this viewer
    live, availability_error = [], ""
    if terms_for(group).can_pick:
        live, availability_error = _live_numbers(group, viewer)
    live_count = live_stock(len(live), asked=PICKS)
    terms = terms_for(group, live_count=live_count)
    cart_form = AddToCartForm(
        request.POST or None, terms=terms, picks=[n.number for n in live], skus=skus
    )
    if request.method == "POST":
        if not viewer.can_buy:
            messages.error(request, _("Choose a client first: numbers are bought for a client."))
        elif cart_form.is_valid():
            data = cart_form.cleaned_data
            sku = next(s for s in skus if s.pk == data["sku"])
            listed = {n.number: n for n in live}  # the ids come from the provider, not the form
            try:
                services.cart_item_add(
                    client=viewer.client, group=group, sku=sku, quantity=data["quantity"],
                    billing_cycle=data["billing_cycle"], book=book,
                    picks=[listed[n] for n in data["numbers"]], live_count=live_count,
                )  # fmt: skip
            except ValidationError as error:
                cart_form.add_error(None, error)
            else:
                messages.success(request, _("Added to the cart."))
                return redirect(_with_client("billing:cart", viewer))
    return render(
        request,
        "billing/group_detail.html",
        {
            "group": group,
            "viewer": viewer,
            "sku_prices": sku_prices,
            "terms": terms,
            "live": live,
            "availability_error": availability_error,
            "cart_form": cart_form,
            "updated_at": group.account.last_sync_at,
        },
        status=400 if cart_form.errors else 200,
    )


def _with_client(name: str, viewer) -> str:
    from django.urls import reverse

    url = reverse(name)
    return f"{url}?client={viewer.client.pk}" if viewer.role != "client" and viewer.client else url


@require_GET
@login_required
def cart(request: HttpRequest) -> HttpResponse:
    form = BrowseForm(request.GET)
    params = form.valid_data()
    viewer = viewer_for(request, client_id=params.get("client"), reseller_id=params.get("reseller"))
    items = (
        CartItem.objects.filter(cart__client=viewer.client).select_related(
            "group__account", "group__country", "group__region", "group__city"
        )
        if viewer.client
        else CartItem.objects.none()
    )
    return render(request, "billing/cart.html", {"viewer": viewer, "items": items})


@require_POST
@login_required
def cart_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    params = BrowseForm(request.GET).valid_data()
    viewer = viewer_for(request, client_id=params.get("client"), reseller_id=params.get("reseller"))
    if viewer.client is None or not services.cart_item_remove(
        client=viewer.client, item_id=item_id
    ):
        raise Http404
    messages.success(request, _("Removed from the cart."))
    return redirect(_with_client("billing:cart", viewer))
