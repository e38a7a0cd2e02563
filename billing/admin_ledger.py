"""The ledger in the admin: accounts (with payments, reversals and credit limits on reseller
wallets), transactions, postings and holds, all read-only."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers.views.common import add_service_errors

from .admin_base import ReadOnlyAdmin, ReadOnlyInline
from .forms_wallets import AdminReversalForm, CreditLimitForm, TopUpForm
from .models_ledger import (
    AccountKind,
    Hold,
    LedgerAccount,
    LedgerTransaction,
    Posting,
    TransactionKind,
)
from .models_payments import PendingPayment, StaffPaymentLimits
from .money import format_money, from_minor
from .selectors_wallets import wallet_summary
from .wallets import wallet_credit_limit_set, wallet_payment_reverse, wallet_top_up

ADMIN_PAYMENT = "billing/wallet_admin_payment.html"
REVERSIBLE_SHOWN = 50


def minor_money(minor: int, currency: str) -> str:
    return format_money(from_minor(minor, currency), currency)


def _reversible(wallet: LedgerAccount) -> list[tuple[LedgerTransaction, str]]:
    """The wallet's last payments not reversed yet, labelled for a choice list."""
    postings = (
        Posting.objects.filter(
            account=wallet,
            transaction__kind=TransactionKind.TOP_UP,
            transaction__reversal__isnull=True,
        )
        .select_related("transaction")
        .order_by("-id")[:REVERSIBLE_SHOWN]
    )
    return [
        (
            p.transaction,
            f"{p.transaction.created_at:%Y-%m-%d} · {minor_money(p.amount_minor, p.currency)} · "
            f"{p.transaction.payment_reference}",
        )
        for p in postings
    ]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "owner", "currency", "balance", "credit_limit", "links"]
    list_filter = ["kind", "currency"]
    search_fields = ["key", "client__name", "reseller__name", "reseller__display_name"]
    list_select_related = ["client", "reseller", "provider_account"]
    fields = [
        "key", "kind", "currency", "reseller", "client", "provider_account", "balance",
        "credit_limit", "created_at", "links",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("owner"))
    def owner(self, account: LedgerAccount) -> str:
        return str(account.client or account.reseller or account.provider_account or "—")

    @admin.display(description=_("balance"), ordering="balance_minor")
    def balance(self, account: LedgerAccount) -> str:
        return minor_money(account.balance_minor, account.currency)

    @admin.display(description=_("credit limit"), ordering="credit_limit_minor")
    def credit_limit(self, account: LedgerAccount) -> str:
        if not account.is_wallet:
            return "—"
        return minor_money(account.credit_limit_minor, account.currency)

    @admin.display(description=_("see"))
    def links(self, account: LedgerAccount) -> str:
        postings = reverse("admin:billing_posting_changelist")
        html = format_html(
            '<a href="{}?account__id__exact={}">{}</a>', postings, account.pk, _("Statement")
        )
        if account.is_wallet:
            holds = reverse("admin:billing_hold_changelist")
            html += format_html(
                ' · <a href="{}?wallet__id__exact={}">{}</a>', holds, account.pk, _("Holds")
            )
        if account.kind == AccountKind.RESELLER_WALLET:
            payment = reverse("admin:billing_ledgeraccount_payment", args=[account.pk])
            html += format_html(' · <a href="{}">{}</a>', payment, _("Record a payment"))
        return html

    def get_urls(self):
        view = self.admin_site.admin_view(self.payment_view)
        return [
            path("<int:pk>/payment/", view, name="billing_ledgeraccount_payment"),
            *super().get_urls(),
        ]

    def _record_payment(self, request: HttpRequest, wallet: LedgerAccount, data: dict) -> None:
        _txn, created = wallet_top_up(
            actor=request.user, membership=None, wallet=wallet,
            amount_minor=data["amount_minor"], method=data["method"],
            reference=data["reference"], idempotency_key=data["idempotency_key"],
            note=data["note"],
        )  # fmt: skip
        amount = minor_money(data["amount_minor"], wallet.currency)
        if created:
            self.message_user(
                request, _("Payment of %(amount)s recorded.") % {"amount": amount}, messages.SUCCESS
            )
        else:
            self.message_user(request, _("This payment was already recorded."), messages.INFO)

    def payment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Record a reseller's payment to the platform, reverse one, or set its credit limit."""
        if not request.user.has_perm("billing.add_ledgertransaction"):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        wallet = get_object_or_404(LedgerAccount, pk=pk, kind=AccountKind.RESELLER_WALLET)
        posted = request.POST.get("form") if request.method == "POST" else None
        payment = TopUpForm(request.POST if posted == "payment" else None, currency=wallet.currency)
        limit = CreditLimitForm(
            request.POST if posted == "credit_limit" else None,
            currency=wallet.currency,
            initial={"credit_limit": from_minor(wallet.credit_limit_minor, wallet.currency)},
        )
        reversal = AdminReversalForm(
            request.POST if posted == "reversal" else None, payments=_reversible(wallet)
        )
        forms_by_name = {"payment": payment, "credit_limit": limit, "reversal": reversal}
        try:
            if posted == "reversal" and reversal.is_valid():
                _txn, created = wallet_payment_reverse(
                    actor=request.user, membership=None, wallet=wallet,
                    transaction_id=reversal.cleaned_data["payment"],
                    reason=reversal.cleaned_data["reason"],
                )  # fmt: skip
                done = (
                    _("Payment reversed.") if created else _("This payment was already reversed.")
                )
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:billing_ledgeraccount_change", wallet.pk)
            if posted == "payment" and payment.is_valid():
                self._record_payment(request, wallet, payment.cleaned_data)
                return redirect("admin:billing_ledgeraccount_change", wallet.pk)
            if posted == "credit_limit" and limit.is_valid():
                limit_minor = limit.cleaned_data["credit_limit_minor"]
                wallet_credit_limit_set(
                    actor=request.user, membership=None, wallet=wallet, limit_minor=limit_minor
                )
                self.message_user(
                    request,
                    _("Credit limit set to %(limit)s.")
                    % {"limit": minor_money(limit_minor, wallet.currency)},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_ledgeraccount_change", wallet.pk)
        except ValidationError as error:
            add_service_errors(forms_by_name.get(posted, limit), error)
        if payment.is_bound:
            payment.renew_key()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record a payment"),
            "wallet": wallet,
            "summary": wallet_summary(wallet=wallet),
            "panels": [
                ("payment", _("Record a payment"), payment, _("Record payment")),
                ("credit_limit", _("Credit limit"), limit, _("Save credit limit")),
                ("reversal", _("Reverse a payment recorded by mistake"), reversal,
                 _("Reverse payment")),
            ],
        }  # fmt: skip
        status = 400 if any(form.errors for form in forms_by_name.values()) else 200
        return TemplateResponse(request, ADMIN_PAYMENT, context, status=status)


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields

    def get_queryset(self, request):
        related = ["account__client", "account__reseller", "account__provider_account"]
        return super().get_queryset(request).select_related(*related)

    @admin.display(description=_("amount"))
    def amount(self, posting: Posting) -> str:
        return minor_money(posting.amount_minor, posting.currency)

    @admin.display(description=_("balance after"))
    def balance_after(self, posting: Posting) -> str:
        return minor_money(posting.balance_after_minor, posting.currency)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "created_at", "kind", "memo", "reseller", "client", "order", "payment_method",
        "payment_reference", "created_by", "approved_by",
    ]  # fmt: skip
    list_filter = ["kind", "payment_method"]
    search_fields = [
        "memo", "payment_reference", "idempotency_key", "order__reference", "client__name",
        "reseller__name",
    ]  # fmt: skip
    list_select_related = ["reseller", "client", "order", "created_by", "approved_by"]
    date_hierarchy = "created_at"
    inlines = [PostingInline]
    show_full_result_count = False


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    """Open with ``?account__id__exact=<id>`` (the "Statement" link) for one account's."""

    list_display = [
        "id", "transaction", "transaction__created_at", "transaction__kind", "account",
        "amount", "balance_after",
    ]  # fmt: skip
    list_filter = ["account__kind", "currency"]
    search_fields = ["account__key", "transaction__memo", "transaction__payment_reference"]
    list_select_related = [
        "transaction", "account__client", "account__reseller", "account__provider_account",
    ]  # fmt: skip
    show_full_result_count = False
    amount = PostingInline.amount
    balance_after = PostingInline.balance_after


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "item", "amount", "captured", "released", "status"]
    list_filter = ["status"]
    search_fields = ["item__reference", "wallet__key"]
    list_select_related = ["wallet__client", "wallet__reseller", "item"]

    @admin.display(description=_("amount"))
    def amount(self, hold: Hold) -> str:
        return minor_money(hold.amount_minor, hold.wallet.currency)

    @admin.display(description=_("captured"))
    def captured(self, hold: Hold) -> str:
        return minor_money(hold.captured_minor, hold.wallet.currency)

    @admin.display(description=_("released"))
    def released(self, hold: Hold) -> str:
        return minor_money(hold.released_minor, hold.wallet.currency)


