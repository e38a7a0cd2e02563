"""The reseller's invoicing details: legal name, address, tax settings, prefix, footer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Membership
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import tenant_action_require

from .models import IssuerProfile

FIELDS = (
    "legal_name", "address", "country", "tax_id", "invoice_prefix", "prices_include_tax",
    "tax_rate", "country_tax_rates", "footer", "paper_size",
)  # fmt: skip


def issuer_profile_set(*, actor: Membership, **values) -> IssuerProfile:
    """Save the reseller's details (owner only). Issued invoices keep the details they were
    issued with; the next ones use these."""
    if not actor.is_reseller_owner:
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.BRANDING)
    with transaction.atomic():
        profile, _created = IssuerProfile.objects.select_for_update().get_or_create(
            reseller_id=actor.reseller_id
        )
        before = {name: str(getattr(profile, name)) for name in FIELDS}
        for name in FIELDS:
            if name in values:
                setattr(profile, name, values[name])
        profile.full_clean()
        profile.save()
        changes = {
            name: str(getattr(profile, name))
            for name in FIELDS
            if str(getattr(profile, name)) != before[name]
        }
        if changes:
            audit_record(
                action=AuditAction.INVOICE_SETTINGS_SET,
                target=actor.reseller,
                target_label=str(actor.reseller),
                reseller=actor.reseller,
                changes=changes,
            )
    return profile
