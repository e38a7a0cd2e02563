"""What renewals record: one charge row per number and period, one sent-marker per notice."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RenewalCharge(models.Model):
    """A number's period, charged (or waived while the provider blocked the number). At most one
    per number and period: the row is written in the same transaction as the ledger transaction,
    whose idempotency key is derived from it (``renewal:<number>:<period_start>``)."""

    number = models.ForeignKey(
        "inventory.Number", on_delete=models.PROTECT, related_name="renewal_charges"
    )
    reseller = models.ForeignKey(
        "customers.Reseller", on_delete=models.PROTECT, related_name="renewal_charges"
    )
    client = models.ForeignKey(
        "customers.Client", on_delete=models.PROTECT, related_name="renewal_charges"
    )
    period = models.PositiveIntegerField()  # k: the period starts at anchor + k * cycle
    period_start = models.DateField()
    period_end = models.DateField()  # the last day of the period
    currency = models.CharField(max_length=3)
    retail_minor = models.BigIntegerField()
    wholesale_minor = models.BigIntegerField()
    cost_currency = models.CharField(max_length=3)
    cost_minor = models.BigIntegerField()
    # Tax added on top of retail (client → reseller) and wholesale (reseller → platform), posted
    # in the same ledger transaction; 0 when prices include tax. The rates are the ones that
    # applied (0 under reverse charge), for the invoices.
    retail_tax_minor = models.BigIntegerField(default=0)
    retail_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    wholesale_tax_minor = models.BigIntegerField(default=0)
    wholesale_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # Waived: the provider had blocked the number when the period began (not the client's fault).
    waived = models.BooleanField(default=False)
    transaction = models.OneToOneField(
        "billing.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_charge",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint("number", "period_start", name="renewal_once_per_period"),
            models.CheckConstraint(
                condition=models.Q(retail_minor__gte=0, wholesale_minor__gte=0, cost_minor__gte=0),
                name="renewal_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_id} {self.period_start}"

    @staticmethod
    def idempotency_key(number_id: int, period_start) -> str:
        return f"renewal:{number_id}:{period_start.isoformat()}"


class NoticeKind(models.TextChoices):
    UPCOMING_SHORT = "upcoming_short", _("Wallet will not cover the next renewal")
    GRACE = "grace", _("Renewal overdue")
    SUSPENDED = "suspended", _("Suspended")
    RELEASED = "released", _("Released")
    PRICE_CHANGE = "price_change", _("Price changes")


class RenewalNotice(models.Model):
    """An email about a number's period that was sent (or claimed for sending): each once."""

    number = models.ForeignKey("inventory.Number", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("number", "period_start", "kind", name="renewal_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number_id} {self.period_start}"
