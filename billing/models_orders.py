"""Orders and their provisioning state (DESIGN.md §4 and §5).

The order item row is the source of truth for provisioning: tasks carry its id, lock it, check
its state and move it forward only (``ItemState.FORWARD``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller

from .models import BillingCycle


class OrderStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    COMPLETED = "completed", _("Completed")
    PARTIAL = "partial", _("Partly completed")
    FAILED = "failed", _("Failed")


class Order(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # "DH-7K3QX9PA", shown to people
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="orders")
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="orders")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    retail_total_minor = models.BigIntegerField()
    wholesale_total_minor = models.BigIntegerField()
    # Tax added on top of the retail total (held and charged with it); 0 when prices include it.
    retail_tax_minor = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PROCESSING
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("client", "idempotency_key", name="order_idempotent"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def in_flight(self) -> bool:
        return self.status == OrderStatus.PROCESSING


class ItemState(models.TextChoices):
    PLACED = "placed", _("Placed")
    SUBMITTING = "submitting", _("Submitting")
    PENDING_UPSTREAM = "pending_upstream", _("Being provisioned")
    BACKORDERED = "backordered", _("Back-ordered")
    AWAITING_DOCUMENTS = "awaiting_documents", _("Documents required")
    FULFILLED = "fulfilled", _("Active")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Partly delivered")
    FAILED = "failed", _("Failed")
    DEAD_LETTER = "dead_letter", _("Needs attention")


# States the provisioning job still advances. Regulated numbers wait in "documents required"
# with their money on hold (nothing is charged for a number that cannot carry calls yet) while
# the job checks the provider slowly: approved documents settle the item like any delivery, a
# provider's cancelation refunds it.
ACTIVE_STATES = (
    ItemState.PLACED,
    ItemState.SUBMITTING,
    ItemState.PENDING_UPSTREAM,
    ItemState.BACKORDERED,
    ItemState.AWAITING_DOCUMENTS,
)
# Active states that wait on somebody else (stock upstream, the client's documents), not on us.
WAITING_STATES = (ItemState.BACKORDERED, ItemState.AWAITING_DOCUMENTS)
FINAL_STATES = (
    ItemState.FULFILLED,
    ItemState.PARTIALLY_FULFILLED,
    ItemState.FAILED,
)
# How far along each state is: an event may only move an item to a later step.
STEP = {
    ItemState.PLACED: 0,
    ItemState.SUBMITTING: 1,
    ItemState.PENDING_UPSTREAM: 2,
    ItemState.BACKORDERED: 3,
    ItemState.AWAITING_DOCUMENTS: 5,
    ItemState.FULFILLED: 9,
    ItemState.PARTIALLY_FULFILLED: 9,
    ItemState.FAILED: 9,
}


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="items")
    # Our reference upstream (DIDWW external_reference_id, DIDfarm metadata), unique forever.
    reference = models.CharField(max_length=40, unique=True)
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey("inventory.DidGroup", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)  # "United States · New York (212) · local"
    quantity = models.PositiveIntegerField()
    billing_cycle = models.CharField(max_length=10, choices=BillingCycle.choices)
    # What we asked for (numbers picked by the client or by us before submitting) — what
    # find_order needs to recognise the order from another process.
    requested_numbers = models.JSONField(default=list, blank=True)
    requested_number_ids = models.JSONField(default=list, blank=True)
    # Bought "on request" (out of stock at a provider that back-orders): sent upstream with
    # allow_backorder, so the provider keeps the order until it has the numbers.
    allow_backorder = models.BooleanField(default=False)
    # Per number, in the order's currency (retail, wholesale) and the provider's (cost).
    retail_setup = models.DecimalField(max_digits=12, decimal_places=4)
    retail_period = models.DecimalField(max_digits=12, decimal_places=4)
    wholesale_setup = models.DecimalField(max_digits=12, decimal_places=4)
    wholesale_period = models.DecimalField(max_digits=12, decimal_places=4)
    cost_setup = models.DecimalField(max_digits=12, decimal_places=4)
    cost_monthly = models.DecimalField(max_digits=12, decimal_places=4)
    cost_currency = models.CharField(max_length=3)
    needs_documents = models.BooleanField(default=False)

    state = models.CharField(max_length=20, choices=ItemState.choices, default=ItemState.PLACED)
    state_before_dead_letter = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    delivered_numbers = models.JSONField(default=list, blank=True)
    detail = models.CharField(max_length=500, blank=True)  # the last outcome, for people
    # What happened, as a kind (``billing.explanations.Outcome``): clients and resellers read
    # it as a plain reason and a next step in their language, never in the provider's words.
    outcome = models.CharField(max_length=24, blank=True)
    last_error = models.TextField(blank=True)  # admins only: the provider's own words
    attempts = models.PositiveIntegerField(default=0)  # deliveries of the provisioning job
    submitted_at = models.DateTimeField(null=True, blank=True)  # first purchase attempt
    next_check_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim while it talks to the provider (no transaction stays open meanwhile).
    lease_until = models.DateTimeField(null=True, blank=True)
    poked_at = models.DateTimeField(null=True, blank=True)  # the last provider event about it
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="orderitem_due",
            ),
            models.Index(fields=["provider_account", "external_id"], name="orderitem_upstream"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderitem_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_state_display()})"

    @property
    def in_flight(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def being_provisioned(self) -> bool:
        """Moving by itself soon: not waiting on stock or documents (pages poll for these)."""
        return self.state in ACTIVE_STATES and self.state not in WAITING_STATES

    @property
    def explanation(self):
        """The plain reason and next step shown to the client and the reseller."""
        from .explanations import explain

        return explain(self)

    @property
    def retail_each(self):
        return self.retail_setup + self.retail_period

    @property
    def wholesale_each(self):
        return self.wholesale_setup + self.wholesale_period

    @property
    def margin_each(self):
        return self.retail_each - self.wholesale_each


class ProviderEvent(models.Model):
    """A provider callback or webhook, stored once: a replay is acknowledged and ignored."""

    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.PROTECT, related_name="+"
    )
    event_id = models.CharField(max_length=200)  # the provider's id, or a hash of the body
    kind = models.CharField(max_length=60, blank=True)
    payload = models.JSONField(default=dict)
    item = models.ForeignKey(
        OrderItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint("provider_account", "event_id", name="provider_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_account_id}:{self.event_id}"
