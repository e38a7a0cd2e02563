"""Numbers the platform's clients own (DESIGN.md §1: inventory holds owned numbers).

A ``Number`` is created when provisioning delivers it. It carries the three prices it was sold at
(cost in the provider's currency; wholesale and retail in the reseller's) so renewals and margins
never re-price history. ``order_reference`` names the order item in billing without importing it.

Renewals (issue 11): a number renews on its own anniversary. Period k starts at
``renewal_anchor + k * cycle months`` (always counted from the anchor, never from the previous
period) and falls due at local midnight in the reseller's time zone; ``renewal_period`` is the k
of the first period not paid yet, ``next_period_start`` its first day and ``paid_until`` the day
before. ``renewal_due_at`` is the one moment the renewal job must look at the number again (the
next period's due time, or the end of grace or suspension); it is null when nothing is scheduled.
The status says where the client's money has led the number:
``active → grace → suspended → releasing → released``, plus ``cancel_scheduled`` (auto-renew off:
released when the paid period ends). ``provider_blocked`` is separate: the provider stopped the
number, which is the platform's problem and never the client's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller


class NumberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    AWAITING_DOCUMENTS = "awaiting_documents", _("Documents required")
    CANCEL_SCHEDULED = "cancel_scheduled", _("Cancels at period end")
    GRACE = "grace", _("Renewal overdue")
    SUSPENDED = "suspended", _("Suspended")
    RELEASING = "releasing", _("Releasing")
    RELEASED = "released", _("Released")


# Service is on (calls ring) in these; the renewal job charges the ones it finds due.
IN_SERVICE = (NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED, NumberStatus.GRACE)
# A period is owed (not paid) in these: a top-up retries them.
OWING = (NumberStatus.GRACE, NumberStatus.SUSPENDED)
# The client still holds the number: it can be released early.
HELD = (*IN_SERVICE, NumberStatus.SUSPENDED)


# What the price of a number's next period is read from (reports' renewals at risk).
RENEWAL_PRICE_FIELDS = (
    "retail_period",
    "retail_period_next",
    "retail_period_next_from",
    "next_period_start",
)


class StateReason(models.TextChoices):
    NONE = "", _("None")
    CLIENT_FUNDS = "client_funds", _("The wallet did not cover the renewal")
    RESELLER_FUNDS = "reseller_funds", _("The reseller's wallet did not cover the renewal")
    AUTO_RENEW_OFF = "auto_renew_off", _("Auto-renew is off")
    CLIENT_CLOSED = "client_closed", _("The client's account is closed")
    CLIENT_REQUEST = "client_request", _("Released at the client's request")


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
    # A retail price the reseller set for later periods: it applies from the period starting on
    # ``retail_period_next_from`` (announced to the client in advance), then becomes the price.
    retail_period_next = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    retail_period_next_from = models.DateField(null=True, blank=True)
    wholesale_setup = models.DecimalField(max_digits=12, decimal_places=4)
    wholesale_period = models.DecimalField(max_digits=12, decimal_places=4)
    cost_setup = models.DecimalField(max_digits=12, decimal_places=4)
    cost_monthly = models.DecimalField(max_digits=12, decimal_places=4)
    cost_currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=NumberStatus.choices)
    activated_at = models.DateTimeField()
    paid_until = models.DateField()
    released_at = models.DateTimeField(null=True, blank=True)
    # Renewals (see the module's docstring).
    auto_renew = models.BooleanField(_("auto-renew"), default=True)
    renewal_anchor = models.DateField(_("renews on the anniversary of"))
    renewal_period = models.PositiveIntegerField(default=1)
    next_period_start = models.DateField()
    renewal_due_at = models.DateTimeField(null=True, blank=True)
    state_reason = models.CharField(
        max_length=16, choices=StateReason.choices, blank=True, default=""
    )
    state_since = models.DateTimeField(null=True, blank=True)
    state_until = models.DateTimeField(null=True, blank=True)
    provider_blocked = models.BooleanField(_("blocked by the provider"), default=False)
    provider_blocked_since = models.DateTimeField(null=True, blank=True)

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
        indexes = [
            models.Index(fields=["client", "status"], name="number_client_status"),
            # The renewal job's one query: what is due now (cheap when nothing is).
            models.Index(
                fields=["renewal_due_at"],
                condition=Q(renewal_due_at__isnull=False),
                name="number_renewal_due",
            ),
            # The reports' live part: this month's adds and churn.
            models.Index(fields=["reseller", "activated_at"], name="number_reseller_activated"),
            models.Index(
                fields=["reseller", "released_at"],
                condition=Q(released_at__isnull=False),
                name="number_reseller_released",
            ),
            # The reports' renewals at risk, read from the index alone (PostgreSQL): the
            # renewals falling due soon, and the periods owed.
            models.Index(
                fields=["reseller", "renewal_due_at"],
                include=["client", *RENEWAL_PRICE_FIELDS],
                condition=Q(status="active", auto_renew=True, provider_blocked=False),
                name="number_reseller_renewing",
            ),
            models.Index(
                fields=["reseller", "client"],
                include=[*RENEWAL_PRICE_FIELDS],
                condition=Q(status__in=["grace", "suspended"]),
                name="number_reseller_owing",
            ),
        ]

    def __str__(self) -> str:
        return self.e164

    @property
    def in_service(self) -> bool:
        return self.status in IN_SERVICE

    @property
    def order_code(self) -> str:
        """The order's reference ("DH-7K3QX9PA") from the item's ("DH-7K3QX9PA-2")."""
        return self.order_reference.rsplit("-", 1)[0]
