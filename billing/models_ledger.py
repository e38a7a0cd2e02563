"""The double-entry ledger and wallets (DESIGN.md §4).

Every movement of money is a ``LedgerTransaction`` whose ``Posting`` rows sum to zero per currency
(checked by the posting service and, on PostgreSQL, by a deferred constraint trigger). Amounts are
integer minor units of the account's currency. Postings and transactions are never changed or
deleted (a trigger refuses it on PostgreSQL): a correction is a new transaction.

Sign convention: an account's balance is the sum of its postings. A wallet's positive balance is
money its holder can spend; a revenue account's positive balance is money earned; clearing holds
open holds; a provider payable's positive balance is what the platform owes that provider;
"payments received" goes negative by what was paid in from outside (bank transfer, cash…).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller


class AccountKind(models.TextChoices):
    CLIENT_WALLET = "client_wallet", _("Client wallet")
    RESELLER_WALLET = "reseller_wallet", _("Reseller wallet")
    RESELLER_REVENUE = "reseller_revenue", _("Reseller revenue")
    RESELLER_RECEIVED = "reseller_received", _("Payments received by the reseller")
    PLATFORM_REVENUE = "platform_revenue", _("Platform revenue")
    PLATFORM_RECEIVED = "platform_received", _("Payments received by the platform")
    CLEARING = "clearing", _("Clearing (open holds)")
    PROVIDER_PAYABLE = "provider_payable", _("Provider payable")
    # Tax charged on top of prices, owed to the tax authority by the reseller (or the platform:
    # no reseller).
    TAX_PAYABLE = "tax_payable", _("Tax payable")


WALLET_KINDS = (AccountKind.CLIENT_WALLET, AccountKind.RESELLER_WALLET)


class LedgerAccount(models.Model):
    """One account of the ledger in one currency. ``key`` names it uniquely
    ("client_wallet:12:USD", "clearing:EUR") so services can find or create it race-free."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    # The sum of this account's postings, kept in the same transaction as the postings.
    balance_minor = models.BigIntegerField(default=0)
    # Wallets only: how far below zero the balance may go.
    credit_limit_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "currency", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit_minor__gte=0), name="ledger_credit_limit_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=WALLET_KINDS)
                | Q(balance_minor__gte=-F("credit_limit_minor")),
                name="wallet_within_credit_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.CLIENT_WALLET) | Q(client__isnull=False),
                name="client_wallet_has_client",
            ),
        ]

    def __str__(self) -> str:
        owner = self.client or self.reseller or self.provider_account or _("platform")
        return f"{self.get_kind_display()} · {owner} · {self.currency}"

    @property
    def is_wallet(self) -> bool:
        return self.kind in WALLET_KINDS


class TransactionKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    HOLD = "hold", _("Order hold")
    CAPTURE = "capture", _("Order charge")
    REFUND = "refund", _("Order refund")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")
    RENEWAL = "renewal", _("Renewal")
    CREDIT = "credit", _("Credit")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card (outside the portal)")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


class LedgerTransaction(models.Model):
    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    memo = models.CharField(max_length=200, blank=True)
    # A top-up's or a checkout's key: the same key twice is the same transaction.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Who may see it: the reseller (always, when a tenant is involved) and the client.
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "billing.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    payment_method = models.CharField(
        max_length=16, choices=PaymentMethod.choices, blank=True, default=""
    )
    payment_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A staff payment above its limits: the owner who let it post (created_by recorded it).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A reversal's original (a payment recorded by mistake): posted rows are never edited, so
    # the correction is a new transaction pointing at the one it undoes, at most one per original.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(kind="reversal"),
                name="only_reversals_reverse",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.memo}"


class Posting(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # the account's, repeated for the zero-sum check
    # The account's balance right after this posting: a statement needs no running sum.
    balance_after_minor = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "-id"], name="posting_account_recent")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="posting_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor:+d} {self.currency} → {self.account_id}"


class Hold(models.Model):
    """Money moved from a wallet to clearing for an order item until the item resolves: the
    captured part goes to revenue, the rest back to the wallet, once."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled")

    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="holds")
    item = models.ForeignKey("billing.OrderItem", on_delete=models.PROTECT, related_name="holds")
    amount_minor = models.BigIntegerField()
    # Of amount_minor, the tax charged on top of the price (0 when prices include tax); the
    # captured share of it goes to the issuer's tax-payable account, not to revenue.
    tax_minor = models.BigIntegerField(default=0)
    # The rate that applied when the order was placed (0 under reverse charge): the invoice's.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    captured_minor = models.BigIntegerField(default=0)
    released_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("item", "wallet", name="hold_one_per_item_wallet"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="hold_positive"),
            models.CheckConstraint(
                condition=Q(tax_minor__gte=0) & Q(tax_minor__lte=F("amount_minor")),
                name="hold_tax_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(captured_minor__gte=0, released_minor__gte=0)
                & Q(amount_minor__gte=F("captured_minor") + F("released_minor")),
                name="hold_settles_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(amount_minor=F("captured_minor") + F("released_minor")),
                name="hold_settled_in_full",
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.amount_minor} on {self.wallet_id} for item {self.item_id}"
