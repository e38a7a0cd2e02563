"""Writes for people and tenants. Each function is one transaction and validates its input.

Errors a person can fix raise ``django.core.exceptions.ValidationError`` (keyed by field where
there is one); views turn them into form errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.actions import Action
from audit.services import audit_record, field_changes, snapshot

from .models import (
    CLIENT_ROLES,
    RESELLER_ROLES,
    Client,
    Membership,
    Reseller,
    Role,
    User,
)
from .services_domains import reseller_domain_set
from .tenant_status import Action as TenantAction
from .tenant_status import tenant_action_require

CLIENT_FIELDS = (
    "name",
    "contact_name",
    "contact_email",
    "phone",
    "billing_name",
    "billing_address",
    "billing_country",
    "tax_id",
)
BRANDING_FIELDS = (
    "display_name", "logo", "accent_colour", "support_email", "domain", "order_emails",
)  # fmt: skip


def _full_clean(obj: Any, **kwargs: Any) -> None:
    obj.full_clean(**kwargs)


@transaction.atomic
def reseller_create(
    *, name: str, slug: str, support_email: str, currency: str = "USD", display_name: str = ""
) -> Reseller:
    reseller = Reseller(
        name=name,
        slug=slug,
        display_name=display_name or name,
        support_email=support_email,
        currency=currency.upper(),
    )
    _full_clean(reseller)
    reseller.save()
    return reseller


@transaction.atomic
def reseller_update_branding(*, actor: Membership, **fields: Any) -> Reseller:
    if not actor.is_reseller_owner:
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.BRANDING)
    reseller = Reseller.objects.select_for_update().get(pk=actor.reseller_id)
    before = snapshot(reseller, fields)
    for field, value in fields.items():
        if field not in BRANDING_FIELDS:
            raise ValueError(f"not a branding field: {field}")
        if field == "domain":  # validated, and a new one must be proved before it counts
            reseller_domain_set(reseller, value)
        else:
            setattr(reseller, field, value)
    _full_clean(reseller)
    reseller.save()
    changes = field_changes(before, snapshot(reseller, fields))
    if domain := changes.pop("domain", None):
        audit_record(
            actor=actor.user, action=Action.DOMAIN_SET, target=reseller, changes={"domain": domain}
        )
    if changes:
        audit_record(
            actor=actor.user, action=Action.BRANDING_UPDATE, target=reseller, changes=changes
        )
    return reseller


@transaction.atomic
def client_create(*, actor: Membership, **fields: Any) -> Client:
    if not actor.is_reseller:
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.CLIENT_CREATE)
    client = Client(reseller=actor.reseller)
    _apply_client_fields(client, fields)
    client.save()
    return client


@transaction.atomic
def client_update(*, actor: Membership, client: Client, **fields: Any) -> Client:
    """Reseller people edit a client's contact and billing details, and so does its client
    admin; its status changes only through ``client_status_set``."""
    if "status" in fields:
        raise PermissionDenied
    if actor.is_reseller:
        if client.reseller_id != actor.reseller_id:
            raise PermissionDenied
    elif not (actor.is_client_admin and actor.client_id == client.pk):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.CLIENT_EDIT, client=client)
    client = Client.objects.select_for_update().get(pk=client.pk)
    _apply_client_fields(client, fields)
    client.save()
    return client


def _apply_client_fields(client: Client, fields: dict[str, Any]) -> None:
    for field, value in fields.items():
        if field not in CLIENT_FIELDS:
            raise ValueError(f"not a client field: {field}")
        setattr(client, field, value)
    client.billing_country = (client.billing_country or "").upper()
    if (
        Client.objects.filter(reseller=client.reseller, name__iexact=client.name)
        .exclude(pk=client.pk)
        .exists()
    ):
        raise ValidationError({"name": _("You already have a client with this name.")})
    _full_clean(client, validate_constraints=False)


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone"])
    return user


@transaction.atomic
def membership_add(
    *, user: User, reseller: Reseller, role: str, client: Client | None = None
) -> Membership:
    """Give an existing user a role (used by admins and the demo seed)."""
    if (role in CLIENT_ROLES) != (client is not None):
        raise ValidationError(_("Client roles need a client; reseller roles must not have one."))
    if client is not None and client.reseller_id != reseller.pk:
        raise ValidationError(_("The client belongs to another reseller."))
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"reseller": reseller, "client": client, "role": role}
    )
    return membership


_LEADERS = {"reseller": Role.RESELLER_OWNER, "client": Role.CLIENT_ADMIN}


def _may_manage(actor: Membership, member: Membership) -> bool:
    if member.reseller_id != actor.reseller_id:
        return False
    if member.role in RESELLER_ROLES:
        return actor.is_reseller_owner
    if actor.is_reseller:
        return True
    return actor.is_client_admin and member.client_id == actor.client_id


def _team_locked(actor: Membership, member: Membership) -> tuple[list[Membership], Membership]:
    """The member's whole team, locked, and the member as it is now: two people demoting each
    other at once cannot leave it without a leader. An actor of the same team is checked again
    against its locked row (it may have just been demoted or removed)."""
    team = Membership.objects.select_for_update().filter(reseller_id=member.reseller_id)
    team = (
        team.filter(client_id=member.client_id)
        if member.client_id
        else team.filter(client__isnull=True)
    )
    rows = {m.pk: m for m in team.order_by("pk")}
    current = rows.get(member.pk)
    if current is None:
        raise ValidationError(_("This person was already removed."))
    same_team = actor.client_id == member.client_id and actor.reseller_id == member.reseller_id
    if same_team and (actor.pk not in rows or not _may_manage(rows[actor.pk], current)):
        raise PermissionDenied
    return list(rows.values()), current


def _refuse_last_leader(member: Membership, team: list[Membership]) -> None:
    leader = _LEADERS["client" if member.client_id else "reseller"]
    if member.role != leader:
        return
    if sum(1 for m in team if m.role == leader) <= 1:
        if leader == Role.RESELLER_OWNER:
            raise ValidationError(_("Every account needs an owner: make someone else owner first."))
        raise ValidationError(_("Every client needs an admin: make someone else admin first."))


def membership_remove_allowed(*, actor: Membership, member: Membership) -> None:
    """Raise PermissionDenied unless the actor may remove (or re-role) ``member``."""
    if not _may_manage(actor, member):
        raise PermissionDenied


@transaction.atomic
def membership_remove(*, actor: Membership, member: Membership) -> User:
    """End ``member``'s access: the membership goes, the account is deactivated."""
    membership_remove_allowed(actor=actor, member=member)
    tenant_action_require(membership=actor, action=TenantAction.ACCESS_REMOVE, client=member.client)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot remove yourself."))
    team, member = _team_locked(actor, member)
    _refuse_last_leader(member, team)
    user = User.objects.select_for_update().get(pk=member.user_id)
    audit_record(
        actor=actor.user,
        action=Action.MEMBER_REMOVE,
        target=user,
        target_label=user.email,
        reseller=member.reseller,
        client=member.client,
        changes={"role": [member.role, None]},
    )
    member.delete()
    # One membership per person: without it the account reaches nothing, and a deactivated one
    # cannot sign in, so a session still open elsewhere is signed out on its next request.
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def membership_role_set(*, actor: Membership, member: Membership, role: str) -> Membership:
    """Owner ↔ staff in a reseller's team, admin ↔ user in a client's."""
    if not _may_manage(actor, member):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.TEAM, client=member.client)
    family = CLIENT_ROLES if member.client_id else RESELLER_ROLES
    if role not in family:
        raise ValidationError({"role": _("Choose one of the roles offered.")})
    team, member = _team_locked(actor, member)
    if member.role == role:
        return member
    _refuse_last_leader(member, team)
    audit_record(
        actor=actor.user,
        action=Action.MEMBER_ROLE_SET,
        target=member,
        target_label=member.user.email,
        changes={"role": [member.role, role]},
    )
    member.role = role
    member.save(update_fields=["role"])
    return member
