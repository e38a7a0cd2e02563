"""Closed months' sums, stored once (issue 13, "Reports and charts").

The ledger is append-only: postings are never changed and a transaction's ``created_at`` is set
at insert, so a month that has ended (in the reseller's time zone) never changes again. Its
revenue and wholesale are summed from the postings once and kept here; only the open month is
summed live. The rows are keyed by the time zone the month was cut in: a reseller that moves
to another zone gets its months summed again on the new boundaries.
"""

from __future__ import annotations

from django.db import models

from customers.models import Client, Reseller


class ClosedMonth(models.Model):
    """One reseller's month, closed: the retail revenue its clients paid (net of credits) and
    the wholesale it paid the platform for them, in minor units of ``currency``."""

    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="+")
    time_zone = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    month = models.DateField()  # the month's first day, in ``time_zone``
    revenue_minor = models.BigIntegerField()
    wholesale_minor = models.BigIntegerField()
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "reseller", "time_zone", "currency", "month", name="closed_month_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reseller_id} {self.month:%Y-%m} {self.time_zone}"


class ClosedMonthClient(models.Model):
    """A closed month's sums for one client (``client`` null: the reseller's own purchases)."""

    closed_month = models.ForeignKey(ClosedMonth, on_delete=models.CASCADE, related_name="clients")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    revenue_minor = models.BigIntegerField()
    wholesale_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint("closed_month", "client", name="closed_month_client_once")
        ]
        indexes = [models.Index(fields=["client", "closed_month"], name="closed_month_by_client")]

    def __str__(self) -> str:
        return f"{self.closed_month} · {self.client_id}"
