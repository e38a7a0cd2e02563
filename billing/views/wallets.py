"""Wallet pages: a client's own wallet, a reseller's wallets (its clients' and its own), payments
recorded by the reseller, and CSV statements (DESIGN.md §4).

Payments are recorded by any reseller person (staff do the bookkeeping); only the owner changes
a client's credit limit or reverses a payment recorded by mistake. A payment gateway will call
``wallets.wallet_top_up`` the same way, with its own payment id as the idempotency key.
"""

from __future__ import annotations

import csv
from datetime import UTC

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.forms import ClientSearchForm
from customers.models import Client
from customers.roles import client_required, reseller_required
from customers.tenant_status import Action, tenant_action_require, tenant_actions
from customers.views.common import add_service_errors, wants_fragment

from .. import payments, wallets
from .. import selectors_wallets as selectors
from ..forms_wallets import CreditLimitForm, ReversalForm, StatementFilterForm, TopUpForm
from ..models import LedgerAccount, PendingPayment
from ..money import format_minor

WALLET = "billing/wallet.html"
REVERSE = "billing/wallet_reverse.html"
WALLETS = "billing/wallets.html"
ROWS_PER_PAGE = 50
CLIENTS_PER_PAGE = 25
CSV_HEADER = [
    "date", "transaction", "kind", "memo", "reference", "amount", "balance_after", "currency",
]  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula (memo and reference are
# typed by people).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _statement(request: HttpRequest, wallet: LedgerAccount) -> dict:
    search = StatementFilterForm(request.GET)
    postings = selectors.wallet_statement(wallet=wallet, filters=search.filters())
    page: Page = Paginator(postings, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.statement_rows(page.object_list)
    return {"search": search, "page": page, "query": _query(request)}


def _wallet_page(
    request: HttpRequest,
    wallet: LedgerAccount,
    *,
    page_url: str,
    csv_url: str,
    status: int = 200,
    **context,
) -> HttpResponse:
    """The statement page of ``wallet`` (only the statement for HTMX). ``page_url`` is where the
    filters and page links go: a form error re-renders this page from the form's URL."""
    context |= {"page_url": page_url, "csv_url": csv_url, **_statement(request, wallet)}
    if wants_fragment(request) and request.method == "GET":
        return render(request, WALLET + "#results", context)
    context |= {
        "summary": selectors.wallet_summary(wallet=wallet),
        "holds": selectors.wallet_open_holds(wallet=wallet),
    }
    return render(request, WALLET, context, status=status)


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """csv.writer writes into this and gets the line back, to stream it."""

    def write(self, value: str) -> str:
        return value


def _csv(request: HttpRequest, wallet: LedgerAccount, *, name: str) -> StreamingHttpResponse:
    postings = selectors.wallet_statement(
        wallet=wallet, filters=StatementFilterForm(request.GET).filters()
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        for posting in postings.iterator(chunk_size=500):
            row = selectors.statement_row(posting)
            yield writer.writerow([
                row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                row.transaction_id,
                row.kind,
                _safe_cell(row.memo),
                _safe_cell(row.reference),
                row.amount.amount,
                row.balance_after.amount,
                row.amount.currency,
            ])  # fmt: skip

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"wallet-{slugify(name) or wallet.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- clients ------------------------------------------------------------------------------------


@require_GET
@client_required
def client_wallet(request: HttpRequest) -> HttpResponse:
    wallet = selectors.member_client_wallet(actor=request.membership)
    return _wallet_page(
        request,
        wallet,
        page_url=reverse("billing:wallet"),
        csv_url=reverse("billing:wallet_csv"),
        mode="client",
    )


@require_GET
@client_required
def client_wallet_csv(request: HttpRequest) -> StreamingHttpResponse:
    wallet = selectors.member_client_wallet(actor=request.membership)
    return _csv(request, wallet, name=request.membership.client.name)


# --- resellers ----------------------------------------------------------------------------------


@require_GET
@reseller_required
def reseller_wallets(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    search = ClientSearchForm(request.GET)
    search.is_valid()  # a bad page number must not drop the search
    q = search.cleaned_data.get("q", "")
    clients = selectors.reseller_client_wallets(actor=actor, search=q)
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.client_wallet_rows(page.object_list, actor.reseller.currency)
    context = {"search": search, "page": page, "query": _query(request)}
    if wants_fragment(request):
        return render(request, WALLETS + "#results", context)
    own = selectors.reseller_own_wallet(actor=actor)
    return render(request, WALLETS, context | {"own": selectors.wallet_summary(wallet=own)})


@require_GET
@reseller_required
def reseller_own_wallet(request: HttpRequest) -> HttpResponse:
    wallet = selectors.reseller_own_wallet(actor=request.membership)
    return _wallet_page(
        request,
        wallet,
        page_url=reverse("billing:reseller_wallet"),
        csv_url=reverse("billing:reseller_wallet_csv"),
        mode="reseller",
    )


@require_GET
@reseller_required
def reseller_own_wallet_csv(request: HttpRequest) -> StreamingHttpResponse:
    wallet = selectors.reseller_own_wallet(actor=request.membership)
    return _csv(request, wallet, name=request.membership.reseller.name)


def _client_wallet_page(
    request: HttpRequest,
    client: Client,
    wallet: LedgerAccount,
    *,
    top_up_form: TopUpForm | None = None,
    credit_form: CreditLimitForm | None = None,
) -> HttpResponse:
    failed = bool((top_up_form and top_up_form.errors) or (credit_form and credit_form.errors))
    if credit_form is None:
        limit = selectors.Money(wallet.credit_limit_minor, wallet.currency).amount
        credit_form = CreditLimitForm(initial={"credit_limit": limit}, currency=wallet.currency)
    staff = {}
    if payments.is_limited(request.membership, wallet):
        limits = payments.staff_payment_limits(reseller=request.membership.reseller)
        staff = {
            "staff_limits": limits,
            "staff_per_payment": format_minor(limits.per_payment_minor, limits.currency),
            "staff_per_day": format_minor(limits.per_day_minor, limits.currency),
        }
    return _wallet_page(
        request,
        wallet,
        **staff,
        page_url=reverse("billing:client_wallet", args=[client.pk]),
        csv_url=reverse("billing:client_wallet_csv", args=[client.pk]),
        status=400 if failed else 200,
        mode="reseller_client",
        client=client,
        client_can=tenant_actions(request.membership, client),
        top_up_form=top_up_form or TopUpForm(currency=wallet.currency),
        credit_form=credit_form,
    )


@require_http_methods(["GET", "POST"])
@reseller_required
def reseller_client_wallet(request: HttpRequest, pk: int) -> HttpResponse:
    """A client's statement with the payment form; a POST sets the credit limit (owners)."""
    client, wallet = selectors.reseller_client_wallet(actor=request.membership, pk=pk)
    if request.method == "GET":
        return _client_wallet_page(request, client, wallet)
    if not request.membership.is_reseller_owner:
        raise PermissionDenied
    form = CreditLimitForm(request.POST, currency=wallet.currency)
    if form.is_valid():
        try:
            wallets.wallet_credit_limit_set(
                actor=request.user,
                membership=request.membership,
                wallet=wallet,
                limit_minor=form.cleaned_data["credit_limit_minor"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            limit = selectors.Money(wallet.credit_limit_minor, wallet.currency)
            messages.success(
                request,
                _("Credit limit of %(client)s set to %(limit)s.")
                % {"client": client.name, "limit": limit},
            )
            return redirect("billing:client_wallet", pk=client.pk)
    return _client_wallet_page(request, client, wallet, credit_form=form)


@require_GET
@reseller_required
def reseller_client_wallet_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    client, wallet = selectors.reseller_client_wallet(actor=request.membership, pk=pk)
    return _csv(request, wallet, name=client.name)


@require_POST
@reseller_required
def reseller_client_top_up(request: HttpRequest, pk: int) -> HttpResponse:
    client, wallet = selectors.reseller_client_wallet(actor=request.membership, pk=pk)
    form = TopUpForm(request.POST, currency=wallet.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result, created = wallets.wallet_top_up(
                actor=request.user,
                membership=request.membership,
                wallet=wallet,
                amount_minor=data["amount_minor"],
                method=data["method"],
                reference=data["reference"],
                idempotency_key=data["idempotency_key"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            amount = selectors.Money(data["amount_minor"], wallet.currency)
            if isinstance(result, PendingPayment):
                messages.warning(
                    request,
                    _(
                        "Payment of %(amount)s for %(client)s is above your limits: it waits "
                        "for an owner's approval and is not in the wallet yet."
                    )
                    % {"amount": amount, "client": client.name},
                )
            elif created:
                messages.success(
                    request,
                    _("Payment of %(amount)s recorded for %(client)s.")
                    % {"amount": amount, "client": client.name},
                )
            else:
                messages.info(request, _("This payment was already recorded."))
            return redirect("billing:client_wallet", pk=client.pk)
    form.renew_key()
    return _client_wallet_page(request, client, wallet, top_up_form=form)


@require_http_methods(["GET", "POST"])
@reseller_required
def reseller_client_payment_reverse(request: HttpRequest, pk: int, txn: int) -> HttpResponse:
    """Confirm, with a reason, then reverse a payment into a client's wallet (owners only)."""
    client, wallet = selectors.reseller_client_wallet(actor=request.membership, pk=pk)
    payment = wallets.reversible_payment(wallet=wallet, transaction_id=txn)
    if not request.membership.is_reseller_owner:
        raise PermissionDenied
    # Before the form: a confirm page that cannot be submitted is not shown.
    tenant_action_require(
        membership=request.membership, action=Action.PAYMENT_REVERSE, client=client
    )
    back = reverse("billing:client_wallet", args=[client.pk])
    if hasattr(payment, "reversal"):
        messages.info(request, _("This payment was already reversed."))
        return redirect(back)
    form = ReversalForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            _reversal, created = wallets.wallet_payment_reverse(
                actor=request.user,
                membership=request.membership,
                wallet=wallet,
                transaction_id=payment.pk,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            amount = selectors.Money(
                payment.postings.get(account=wallet).amount_minor, wallet.currency
            )
            if created:
                messages.success(
                    request,
                    _("Payment of %(amount)s reversed for %(client)s.")
                    % {"amount": amount, "client": client.name},
                )
            else:
                messages.info(request, _("This payment was already reversed."))
            return redirect(back)
    posting = payment.postings.get(account=wallet)
    context = {
        "client": client,
        "form": form,
        "payment": selectors.statement_row(posting),
        "summary": selectors.wallet_summary(wallet=wallet),
        "back_url": back,
    }
    return render(request, REVERSE, context, status=400 if form.errors else 200)
