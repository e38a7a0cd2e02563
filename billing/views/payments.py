"""A reseller's payments into its clients' wallets: those awaiting an owner's approval (staff
payments above the owner's limits), recent rejections, and every posted payment with who
recorded and who approved it; the owner's staff payment limits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import reseller_owner_required, reseller_required
from customers.views.common import add_service_errors, wants_fragment

from .. import payments
from .. import selectors_payments as selectors
from ..forms_wallets import PaymentRejectForm, StaffPaymentLimitsForm
from ..money import format_minor, from_minor

PAGE = "billing/payments.html"
REJECT = "billing/payment_reject.html"
LIMITS = "billing/payment_limits.html"
ROWS_PER_PAGE = 50


@require_GET
@reseller_required
def reseller_payments(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    page = Paginator(selectors.client_payments(actor=actor), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.payment_rows(page.object_list)
    context = {"page": page, "query": ""}
    if wants_fragment(request):
        return render(request, PAGE + "#results", context)
    limits = payments.staff_payment_limits(reseller=actor.reseller)
    context |= {
        "pending": list(selectors.pending_payments(actor=actor)),
        "rejected": selectors.rejected_payments(actor=actor),
        "limits": limits,
        "per_payment": format_minor(limits.per_payment_minor, limits.currency),
        "per_day": format_minor(limits.per_day_minor, limits.currency),
    }
    return render(request, PAGE, context)


@require_POST
@reseller_owner_required
def payment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    pending = selectors.pending_payment_get(actor=request.membership, pk=pk)
    amount = format_minor(pending.amount_minor, pending.currency)
    try:
        _txn, created = payments.pending_payment_approve(
            actor=request.membership, pending_id=pending.pk
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(
                request,
                _("Payment of %(amount)s for %(client)s approved and added to the wallet.")
                % {"amount": amount, "client": pending.client.name},
            )
        else:
            messages.info(request, _("This payment was already approved."))
    return redirect("billing:reseller_payments")


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def payment_reject(request: HttpRequest, pk: int) -> HttpResponse:
    pending = selectors.pending_payment_get(actor=request.membership, pk=pk)
    if pending.status != pending.Status.PENDING:
        messages.info(request, _("This payment was already decided."))
        return redirect("billing:reseller_payments")
    form = PaymentRejectForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            payments.pending_payment_reject(
                actor=request.membership, pending_id=pending.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Payment rejected; nothing was added to the wallet."))
            return redirect("billing:reseller_payments")
    context = {
        "pending": pending,
        "amount": format_minor(pending.amount_minor, pending.currency),
        "form": form,
    }
    return render(request, REJECT, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@reseller_owner_required
def payment_limits(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    limits = payments.staff_payment_limits(reseller=actor.reseller)
    if request.method == "POST":
        form = StaffPaymentLimitsForm(request.POST, currency=limits.currency)
        if form.is_valid():
            try:
                payments.staff_payment_limits_set(
                    actor=actor,
                    per_payment_minor=form.cleaned_data["per_payment_minor"],
                    per_day_minor=form.cleaned_data["per_day_minor"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Staff payment limits saved."))
                return redirect("billing:reseller_payments")
    else:
        form = StaffPaymentLimitsForm(
            currency=limits.currency,
            initial={
                "per_payment": from_minor(limits.per_payment_minor, limits.currency),
                "per_day": from_minor(limits.per_day_minor, limits.currency),
            },
        )
    return render(request, LIMITS, {"form": form}, status=400 if form.errors else 200)
