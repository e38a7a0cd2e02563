"""Text messages on clients' numbers, and where a client has received ones forwarded.

A ``Message`` is one text, sent from or received on one of our numbers. Outbound ones go
``queued`` → ``sent`` | ``failed`` | ``unknown`` (the provider may or may not have sent it: never
sent again by itself, see ``services.message_send``). ``error`` is a sentence for the client, in
plain words and without provider names; ``detail`` is the provider's own words, for staff.

``Forwarding`` is a client's choice (one per client): an email address and/or an HTTPS URL that
each received text is forwarded to. Each forward is a ``ForwardDelivery`` with its attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Client
from inventory.crypto import EncryptedJSONField


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Sending…")
    SENDING = "sending", _("Sending…")  # the provider call is in flight
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")
    UNKNOWN = "unknown", _("Not confirmed")
    RECEIVED = "received", _("Received")


class Message(models.Model):
    number = models.ForeignKey("inventory.Number", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    # The account it went through: the provider's message ids are unique per account.
    provider_account = models.ForeignKey(
        "inventory.ProviderAccount", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sender = models.CharField(_("from"), max_length=40)
    recipient = models.CharField(_("to"), max_length=40)
    body = models.TextField(_("message"))
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error = models.CharField(max_length=300, blank=True)  # for the client, plain words
    detail = models.CharField(max_length=500, blank=True)  # the provider's words, staff only
    external_id = models.CharField(max_length=200, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)  # calls made to send it
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A received text is stored once per provider message id (the webhook's dedupe).
            # Sent ones are not constrained: a restarted simulator reuses its ids.
            models.UniqueConstraint(
                "provider_account",
                "direction",
                "external_id",
                condition=Q(direction="in") & ~Q(external_id=""),
                name="message_received_once_per_account",
            ),
        ]
        indexes = [
            models.Index(fields=["number", "-created_at"], name="message_number_newest"),
            # The sweeper's look for texts whose job was lost (cheap: few are ever queued).
            models.Index(
                fields=["updated_at"], condition=Q(status="queued"), name="message_queued"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sender} → {self.recipient}"

    @property
    def segments(self) -> int:
        from .texts import segments

        return segments(self.body)

    @property
    def pending(self) -> bool:
        return self.status in (MessageStatus.QUEUED, MessageStatus.SENDING)


class Forwarding(models.Model):
    """Where a client's received texts are forwarded (either may be empty)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("forward to email"), blank=True)
    url = models.URLField(_("forward to URL"), max_length=500, blank=True)
    # {"secret": "..."}: the URL's signing key, shown once when it is made.
    secret = EncryptedJSONField(default=dict, blank=True)
    secret_hint = models.CharField(max_length=20, blank=True)  # its first characters
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"forwarding for client {self.client_id}"

    @property
    def signing_secret(self) -> str:
        return str((self.secret or {}).get("secret") or "")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    URL = "url", _("URL")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class ForwardDelivery(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    target = models.CharField(max_length=500)  # the address or URL at the time
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.CharField(max_length=200, blank=True)  # "HTTP 503", "timed out", "sent"
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("message", "channel", name="forward_once_per_channel"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="forward_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} forward of message {self.message_id}"
