"""Prices: exchange rates and markup rules (DESIGN.md §4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller
from inventory.models import NumberType


class ExchangeRate(models.Model):
    """1 ``base`` = ``rate`` ``quote``. Maintained by platform admins."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["base", "quote"]
        constraints = [
            models.UniqueConstraint("base", "quote", name="fx_pair_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fx_rate_positive"),
            models.CheckConstraint(condition=~Q(base=models.F("quote")), name="fx_distinct_pair"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate.normalize()} {self.quote}"


class Rounding(models.TextChoices):
    CENT = "cent", _("Up to the cent")
    UP_TO_99 = "up_99", _("Up to .99")
    UP_TO_95 = "up_95", _("Up to .95")
    UP_TO_05 = "up_05", _("Up to the next .05")
    UP_TO_WHOLE = "up_whole", _("Up to a whole amount")


class MarkupRule(models.Model):
    """One rule of a price plan.

    ``level=wholesale``: the platform's rule for a reseller (cost → wholesale).
    ``level=retail``: a reseller's rule for its clients (wholesale → retail), for one client when
    ``client`` is set. Empty country / number type match everything; the most specific rule wins.
    Amounts are in the reseller's selling currency.
    """

    class Level(models.TextChoices):
        WHOLESALE = "wholesale", _("Wholesale (platform → reseller)")
        RETAIL = "retail", _("Retail (reseller → client)")

    level = models.CharField(max_length=10, choices=Level.choices)
    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="markup_rules")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="markup_rules"
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    number_type = models.CharField(
        _("number type"), max_length=12, blank=True, choices=NumberType.choices
    )
    percent = models.DecimalField(
        _("markup %"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fixed_setup = models.DecimalField(
        _("fixed on setup"), max_digits=10, decimal_places=4, default=Decimal("0")
    )
    fixed_monthly = models.DecimalField(
        _("fixed on monthly"), max_digits=10, decimal_places=4, default=Decimal("0")
    )
    min_margin_setup = models.DecimalField(
        _("minimum margin on setup"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_margin_monthly = models.DecimalField(
        _("minimum margin on monthly"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    rounding = models.CharField(max_length=10, choices=Rounding.choices, default=Rounding.CENT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reseller", "level", "client", "country", "number_type"]
        constraints = [
            # Two partial constraints instead of NULLS NOT DISTINCT, which SQLite lacks.
            models.UniqueConstraint(
                "level",
                "reseller",
                "country",
                "number_type",
                condition=Q(client__isnull=True),
                name="markup_rule_unique_plan",
            ),
            models.UniqueConstraint(
                "level",
                "reseller",
                "client",
                "country",
                "number_type",
                condition=Q(client__isnull=False),
                name="markup_rule_unique_client",
            ),
            models.CheckConstraint(
                condition=Q(level="retail") | Q(client__isnull=True),
                name="markup_wholesale_has_no_client",
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        scope = []
        if self.client_id:
            scope.append(str(_("client's own")))  # no query: this runs once per priced row
        if self.country:
            scope.append(self.country)
        if self.number_type:
            scope.append(self.number_type.replace("_", "-"))
        where = " / ".join(scope) or str(_("default"))
        parts = [f"+{_plain(self.percent)}%"]
        if self.fixed_setup or self.fixed_monthly:
            parts.append(
                f"+{_plain(self.fixed_setup)} setup / +{_plain(self.fixed_monthly)} monthly"
            )
        if self.min_margin_setup or self.min_margin_monthly:
            parts.append(f"min {_plain(self.min_margin_setup)} / {_plain(self.min_margin_monthly)}")
        level = str(self.Level(self.level).label).split(" ")[0]
        return f"{level} {where}: {', '.join(parts)}"


def _plain(amount: Decimal) -> str:
    """2, 0.5, 12.25: no exponent and no trailing zeros."""
    return format(amount.normalize(), "f")


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")


CYCLE_MONTHS = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.ANNUAL: 12}


class Cart(models.Model):
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="cart")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart of {self.client}"


class CartItem(models.Model):
    """A number (or several) the client intends to buy, with the prices it was shown."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    group = models.ForeignKey("inventory.DidGroup", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    billing_cycle = models.CharField(max_length=10, choices=BillingCycle.choices)
    numbers = models.JSONField(default=list, blank=True)  # exact numbers picked, E.164
    # The provider's id for each picked number, as its adapter listed it (empty where the
    # provider orders by the number itself): never taken from the browser.
    number_ids = models.JSONField(default=list, blank=True)
    setup_price = models.DecimalField(max_digits=12, decimal_places=4)  # retail, per number
    monthly_price = models.DecimalField(max_digits=12, decimal_places=4)  # retail, per number
    currency = models.CharField(max_length=3)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.group}"

    @property
    def period_price(self) -> Decimal:
        return self.monthly_price * CYCLE_MONTHS[self.billing_cycle]

    @property
    def first_charge(self) -> Decimal:
        return (self.setup_price + self.period_price) * self.quantity

    @property
    def on_request(self) -> bool:
        """Out of stock at a provider that back-orders: delivered when numbers come in."""
        from inventory.buying import terms_for

        return not self.numbers and terms_for(self.group).on_request


# The ledger and orders live in their own modules; importing them here registers the models.
from .invoices.models import (  # noqa: E402, F401
    DocumentSequence,
    Invoice,
    InvoiceLine,
    IssuerProfile,
)
from .models_ledger import (  # noqa: E402, F401
    WALLET_KINDS,
    AccountKind,
    Hold,
    LedgerAccount,
    LedgerTransaction,
    PaymentMethod,
    Posting,
    TransactionKind,
)
from .models_orders import (  # noqa: E402, F401
    ACTIVE_STATES,
    FINAL_STATES,
    STEP,
    WAITING_STATES,
    ItemState,
    Order,
    OrderItem,
    OrderStatus,
    ProviderEvent,
)
from .models_payments import PendingPayment, StaffPaymentLimits  # noqa: E402, F401
from .reconcile.models import ReconcileFinding, ReconcileRun  # noqa: E402, F401
from .renewals.models import RenewalCharge, RenewalNotice  # noqa: E402, F401
