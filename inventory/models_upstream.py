"""What we asked a provider to do to a number we own: suspend, restore or release it (issue #11).

An ``UpstreamAction`` is the source of truth for one such request. Billing decides (grace,
suspension, release) and calls ``inventory.upstream.upstream_action_request``; a retried Celery
job carries the request to the provider and never touches billing state. ``details`` keeps what
a suspension changed upstream (DIDWW's ``billing_cycles_count`` and voice-in trunk, PBXme's
forward, DIDfarm's trunk) so the restore can put it back. A "route" action (issue #12) carries
the route to set in ``details["route"]`` (``inventory.routing``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UpstreamKind(models.TextChoices):
    SUSPEND = "suspend", _("Suspend")
    RESTORE = "restore", _("Restore")
    RELEASE = "release", _("Release")
    ROUTE = "route", _("Set routing")


class UpstreamState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Failed, retrying")
    DONE = "done", _("Done")
    DEAD = "dead", _("Dead (needs an admin)")
    MANUAL = "manual", _("Manual (an admin does it upstream)")
    CANCELLED = "cancelled", _("Cancelled")


class UpstreamMode(models.TextChoices):
    """How a provider carries out one kind of action (the adapter's ``upstream_actions``)."""

    API = "api", _("Through the provider's API")
    LOCAL = "local", _("Here only (the provider has no API for it)")
    MANUAL = "manual", _("By an admin, upstream")


# A job may still take these forward; an admin looks at the last two.
OPEN_STATES = (UpstreamState.PENDING, UpstreamState.RETRYING)
UNFINISHED_STATES = (*OPEN_STATES, UpstreamState.DEAD, UpstreamState.MANUAL)


class UpstreamAction(models.Model):
    number = models.ForeignKey(
        "inventory.Number", on_delete=models.PROTECT, related_name="upstream_actions"
    )
    kind = models.CharField(max_length=10, choices=UpstreamKind.choices)
    state = models.CharField(
        max_length=10, choices=UpstreamState.choices, default=UpstreamState.PENDING
    )
    reason = models.CharField(max_length=200, blank=True)  # billing's why, e.g. "client_funds"
    # How it was (or will be) done; set when the job first runs.
    mode = models.CharField(max_length=10, choices=UpstreamMode.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # failed calls in a row
    # The provider's words (typed errors carry no credentials), for admins only.
    last_error = models.TextField(blank=True)
    # What a suspension changed upstream (restore puts it back); what a release found; the
    # route a "route" action sets and what the provider made for it.
    details = models.JSONField(default=dict, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The admin who marked a manual action done."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("upstream action")
        verbose_name_plural = _("upstream actions")
        constraints = [
            # One open request per number and kind: asking twice is the same request.
            models.UniqueConstraint(
                "number",
                "kind",
                condition=Q(state__in=[s.value for s in UNFINISHED_STATES]),
                name="upstream_action_open_once",
            ),
            # A number is released upstream once, ever.
            models.UniqueConstraint(
                "number",
                condition=Q(kind="release") & ~Q(state="cancelled"),
                name="upstream_release_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in UpstreamKind]),
                name="upstream_action_kind_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "retrying"]),
                name="upstream_action_due",
            ),
            models.Index(fields=["state", "kind"], name="upstream_action_state_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number_id} ({self.state})"

    @property
    def route_summary(self) -> str:
        """What a "route" action asks the provider to ring, for admins ("" for other kinds)."""
        route = self.details.get("route") if self.kind == UpstreamKind.ROUTE else None
        if not route:
            return ""
        target, failover = route["target"], route.get("failover")
        text = f"{target['kind']} {target['address']}"
        return f"{text}, failover {failover['kind']} {failover['address']}" if failover else text
