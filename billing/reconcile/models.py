"""A reconciliation run per provider account, and what it found (issue #12).

A finding is one (account, number, kind) the provider's listing and our ``Number`` rows disagree
on. It stays open while complete runs keep seeing it (``last_seen`` moves on) and closes on the
first complete run that no longer does. An aborted run (the listing was incomplete) touches no
finding: a partial list proves nothing about what is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    ABORTED = "aborted", _("Aborted (incomplete listing)")


class FindingKind(models.TextChoices):
    MISSING_UPSTREAM = "missing_upstream", _("Ours, missing upstream")
    TERMINATED = "terminated", _("Ours, terminated upstream")
    BLOCKED = "blocked", _("Ours, blocked upstream")
    RELEASED_ACTIVE = "released_active", _("Released here, still active upstream")
    EXPIRES_EARLY = "expires_early", _("Expires upstream before our paid-until")
    ORPHAN = "orphan", _("Upstream only")
    COST_DIFFERS = "cost_differs", _("Cost differs from what we recorded")


# Most urgent first: we bill a number we do not have, then we pay for numbers nobody uses.
PRIORITY = [
    FindingKind.MISSING_UPSTREAM,
    FindingKind.TERMINATED,
    FindingKind.BLOCKED,
    FindingKind.RELEASED_ACTIVE,
    FindingKind.EXPIRES_EARLY,
    FindingKind.ORPHAN,
    FindingKind.COST_DIFFERS,
]
# Kinds that stop billing the number (its provider block is set while one is open).
STOP_BILLING = frozenset(
    {FindingKind.MISSING_UPSTREAM, FindingKind.TERMINATED, FindingKind.BLOCKED}
)


class Resolution(models.TextChoices):
    NONE = "", _("None")
    RELEASE_REQUESTED = "release_requested", _("Release upstream requested")
    RELEASED = "released", _("Released upstream")
    RELEASE_FAILED = "release_failed", _("Release upstream failed")
    ASSIGNED = "assigned", _("Assigned to a client")


class ReconcileRun(models.Model):
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    detail = models.TextField(blank=True)  # why it was aborted, for admins
    upstream_count = models.PositiveIntegerField(null=True, blank=True)
    local_count = models.PositiveIntegerField(null=True, blank=True)
    # Open findings per kind after the run, and how many it opened and closed.
    findings = models.JSONField(default=dict, blank=True)
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        indexes = [models.Index(fields=["provider_account", "-started_at"], name="recon_run_acct")]

    def __str__(self) -> str:
        return f"{self.provider_account_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ReconcileFinding(models.Model):
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.PROTECT, related_name="+"
    )
    e164 = models.CharField(_("number"), max_length=20)
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    number = models.ForeignKey(
        "inventory.Number", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Money per month: what the provider charges us (its currency) and what the client pays
    # (the reseller's); either is null where nobody knows it.
    cost_monthly = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    retail_monthly = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    retail_currency = models.CharField(max_length=3, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    # What the listing said (status, provider id, expiry, extra), for admins.
    upstream = models.JSONField(default=dict, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True, default="")
    resolution_detail = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["closed_at", "kind", "e164"]
        verbose_name = _("reconciliation finding")
        verbose_name_plural = _("reconciliation findings")
        constraints = [
            models.UniqueConstraint(
                "provider_account",
                "e164",
                "kind",
                condition=Q(closed_at__isnull=True),
                name="recon_finding_open_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider_account", "kind"],
                condition=Q(closed_at__isnull=True),
                name="recon_finding_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.e164}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