@admin.register(PendingPayment)
class PendingPaymentAdmin(ReadOnlyAdmin):
    """Staff payments above their reseller's limits; owners decide them in the portal."""

    list_display = [
        "created_at", "reseller", "client", "amount", "payment_reference", "recorded_by",
        "status", "decided_by", "decided_at",
    ]  # fmt: skip
    list_filter = ["status", "over_limit", "reseller"]
    search_fields = ["payment_reference", "client__name", "reseller__name", "recorded_by__email"]
    list_select_related = ["reseller", "client", "recorded_by", "decided_by"]

    @admin.display(description=_("amount"))
    def amount(self, pending: PendingPayment) -> str:
        return minor_money(pending.amount_minor, pending.currency)


@admin.register(StaffPaymentLimits)
class StaffPaymentLimitsAdmin(ReadOnlyAdmin):
    """Set by each reseller's owner in the portal (and written to the audit log there)."""

    list_display = ["reseller", "per_payment", "per_day", "updated_by", "updated_at"]
    list_select_related = ["reseller", "updated_by"]
    search_fields = ["reseller__name"]

    @admin.display(description=_("per payment"))
    def per_payment(self, limits: StaffPaymentLimits) -> str:
        return minor_money(limits.per_payment_minor, limits.currency)

    @admin.display(description=_("per staff member per day"))
    def per_day(self, limits: StaffPaymentLimits) -> str:
        return minor_money(limits.per_day_minor, limits.currency)
