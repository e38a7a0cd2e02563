"""Issuer details, numbering sequences, invoices, credit notes and their lines.

An issued document is never changed (on PostgreSQL a trigger refuses it, like the audit log's):
its lines and both parties' details are snapshotted when it is issued, so a later change of
address or tax rate does not rewrite it. A correction is a credit note, its own document.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

PLATFORM_KEY = "platform"


class PaperSize(models.TextChoices):
    A4 = "A4", _("A4")
    LETTER = "letter", _("Letter")


class IssuerProfile(models.Model):
    """The legal details and tax settings of whoever issues invoices: a reseller (to its
    clients), or the platform (to its resellers: the one row without a reseller)."""

    reseller = models.OneToOneField(
        "customers.Reseller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="issuer_profile",
    )
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tax_id = models.CharField(_("VAT / tax id"), max_length=40, blank=True)
    invoice_prefix = models.CharField(_("invoice prefix"), max_length=12, default="INV")
    prices_include_tax = models.BooleanField(_("prices include tax"), default=True)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # {"DE": "19.00"}: a rate for clients billed in that country instead of ``tax_rate``.
    country_tax_rates = models.JSONField(_("tax rates by client country"), default=dict)
    footer = models.TextField(_("footer"), blank=True)
    paper_size = models.CharField(
        _("paper size"), max_length=6, choices=PaperSize.choices, default=PaperSize.A4
    )
    # The platform's month ends here (a reseller's is its own time zone).
    time_zone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One platform profile (no reseller); a reseller's is unique by its one-to-one.
            models.UniqueConstraint(
                Coalesce("reseller", Value(0)), name="issuer_one_platform_profile"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or str(self.reseller or _("platform"))

    @property
    def issuer_key(self) -> str:
        return f"reseller:{self.reseller_id}" if self.reseller_id else PLATFORM_KEY


class Series(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DocumentSequence(models.Model):
    """The last number an issuer gave in a series and year. Numbers are taken with this row
    locked, in the transaction that issues the documents: a rollback gives them back, so the
    series has no gaps and no duplicates (never MAX()+1)."""

    issuer_key = models.CharField(max_length=32)
    series = models.CharField(max_length=12, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("issuer_key", "series", "year", name="sequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer_key} {self.series} {self.year}: {self.last_number}"


class Invoice(models.Model):
    """An issued invoice or credit note. Amounts are minor units of ``currency``; a credit
    note's are positive (what it gives back)."""

    kind = models.CharField(max_length=12, choices=Series.choices, default=Series.INVOICE)
    issuer_key = models.CharField(max_length=32)  # "reseller:<id>" or "platform"
    # Who issued it: a reseller, or the platform (null).
    issuer = models.ForeignKey(
        "customers.Reseller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices_issued",
    )
    # Who receives it: one of the two.
    client = models.ForeignKey(
        "customers.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    recipient_reseller = models.ForeignKey(
        "customers.Reseller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices_received",
    )
    recipient_key = models.CharField(max_length=32)  # "client:<id>" or "reseller:<id>"
    number = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    issue_date = models.DateField()  # in the issuer's time zone
    period_start = models.DateField()
    period_end = models.DateField()  # the last day of the month closed
    currency = models.CharField(max_length=3)
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()
    # Of tax_minor, what was charged on top of prices (posted to the issuer's tax account).
    tax_added_minor = models.BigIntegerField(default=0)
    reverse_charge = models.BooleanField(default=False)
    tax_summary = models.JSONField(default=list)  # [{"rate": "20.00", "net": 100, "tax": 20}]
    issuer_snapshot = models.JSONField()
    recipient_snapshot = models.JSONField()
    payments = models.JSONField(default=list)  # top-ups of the month, listed, not invoiced
    paper_size = models.CharField(max_length=6, choices=PaperSize.choices, default=PaperSize.A4)
    # A credit note's invoice, reason, booking and author.
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.CharField(max_length=300, blank=True)
    transaction = models.OneToOneField(
        "billing.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The one field that may change after issue (the trigger allows it): when it was mailed.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-issued_at"], name="invoice_client_recent"),
            models.Index(fields=["issuer", "-issued_at"], name="invoice_issuer_recent"),
        ]
        constraints = [
            models.UniqueConstraint("issuer_key", "number", name="invoice_number_once"),
            models.UniqueConstraint(
                "issuer_key",
                "kind",
                "year",
                "sequence",
                name="invoice_sequence_once",
            ),
            models.UniqueConstraint(
                "issuer_key",
                "recipient_key",
                "period_start",
                condition=Q(kind="invoice"),
                name="invoice_once_per_month",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False, recipient_reseller__isnull=True)
                | Q(client__isnull=True, recipient_reseller__isnull=False),
                name="invoice_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", corrects__isnull=True)
                | Q(kind="credit_note", corrects__isnull=False),
                name="credit_note_corrects_invoice",
            ),
            models.CheckConstraint(
                condition=Q(gross_minor=models.F("net_minor") + models.F("tax_minor")),
                name="invoice_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == Series.CREDIT_NOTE


class LineKind(models.TextChoices):
    SETUP = "setup", _("Setup")
    FIRST_PERIOD = "first_period", _("First period")
    RENEWAL = "renewal", _("Renewal")
    CREDIT = "credit", _("Credit")
    CORRECTION = "correction", _("Correction")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # The issuer again, so that one charge is never invoiced twice by the same issuer.
    issuer_key = models.CharField(max_length=32)
    # What the line was made from: "hold:<id>:setup", "renewal:<id>", "credit:<txn id>"…
    source = models.CharField(max_length=40)
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=LineKind.choices)
    description = models.CharField(max_length=240)
    quantity = models.PositiveIntegerField(default=1)
    supply_start = models.DateField(null=True, blank=True)
    supply_end = models.DateField(null=True, blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint("issuer_key", "source", name="invoice_line_source_once"),
            models.CheckConstraint(
                condition=Q(gross_minor=models.F("net_minor") + models.F("tax_minor")),
                name="invoice_line_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.description}"
