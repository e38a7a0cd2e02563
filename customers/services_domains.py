"""Writes for a reseller's own portal domain: claiming it, and recording the proof that it is
the reseller's (see ``domains.py`` for what is accepted and how it is proved)."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action
from audit.services import audit_record

from .domains import clean_portal_domain, domain_proof_found, new_domain_token
from .models import Membership, Reseller
from .tenant_status import Action as TenantAction
from .tenant_status import tenant_action_require

# How long an unproved domain is re-checked on the hourly schedule; "Check now" works any time.
RECHECK_FOR = timedelta(days=7)
RECHECK_BATCH = 200
# One check at a time per reseller, however often "Check now" is pressed.
CHECK_NOW_COOLDOWN_SECONDS = 60


def claimable_domain(raw: str, *, reseller: Reseller) -> str:
    """``raw`` normalised, if ``reseller`` may claim it: a host name, not the platform's, not
    another reseller's (whether proved or not); a ValidationError that says why otherwise."""
    domain = clean_portal_domain(raw)
    if domain and domain != reseller.domain:
        others = Reseller.objects.filter(domain__iexact=domain).exclude(pk=reseller.pk)
        if others.exists():
            raise ValidationError(
                _("Another portal already uses this domain."), code="domain_taken"
            )
    return domain


def reseller_domain_set(reseller: Reseller, raw: str) -> None:
    """Sets ``reseller.domain`` (unsaved; the caller saves it in its transaction). A new domain
    gets a new token and starts unverified; the same domain typed again changes nothing."""
    try:
        domain = claimable_domain(raw, reseller=reseller)
    except ValidationError as error:
        raise ValidationError({"domain": error.error_list}) from None
    if domain == reseller.domain:
        return
    reseller.domain = domain
    reseller.domain_token = new_domain_token() if domain else ""
    reseller.domain_changed_at = timezone.now() if domain else None
    reseller.domain_checked_at = None
    reseller.domain_verified_at = None


def reseller_domain_check_request(*, actor: Membership) -> bool:
    """Queues a check of the owner's unproved domain; False if there is nothing to check or a
    check was queued in the last minute."""
    if not actor.is_reseller_owner:
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.BRANDING)
    reseller = Reseller.objects.get(pk=actor.reseller_id)
    if not reseller.domain or reseller.domain_verified_at:
        return False
    if not cache.add(f"customers:domain-check:{reseller.pk}", 1, CHECK_NOW_COOLDOWN_SECONDS):
        return False
    from .tasks import check_reseller_domain_task

    with transaction.atomic():
        audit_record(
            actor=actor.user,
            action=Action.DOMAIN_CHECK_REQUEST,
            target=reseller,
            changes={"domain": reseller.domain},
        )
        transaction.on_commit(lambda: check_reseller_domain_task.delay(reseller.pk))
    return True


def reseller_domain_check(*, reseller_id: int) -> bool:
    """Looks for the proof of the reseller's domain and records what it found; True once the
    domain is verified. The network is asked outside any transaction; what it found is recorded
    only if the domain and its token are still the ones that were checked."""
    reseller = Reseller.objects.filter(pk=reseller_id).first()
    if reseller is None or not reseller.domain:
        return False
    if reseller.domain_verified_at:
        return True
    domain, token = reseller.domain, reseller.domain_token
    try:
        # A domain set before the rules (or in the admin) is proved only if it is claimable.
        claimable = clean_portal_domain(domain, listed_hosts=False) == domain
    except ValidationError:
        claimable = False
    found = claimable and domain_proof_found(domain, token)
    with transaction.atomic():
        reseller = Reseller.objects.select_for_update().get(pk=reseller_id)
        if reseller.domain != domain or reseller.domain_token != token:
            return False
        now = timezone.now()
        reseller.domain_checked_at = now
        if found:
            reseller.domain_verified_at = now
            audit_record(action=Action.DOMAIN_VERIFIED, target=reseller, changes={"domain": domain})
        reseller.save(update_fields=["domain_checked_at", "domain_verified_at", "updated_at"])
    return found


def unverified_domain_reseller_ids() -> list[int]:
    """Resellers whose domain, set in the last week, is not proved yet (the hourly re-check)."""
    since = timezone.now() - RECHECK_FOR
    return list(
        Reseller.objects.exclude(domain="")
        .filter(domain_verified_at__isnull=True, domain_changed_at__gte=since)
        .order_by("domain_checked_at")
        .values_list("pk", flat=True)[:RECHECK_BATCH]
    )
