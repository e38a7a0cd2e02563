"""Closed periods' sums, stored once (issue 13, "Reports and charts").

The ledger is append-only: postings are never changed and a transaction's ``created_at`` is set
at insert, so a period that has ended (in the reseller's time zone) never changes again. Its
revenue and wholesale are summed from the postings once and kept here: whole months, and the
days of the month still open, so that only today is summed live. A month also keeps the numbers
activated and released in it and those held at its end (``activated_at`` and ``released_at``
are set when it happens, so a closed month's counts never change either). Rows are keyed by the
time zone their periods were cut in: a reseller that moves to another zone gets its periods
summed again on the new boundaries.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


class ClosedPeriod(models.Model):
    """One reseller's closed month or day: the retail revenue its clients paid (net of credits)
    and the wholesale it paid the platform for them, in minor units of ``currency``."""

    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="+")
    time_zone = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=5, choices=PeriodKind.choices)
    start = models.DateField()  # the period's first day, in ``time_zone``
    month = models.DateField()  # the first day of the month it is in
    revenue_minor = models.BigIntegerField()
    wholesale_minor = models.BigIntegerField()
    # Months only (zero on days): numbers activated, released, and held at the month's end.
    added = models.IntegerField(default=0)
    churned = models.IntegerField(default=0)
    held = models.IntegerField(default=0)
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "reseller", "time_zone", "currency", "kind", "start", name="closed_period_once"
            )
        ]
        indexes = [
            models.Index(fields=["reseller", "time_zone", "month"], name="closed_period_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.reseller_id} {self.kind} {self.start} {self.time_zone}"


class ClosedPeriodClient(models.Model):
    """A closed period's figures for one client (``client`` null: the reseller's own)."""

    period = models.ForeignKey(ClosedPeriod, on_delete=models.CASCADE, related_name="clients")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    revenue_minor = models.BigIntegerField(default=0)
    wholesale_minor = models.BigIntegerField(default=0)
    added = models.IntegerField(default=0)
    churned = models.IntegerField(default=0)
    held = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["period", "client"], name="closed_period_client")]

    def __str__(self) -> str:
        return f"{self.period} · {self.client_id}"


class ActiveRetailPart(models.Model):
    """A part of one reseller's active numbers and their retail, per country prefix, number type
    and billing cycle: summing a key's parts gives the live figure the recurring revenue is made
    of, without reading every number (the dashboard's budget is 100,000 numbers in 150 ms).

    On PostgreSQL, triggers on ``inventory_number`` append a part for every change that moves a
    number into or out of this figure (migration 0002), whatever code made it — a save, a queryset
    update, a bulk create or a raw statement — in the same transaction. Writers only insert, so
    they never wait on one another; :func:`reports.numbers.active_retail_fold` folds each key's
    parts into one, under a lock, every minute. SQLite (the demo) has no triggers and no parts:
    there the figure is summed from the numbers.
    """

    reseller = models.ForeignKey(
        Reseller, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    prefix = models.CharField(max_length=8)  # reports.numbers.COUNTRY_PREFIX_CHARS
    number_type = models.CharField(max_length=12, blank=True)
    billing_cycle = models.CharField(max_length=10)
    numbers = models.IntegerField()  # +1 or -1 per change; the sum once folded
    retail = models.DecimalField(max_digits=20, decimal_places=4)
    example = models.CharField(max_length=20)  # a number under the prefix, to tell its country
    folded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["reseller", "prefix", "number_type", "billing_cycle"],
                name="active_retail_part_key",
            ),
            models.Index(
                fields=["reseller", "prefix", "number_type", "billing_cycle"],
                condition=models.Q(folded=False),
                name="active_retail_part_unfolded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reseller_id} {self.prefix} {self.number_type} {self.billing_cycle}"
