"""Reads of tenant data, always scoped to the person asking.

Every function takes the acting ``Membership`` (``actor``) and returns only rows of its tenant;
``*_get`` functions answer ``Http404`` for anything outside it, so another tenant's object is
indistinguishable from one that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Client, Invitation, Membership, Reseller, User


def membership_for_user(user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return Membership.objects.select_related("reseller", "client").get(user=user)
    except Membership.DoesNotExist:
        return None


def reseller_for_domain(host: str) -> Reseller | None:
    host = host.split(":")[0].lower()
    if not host:
        return None
    # Only a proved domain counts: anyone may type any domain into their branding page.
    return Reseller.objects.filter(
        domain__iexact=host, domain_verified_at__isnull=False, status=Reseller.Status.ACTIVE
    ).first()


def _require_reseller(actor: Membership) -> Reseller:
    if not actor.is_reseller:
        raise Http404
    return actor.reseller


def client_list(*, actor: Membership, search: str = "", status: str = "") -> QuerySet[Client]:
    reseller = _require_reseller(actor)
    clients = Client.objects.filter(reseller=reseller)
    if search:
        clients = clients.filter(
            Q(name__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(contact_email__icontains=search)
        )
    if status:
        clients = clients.filter(status=status)
    return clients.order_by("name", "id")


def client_get(*, actor: Membership, pk: int) -> Client:
    reseller = _require_reseller(actor)
    return get_object_or_404(Client, pk=pk, reseller=reseller)


def client_members(*, actor: Membership, client: Client) -> QuerySet[Membership]:
    if actor.is_reseller:
        if client.reseller_id != actor.reseller_id:
            raise Http404
    elif actor.client_id != client.pk:
        raise Http404
    return Membership.objects.filter(client=client).select_related("user").order_by("user__email")


def reseller_staff(*, actor: Membership) -> QuerySet[Membership]:
    reseller = _require_reseller(actor)
    return (
        Membership.objects.filter(reseller=reseller, client__isnull=True)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitation_list(*, actor: Membership, client: Client | None = None) -> QuerySet[Invitation]:
    """Open and past invitations into the actor's own team, or into one of its clients."""
    invitations = Invitation.objects.filter(reseller=actor.reseller).select_related("invited_by")
    if actor.is_client:
        return invitations.filter(client=actor.client)
    if client is not None:
        if client.reseller_id != actor.reseller_id:
            raise Http404
        return invitations.filter(client=client)
    return invitations.filter(client__isnull=True)


def invitation_get(*, actor: Membership, pk: int) -> Invitation:
    """Any invitation the actor may manage: its reseller's (reseller people) or its client's."""
    invitations = Invitation.objects.filter(reseller=actor.reseller)
    if actor.is_client:
        invitations = invitations.filter(client=actor.client)
    return get_object_or_404(invitations, pk=pk)


def member_get(*, actor: Membership, pk: int) -> Membership:
    """A person the actor's tenant can see: a reseller's own team and its clients' people; a
    client's own people. Anyone else is a 404."""
    members = Membership.objects.select_related("user", "client").filter(reseller=actor.reseller)
    if actor.is_client:
        members = members.filter(client=actor.client)
    return get_object_or_404(members, pk=pk)
