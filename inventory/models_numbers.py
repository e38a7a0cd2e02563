"""Numbers the platform's clients own (DESIGN.md §1: inventory holds owned numbers).

A ``Number`` is created when provisioning delivers it. It carries the three prices it was sold at
(cost in the provider's currency; wholesale and retail in the reseller's) so renewals and margins
never re-price history. ``order_reference`` names the order item in billing without importing it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller


class NumberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    AWAITING_DOCUMENTS = "awaiting_documents", _("Documents required")
    SUSPENDED = "suspended", _("Suspended")
    RELEASED = "released", _("Released")


class Number(models.Model):
    e164 = models.CharField(_("number"), max_length=20)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="numbers")
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="numbers")
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.PROTECT, related_name="numbers"
    )
    group = models.ForeignKey(
        "inventory.DidGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.ForeignKey(
        "inventory.Sku", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    number_type = models.CharField(max_length=12, blank=True)
    order_reference = models.CharField(max_length=40, db_index=True)
    billing_cycle = models.CharField(max_length=10)
    currency = models.CharField(max_length=3)  # the reseller's, for wholesale and retail
    retail_setup = models.DecimalField(max_digits=12, decimal_places=4)
    retail_period = models.DecimalField(max_digits=12, decimal_places=4)
    wholesale_setup = models.DecimalField(max_digits=12, decimal_places=4)
    wholesale_period = models.DecimalField(max_digits=12, decimal_places=4)
    cost_setup = models.DecimalField(max_digits=12, decimal_places=4)
    cost_monthly = models.DecimalField(max_digits=12, decimal_places=4)
    cost_currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=NumberStatus.choices)
    activated_at = models.DateTimeField()
    paid_until = models.DateField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["e164"]
        constraints = [
            # A number belongs to one client at a time; a released number may be sold again.
            models.UniqueConstraint(
                "provider_account",
                "e164",
                condition=~Q(status="released"),
                name="number_owned_once",
            ),
        ]
        indexes = [models.Index(fields=["client", "status"], name="number_client_status")]

    def __str__(self) -> str:
        return self.e164

    @property
    def order_code(self) -> str:
        """The order's reference ("DH-7K3QX9PA") from the item's ("DH-7K3QX9PA-2")."""
        return self.order_reference.rsplit("-", 1)[0]
