"""Renewal pages: auto-renew, early release, the reseller's "due and at risk" list and settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import client_admin_required, reseller_owner_required, reseller_required
from customers.views.common import add_service_errors

from ..forms_renewals import NumberPriceForm, ReleaseForm, RenewalSettingsForm
from ..money import format_money, round_even
from ..renewals import prices, selectors, services
from ..renewals.postings import _amounts
from ..selectors_wallets import Money


@require_POST
@client_admin_required
def number_auto_renew(request: HttpRequest, pk: int) -> HttpResponse:
    number = selectors.number_get(actor=request.membership, pk=pk)
    on = request.POST.get("auto_renew") == "on"
    try:
        number = services.number_auto_renew_set(actor=request.membership, number=number, on=on)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if on:
            messages.success(request, _("%(number)s renews automatically.") % {"number": number})
        else:
            messages.success(
                request,
                _("%(number)s cancels at the end of its paid period, %(date)s.")
                % {"number": number, "date": date_format(number.paid_until, "DATE_FORMAT")},
            )
    return redirect("billing:numbers")


@require_http_methods(["GET", "POST"])
@client_admin_required
def number_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, naming what is lost, then release at once or at the end of the paid period."""
    number = selectors.number_get(actor=request.membership, pk=pk)
    if not selectors.releasable(number):
        messages.info(request, _("This number is already being released."))
        return redirect("billing:numbers")
    paid = selectors.is_paid(number)
    form = ReleaseForm(request.POST if request.method == "POST" else None, paid=paid)
    if form.is_valid():
        try:
            services.number_release_request(
                actor=request.membership, number=number, when=form.cleaned_data["when"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s will be released.") % {"number": number})
            return redirect("billing:numbers")
    credit = selectors.release_credit(number)
    return render(
        request,
        "billing/number_release.html",
        {
            "number": number,
            "form": form,
            "paid": paid,
            "credit": credit,
            "price": Money(_amounts(number)[0], number.currency),
        },
    )


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def number_price(request: HttpRequest, pk: int) -> HttpResponse:
    """The reseller's owner sets a number's retail price for later periods."""
    number = selectors.number_get(actor=request.membership, pk=pk)
    form = NumberPriceForm(
        request.POST if request.method == "POST" else None,
        initial={
            "price": round_even(number.retail_period_next or number.retail_period, number.currency)
        },
    )
    if form.is_valid():
        try:
            number = prices.number_retail_price_set(
                actor=request.membership, number=number, price=form.cleaned_data["price"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if number.retail_period_next_from:
                messages.success(
                    request,
                    _("%(number)s costs %(price)s per period from %(date)s; its client is told.")
                    % {
                        "number": number,
                        "price": format_money(number.retail_period_next, number.currency),
                        "date": date_format(number.retail_period_next_from, "DATE_FORMAT"),
                    },
                )
            else:
                messages.success(request, _("%(number)s keeps its price.") % {"number": number})
            return redirect("billing:numbers")
    return render(
        request,
        "billing/number_price.html",
        {
            "number": number,
            "form": form,
            "price": format_money(number.retail_period, number.currency),
            "wholesale": format_money(number.wholesale_period, number.currency),
            "first_period": prices.price_change_first_period(number, timezone.now()),
            "notice_days": settings.RENEWAL_PRICE_NOTICE_DAYS,
        },
    )


@require_GET
@reseller_required
def at_risk(request: HttpRequest) -> HttpResponse:
    rows = selectors.reseller_at_risk(actor=request.membership)
    return render(request, "billing/renewals_at_risk.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def renewal_settings(request: HttpRequest) -> HttpResponse:
    reseller = request.membership.reseller
    initial = {
        "time_zone": reseller.time_zone,
        "grace_days": reseller.renewal_grace_days,
        "suspension_days": reseller.renewal_suspension_days,
        "prorated_credit": reseller.release_prorated_credit,
    }
    form = RenewalSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            services.reseller_renewal_settings_set(
                actor=request.membership, reseller=reseller, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Renewal settings saved."))
            return redirect(reverse("billing:renewal_settings"))
    context = {
        "form": form,
        "local_suspension_numbers": selectors.numbers_without_upstream_suspension(
            actor=request.membership
        ),
        "shortest_grace_days": settings.RENEWAL_SHORTEST_GRACE_DAYS,
    }
    return render(request, "billing/renewal_settings.html", context)
