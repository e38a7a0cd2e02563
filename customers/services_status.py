"""Writes for a tenant's status: a reseller owner suspends, closes or reactivates one of its
clients; a platform admin suspends or reactivates a reseller. What each status allows is decided
in ``tenant_status.py``; these only change it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record

from .models import Client, Reseller, User
from .tenant_status import Action, tenant_action_require


def _membership(user: User):
    return getattr(user, "membership", None)


@transaction.atomic
def client_status_set(*, actor: User, client: Client, status: str) -> Client:
    """Set ``client``'s status. Its reseller's owner may (while the reseller is active), and a
    platform admin; staff may not: suspending or closing a client is the owner's decision, like
    its credit. Setting the status it already has changes nothing."""
    if status not in Client.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if not actor.is_staff:
        membership = _membership(actor)
        if (
            membership is None
            or not membership.is_reseller_owner
            or membership.reseller_id != client.reseller_id
        ):
            raise PermissionDenied
        tenant_action_require(membership=membership, action=Action.CLIENT_STATUS, client=client)
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != status:
        audit_record(
            actor=actor,
            action=AuditAction.CLIENT_STATUS_SET,
            target=client,
            changes={"status": [client.status, status]},
        )
        client.status = status
        client.save(update_fields=["status"])
    return client


@transaction.atomic
def reseller_status_set(*, actor: User, reseller: Reseller, status: str) -> Reseller:
    """Suspend or reactivate a reseller (platform admins only). While suspended its people and
    its clients' people are read-only; reactivating restores everything."""
    if not actor.is_staff:
        raise PermissionDenied
    if status not in Reseller.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    reseller = Reseller.objects.select_for_update().get(pk=reseller.pk)
    if reseller.status != status:
        audit_record(
            actor=actor,
            action=AuditAction.RESELLER_STATUS_SET,
            target=reseller,
            changes={"status": [reseller.status, status]},
        )
        reseller.status = status
        reseller.save(update_fields=["status", "updated_at"])
    return reseller
