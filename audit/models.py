"""The audit log: one append-only row per change of money or power (DESIGN.md §6).

Rows are written by ``audit.services.audit_record`` inside the transaction of the change they
describe, so an event exists exactly when its change committed. Nothing edits or deletes them:
the admin has no add/change/delete permission for them and, on PostgreSQL, a trigger refuses
UPDATE and DELETE (migration 0002). Who did it is kept twice: the user (a foreign key, users are
deactivated, never deleted) and a snapshot of their email and role at that moment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import Action


class ActorKind(models.TextChoices):
    PERSON = "person", _("Person")
    SYSTEM = "system", _("System (background job)")
    CLI = "cli", _("Command line")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    # Snapshots: what the actor was called and could do when it happened.
    actor_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    reseller = models.ForeignKey(
        "customers.Reseller", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "customers.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_type = models.CharField(_("object type"), max_length=60, blank=True)
    target_id = models.CharField(_("object id"), max_length=40, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    # {"field": [old, new]} or {"key": value}; secrets appear only as "changed".
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reseller", "-created_at"], name="audit_reseller_recent"),
            models.Index(fields=["action", "-created_at"], name="audit_action_recent"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action

    @property
    def who(self) -> str:
        if self.actor_kind == ActorKind.PERSON:
            return self.actor_email
        return self.actor_email or self.get_actor_kind_display()
