"""What a platform admin may do about an upstream-only number (issue #12): release it upstream,
or assign it to a client. Both need an admin's click; both are audited.

An upstream-only number has no ``Number`` row, so its release cannot be an ``UpstreamAction``:
the admin's click records the request on the finding and a retried job calls the adapter's
``release`` (a number the provider no longer holds counts as released, as in upstream_run).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Client
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import client_action_require
from inventory.accounts import adapter_for
from inventory.models import Number, NumberStatus
from inventory.providers import errors

from ..renewals.schedule import local_date, local_midnight
from .models import FindingKind, ReconcileFinding, Resolution

logger = logging.getLogger("didhub.reconcile")


def _open_orphan(finding_id: int) -> ReconcileFinding:
    finding = (
        ReconcileFinding.objects.select_for_update()
        .select_related("provider_account")
        .filter(pk=finding_id)
        .first()
    )
    if finding is None or finding.closed_at is not None or finding.kind != FindingKind.ORPHAN:
        raise ValidationError(_("This finding is not an open upstream-only number any more."))
    if finding.resolution in (Resolution.RELEASE_REQUESTED, Resolution.RELEASED):
        raise ValidationError(_("Its release upstream was already requested."))
    if _held_here(finding):
        raise ValidationError(_("A client holds this number here now."))
    return finding


def _held_here(finding: ReconcileFinding) -> bool:
    """A live row (anything but released) for the number: ours, never to release or assign."""
    return (
        Number.objects.filter(provider_account_id=finding.provider_account_id, e164=finding.e164)
        .exclude(status=NumberStatus.RELEASED)
        .exists()
    )


@transaction.atomic
def finding_release_upstream(*, finding_id: int, user) -> ReconcileFinding:
    """Ask for an upstream-only number to be given back to the provider (a job does it)."""
    finding = _open_orphan(finding_id)
    before = finding.resolution
    finding.resolution = Resolution.RELEASE_REQUESTED
    finding.resolution_detail = ""
    finding.resolved_by, finding.resolved_at = user, timezone.now()
    finding.save(update_fields=["resolution", "resolution_detail", "resolved_by", "resolved_at"])
    audit_record(
        action=AuditAction.RECONCILE_RELEASE,
        target=finding,
        target_label=f"{finding.e164} ({finding.provider_account.name})",
        changes={"resolution": [before, finding.resolution]},
        actor=user,
    )
    transaction.on_commit(lambda: _enqueue_release(finding_id))
    return finding


def _enqueue_release(finding_id: int) -> None:
    from .tasks import reconcile_release_task

    reconcile_release_task.delay(finding_id)


class ReleaseRetry(Exception):
    """The provider could not answer now; the task tries again later."""


def finding_release_run(*, finding_id: int) -> str:
    """The job behind a requested release: "released", "failed", "skipped"; raises
    ``ReleaseRetry`` on a transient provider error (the task retries with backoff)."""
    finding = ReconcileFinding.objects.select_related("provider_account").get(pk=finding_id)
    if finding.resolution != Resolution.RELEASE_REQUESTED:
        return "skipped"
    if _held_here(finding):  # assigned between the click and the job: never release it
        return _release_settled(finding, Resolution.RELEASE_FAILED, "a client holds it here now")
    adapter = adapter_for(finding.provider_account)
    try:
        adapter.release(finding.e164)
    except errors.NotFound as exc:
        return _release_settled(finding, Resolution.RELEASED, f"already gone upstream: {exc}")
    except errors.ProviderError as exc:
        if not exc.permanent:
            raise ReleaseRetry(str(exc)) from exc
        return _release_settled(finding, Resolution.RELEASE_FAILED, f"{type(exc).__name__}: {exc}")
    return _release_settled(finding, Resolution.RELEASED, "")


def _release_settled(finding: ReconcileFinding, resolution: str, detail: str) -> str:
    ReconcileFinding.objects.filter(pk=finding.pk, resolution=Resolution.RELEASE_REQUESTED).update(
        resolution=resolution, resolution_detail=detail[:2000]
    )
    return "released" if resolution == Resolution.RELEASED else "failed"


@dataclass(frozen=True)
class Assignment:
    client: Client
    billing_cycle: str
    retail_period: Decimal
    wholesale_period: Decimal
    cost_monthly: Decimal
    description: str = ""


@transaction.atomic
def finding_assign(*, finding_id: int, user, assignment: Assignment) -> Number:
    """Give an upstream-only number to a client: a ``Number`` whose first period falls due at
    once, so the renewal job charges it the usual way (grace if the wallet is short). Nothing
    is charged here and no setup fee applies."""
    finding = _open_orphan(finding_id)
    client = Client.objects.select_related("reseller").get(pk=assignment.client.pk)
    client_action_require(client=client, action=TenantAction.NUMBERS)
    reseller = client.reseller
    now = timezone.now()
    anchor = local_date(now, reseller.time_zone)
    account = finding.provider_account
    number = Number.objects.create(
        e164=finding.e164,
        client=client,
        reseller=reseller,
        provider_account=account,
        description=assignment.description or finding.e164,
        order_reference=f"RECON-{finding.pk}",
        billing_cycle=assignment.billing_cycle,
        currency=reseller.currency,
        retail_setup=Decimal("0"),
        retail_period=assignment.retail_period,
        wholesale_setup=Decimal("0"),
        wholesale_period=assignment.wholesale_period,
        cost_setup=Decimal("0"),
        cost_monthly=assignment.cost_monthly,
        cost_currency=account.currency,
        status=NumberStatus.ACTIVE,
        activated_at=now,
        # Period 0 starts today and is not paid yet: the renewal job charges it now.
        renewal_anchor=anchor,
        renewal_period=0,
        next_period_start=anchor,
        paid_until=anchor - timedelta(days=1),
        renewal_due_at=local_midnight(anchor, reseller.time_zone),
    )
    finding.number = number
    finding.closed_at = now
    finding.resolution = Resolution.ASSIGNED
    finding.resolved_by, finding.resolved_at = user, now
    finding.save(update_fields=["number", "closed_at", "resolution", "resolved_by", "resolved_at"])
    audit_record(
        action=AuditAction.RECONCILE_ASSIGN,
        target=number,
        target_label=f"{number.e164} ({account.name})",
        reseller=reseller,
        client=client,
        changes={
            "finding": finding.pk,
            "billing_cycle": assignment.billing_cycle,
            "retail_period": str(assignment.retail_period),
            "wholesale_period": str(assignment.wholesale_period),
            "cost_monthly": str(assignment.cost_monthly),
        },
        actor=user,
    )
    return number
