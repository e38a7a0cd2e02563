"""Invitations: a reseller's team or a client invites someone by email; the link carries a
signed id. Invitations are per tenant, and the inviter is never told whether the address has an
account elsewhere (the invitee is, in the mail and on the accept page).
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.actions import Action
from audit.services import audit_record

from .models import (
    CLIENT_ROLES,
    RESELLER_ROLES,
    Client,
    Invitation,
    Membership,
    Reseller,
    Role,
    User,
)
from .tenant_status import Action as TenantAction
from .tenant_status import tenant_action_require

INVITATION_TTL = timedelta(days=7)
_INVITATION_SALT = "didhub.invitation"


def _may_invite(actor: Membership, role: str, client: Client | None) -> bool:
    if actor.is_reseller_owner and role in RESELLER_ROLES:
        return True
    if actor.is_reseller and role in CLIENT_ROLES:
        return client is not None and client.reseller_id == actor.reseller_id
    if actor.is_client_admin and role in CLIENT_ROLES:
        return client is not None and client.pk == actor.client_id
    return False


@transaction.atomic
def invitation_create(
    *, actor: Membership, email: str, role: str, client: Client | None = None
) -> Invitation:
    """Invite someone into the actor's reseller team or into a client; emails the link.

    Invitations are per tenant (a reseller's team, or one client): inviting an address that
    already has an open invitation from the same tenant renews and resends it; another tenant's
    invitation to the same address is neither seen nor in the way. Whether the address has an
    account elsewhere is never part of the answer: the invitation is made and mailed either way,
    and the mail itself tells an invitee who already has an account what to do
    (customers/notifications.py). Only someone already in this very team is refused, which the
    inviter can see on the team's page anyway.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if role in RESELLER_ROLES:
        client = None
    if not _may_invite(actor, role, client):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.INVITE, client=client)
    team = Membership.objects.filter(reseller_id=actor.reseller_id, user__email__iexact=email)
    if team.filter(client=client).exists():
        raise ValidationError({"email": _("This person is already on this team.")})
    open_invitation = (
        Invitation.objects.select_for_update()
        .filter(email__iexact=email, reseller_id=actor.reseller_id, client=client)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    invitation = open_invitation or Invitation(email=email, reseller=actor.reseller, client=client)
    invitation.role = role
    invitation.invited_by = actor.user
    invitation.expires_at = timezone.now() + INVITATION_TTL
    invitation.full_clean(exclude=["invited_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same tenant invited the same address at the same moment
        raise ValidationError(
            {"email": _("This address was invited a moment ago; reload the page.")}
        ) from None
    audit_record(
        actor=actor.user,
        action=Action.INVITATION_CREATE,
        target=invitation,
        changes={"email": email, "role": role, "renewed": open_invitation is not None},
    )

    from .tasks import send_invitation_email_task

    transaction.on_commit(lambda: send_invitation_email_task.delay(invitation.pk))
    return invitation


def invitation_revoke_allowed(*, actor: Membership, invitation: Invitation) -> None:
    """Raise PermissionDenied unless the actor may revoke (or resend) ``invitation``."""
    if not _may_invite(actor, invitation.role, invitation.client):
        raise PermissionDenied


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    invitation_revoke_allowed(actor=actor, invitation=invitation)
    tenant_action_require(
        membership=actor, action=TenantAction.ACCESS_REMOVE, client=invitation.client
    )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor.user,
            action=Action.INVITATION_REVOKE,
            target=invitation,
            changes={"email": invitation.email, "role": invitation.role},
        )
    return invitation


def invitation_paused(invitation: Invitation) -> bool:
    """Whether the tenant ``invitation`` leads into is suspended or closed: nobody joins it
    until it is active again (the link keeps working until it expires)."""
    reseller_id, client_id = invitation.reseller_id, invitation.client_id
    if Reseller.objects.filter(pk=reseller_id).exclude(status=Reseller.Status.ACTIVE).exists():
        return True
    return bool(
        client_id
        and Client.objects.filter(pk=client_id).exclude(status=Client.Status.ACTIVE).exists()
    )


# Shown to the invitee only (the accept page, the mail): the inviter is never told.
ADDRESS_TAKEN = _lazy(
    "This email address already has an account, and an address can belong to one organisation "
    "only. Ask for the invitation to be sent to another address of yours."
)


def invitation_address_taken(invitation: Invitation) -> bool:
    """Whether the invited address already has an account someone uses (the invitation cannot
    be accepted with it)."""
    return _account_in_use(invitation.email)


def _account_in_use(email: str) -> bool:
    """An account that is someone's now: a platform admin, a member, or active. A deactivated
    account without a membership (someone removed from a team) may be invited again."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return False
    return user.is_staff or user.is_active or Membership.objects.filter(user=user).exists()


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=_INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The open invitation a link points to, or None for a bad, expired or used link."""
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=INVITATION_TTL)
    except signing.BadSignature:
        return None
    invitation = (
        Invitation.objects.select_related("reseller", "client").filter(pk=data.get("i")).first()
    )
    if invitation is None or not invitation.is_open:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invited person's account with a verified email and their membership."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation is no longer valid."))
    if invitation_paused(invitation):
        # Joining is a change like any other; the invitation works again once reactivated.
        raise ValidationError(
            _("This invitation cannot be used right now. Ask the person who invited you.")
        )
    if invitation_address_taken(invitation):
        raise ValidationError(ADDRESS_TAKEN)
    # Someone removed from a team keeps a deactivated account (their past actions point at
    # it): invited again, they get it back with the new role and the password they choose now.
    user = User.objects.filter(email__iexact=invitation.email).first() or User(
        email=invitation.email
    )
    user.full_name = full_name.strip()
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    user.set_password(password)
    user.is_active = True
    user.save()
    Membership.objects.create(
        user=user, reseller=invitation.reseller, client=invitation.client, role=invitation.role
    )
    # Following the emailed link proves the address belongs to this person.
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        action=Action.INVITATION_ACCEPT,
        target=invitation,
        actor=user,
        changes={"email": invitation.email, "role": invitation.role},
    )
    return user


# --- the team: removing people, changing roles, resending invitations -----------------------
#
# Who manages whom: a reseller's owner manages its team (owners and staff); any reseller person
# manages its clients' people (as it invites them); a client admin manages its own client's
# people. A tenant always keeps one owner (a reseller) or one admin (a client): the last one can
# be neither removed nor demoted. Removing someone deletes their membership and deactivates their
# account, so a session they still hold reaches nothing.

RESEND_EVERY = timedelta(minutes=5)


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Send a pending or expired invitation again with a fresh link (a new expiry); at most once
    every few minutes per invitation, so a button pressed repeatedly sends one email."""
    from .tasks import send_invitation_email_task

    invitation_revoke_allowed(actor=actor, invitation=invitation)
    tenant_action_require(membership=actor, action=TenantAction.INVITE, client=invitation.client)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation was accepted or revoked: invite them again."))
    minutes = int(RESEND_EVERY.total_seconds() // 60)
    if not cache.add(f"invitation-resend:{invitation.pk}", 1, RESEND_EVERY.total_seconds()):
        raise ValidationError(
            _("This invitation was sent less than %(n)d minutes ago; try again later.")
            % {"n": minutes}
        )
    invitation.expires_at = timezone.now() + INVITATION_TTL
    invitation.save(update_fields=["expires_at"])
    audit_record(
        actor=actor.user,
        action=Action.INVITATION_RESEND,
        target=invitation,
        changes={"email": invitation.email, "role": invitation.role},
    )
    transaction.on_commit(lambda: send_invitation_email_task.delay(invitation.pk))
    return invitation
