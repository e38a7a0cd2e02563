"""Payments recorded by a reseller's staff: the limits the owner sets, and the payments over
them that wait for the owner's approval (issue 10).

A payment over a limit is not posted: it is kept here, with the idempotency key it came with,
until an owner approves it (then it is posted, recorded by the staff member and approved by the
owner) or rejects it with a reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller

from .models_ledger import LedgerAccount, LedgerTransaction, PaymentMethod

# In the reseller's selling currency, until its owner sets its own.
DEFAULT_PER_PAYMENT = Decimal("1000.00")
DEFAULT_PER_DAY = Decimal("5000.00")


class StaffPaymentLimits(models.Model):
    """How much one staff member may record without an owner: per payment, and per day (summed
    over the reseller's day, in its time zone). 0 means staff may not record payments at all.
    The row is also the lock that serializes a reseller's staff payments, so two at once cannot
    both slip under the daily limit."""

    reseller = models.OneToOneField(
        Reseller, on_delete=models.PROTECT, related_name="staff_payment_limits"
    )
    currency = models.CharField(max_length=3)
    per_payment_minor = models.BigIntegerField()
    per_day_minor = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("staff payment limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_payment_minor__gte=0, per_day_minor__gte=0),
                name="staff_payment_limits_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reseller} · {self.per_payment_minor}/{self.per_day_minor} {self.currency}"


class PendingPayment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class OverLimit(models.TextChoices):
        PER_PAYMENT = "per_payment", _("Above the limit per payment")
        PER_DAY = "per_day", _("Above the daily limit")

    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    payment_reference = models.CharField(max_length=100)
    memo = models.CharField(max_length=200, blank=True)
    # The same key as a posted top-up's: a double submit finds this row, not a second payment.
    idempotency_key = models.CharField(max_length=100, unique=True)
    over_limit = models.CharField(max_length=12, choices=OverLimit.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)  # a rejection's
    transaction = models.OneToOneField(
        LedgerTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pending_payment",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reseller", "status"], name="pending_payment_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="pending_payment_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="approved", transaction__isnull=False)
                | (~Q(status="approved") & Q(transaction__isnull=True)),
                name="pending_payment_posted_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_reference} ({self.get_status_display()})"
