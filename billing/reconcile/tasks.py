"""Reconciliation's Celery tasks: thin, ids in, a service call out (billing/tasks.py exports them
so the worker finds them)."""

from __future__ import annotations

from celery import shared_task

from inventory.models import ProviderAccount

from .actions import ReleaseRetry, finding_release_run
from .services import reconcile_account


@shared_task(name="billing.reconcile_all_task")
def reconcile_all_task() -> int:
    """Daily (beat): one reconciliation per enabled account, so each runs and fails alone."""
    ids = list(ProviderAccount.objects.filter(enabled=True).values_list("pk", flat=True))
    for account_id in ids:
        reconcile_account_task.delay(account_id)
    return len(ids)


@shared_task(name="billing.reconcile_account_task")
def reconcile_account_task(account_id: int) -> str:
    account = ProviderAccount.objects.filter(pk=account_id, enabled=True).first()
    if account is None:
        return "skipped"
    return reconcile_account(account=account).status


@shared_task(
    name="billing.reconcile_release_task",
    autoretry_for=(ReleaseRetry,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def reconcile_release_task(finding_id: int) -> str:
    """Release an upstream-only number an admin chose to give back."""
    return finding_release_run(finding_id=finding_id)
