"""Writes for a reseller's security policy: whether its staff and its clients' people must use
two-factor authentication (customers/mfa.py enforces it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Membership, Reseller


@transaction.atomic
def reseller_mfa_policy_set(
    *, actor: Membership, staff_required: bool, clients_required: bool
) -> Reseller:
    """Only an owner sets it. Taking effect is immediate: a person it now covers who has no
    authenticator is sent to set one up on their next page."""
    if not actor.is_reseller_owner:
        raise PermissionDenied
    reseller = Reseller.objects.select_for_update().get(pk=actor.reseller_id)
    reseller.mfa_required_for_staff = bool(staff_required)
    reseller.mfa_required_for_clients = bool(clients_required)
    fields = ["mfa_required_for_staff", "mfa_required_for_clients", "updated_at"]
    reseller.save(update_fields=fields)
    return reseller
