"""Where a client's numbers ring (issue #12): its destinations and each number's route.

A ``Destination`` is one place calls can go: a SIP URI, a phone number (PSTN forward, E.164) or
a SIP trunk the platform made upstream on one provider account (only that account's numbers can
ring it). A ``NumberRoute`` is what the client chose for one number; the change itself travels to
the provider as an ``UpstreamAction`` of kind "route" (``inventory.upstream_run``), and the route
the provider confirmed is kept in ``applied`` (with the one before it in ``previous``), so a
suspension's snapshot and the restore after it never lose it.

A trunk's password is stored encrypted only until the client has seen it once, then erased.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client, Reseller

from .crypto import EncryptedJSONField


class DestinationKindChoice(models.TextChoices):
    SIP_URI = "sip_uri", _("SIP address")
    TRUNK = "trunk", _("SIP trunk")
    PSTN = "pstn", _("Phone number")


class DestinationState(models.TextChoices):
    CREATING = "creating", _("Being set up")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be set up")


class TrunkOp(models.TextChoices):
    """What a trunk's job has to do upstream next ("" when nothing)."""

    NONE = "", _("Nothing")
    CREATE = "create", _("Create")
    REGENERATE = "regenerate", _("New credentials")
    DELETE = "delete", _("Delete")


class Destination(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="destinations")
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DestinationKindChoice.choices)
    label = models.CharField(_("name"), max_length=80)
    # SIP URI: "sip:user@host[:port]"; PSTN: E.164; trunk: its upstream id once created.
    address = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=DestinationState.choices, default=DestinationState.READY
    )
    # Trunks only: the provider account it lives on, our reference for it upstream, what the
    # client's equipment registers with, and the password until it has been shown once.
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trunks",
    )
    trunk_name = models.CharField(max_length=40, blank=True)
    sip_server = models.CharField(max_length=200, blank=True)
    username = models.CharField(max_length=120, blank=True)
    secret = EncryptedJSONField(null=True, blank=True)  # {"password": "..."} until revealed
    revealed_at = models.DateTimeField(null=True, blank=True)
    # The trunk's job (inventory.routing_trunks): what is asked, when to try, what went wrong.
    trunk_op = models.CharField(max_length=12, choices=TrunkOp.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)  # the provider's words, for admins only
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # gone for the client

    class Meta:
        ordering = ["label", "pk"]
        constraints = [
            # The same SIP URI or phone number once per client (trunks have no address yet).
            models.UniqueConstraint(
                "client",
                "kind",
                "address",
                condition=Q(deleted_at__isnull=True) & ~Q(kind="trunk"),
                name="destination_address_once",
            ),
            models.UniqueConstraint(
                "trunk_name", condition=~Q(trunk_name=""), name="destination_trunk_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="trunk", provider_account__isnull=False)
                | (~Q(kind="trunk") & Q(provider_account__isnull=True)),
                name="destination_trunk_has_account",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=~Q(trunk_op=""),
                name="destination_trunk_due",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def client_sip_server(self) -> str:
        """The trunk's server as clients see it: the account's alias, never the provider's
        own host (it names the provider); "" when no alias is set."""
        account = self.provider_account
        return account.sip_server_alias if account is not None else ""

    @property
    def ready(self) -> bool:
        return self.state == DestinationState.READY and self.deleted_at is None

    @property
    def busy(self) -> bool:
        """A trunk job is still at work (creating, new credentials, deleting)."""
        return bool(self.trunk_op)

    @property
    def password_waiting(self) -> bool:
        return bool(self.secret)


class NumberRoute(models.Model):
    number = models.OneToOneField(
        "inventory.Number", on_delete=models.CASCADE, related_name="route"
    )
    destination = models.ForeignKey(Destination, on_delete=models.PROTECT, related_name="+")
    failover = models.ForeignKey(
        Destination, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The latest request upstream (its state is what the page shows: applying, done, failed).
    action = models.ForeignKey(
        "inventory.UpstreamAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the provider confirmed last, and the confirmed route before it: {"route": {...},
    # "destination_id": .., "failover_id": .., "at": iso}. Empty until the first confirmation.
    applied = models.JSONField(default=dict, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("number route")

    def __str__(self) -> str:
        return f"{self.number_id} → {self.destination_id}"
