import contextlib

from celery import shared_task

from .accounts import provider_account_check
from .models import ProviderAccount
from .routing_trunks import due_trunk_ids, trunk_job_run
from .sync import CatalogSyncFailed, catalog_sync
from .upstream_run import due_upstream_action_ids, upstream_action_run


@shared_task(name="inventory.provider_check_task")
def provider_check_task(account_id: int) -> None:
    account = ProviderAccount.objects.filter(pk=account_id).first()
    if account is not None:
        provider_account_check(account=account)


@shared_task(name="inventory.provider_sync_task")
def provider_sync_task(account_id: int) -> None:
    account = ProviderAccount.objects.filter(pk=account_id, enabled=True).first()
    if account is None:
        return
    # A failure is recorded on the account; the next run tries again.
    with contextlib.suppress(CatalogSyncFailed):
        catalog_sync(account=account)


@shared_task(name="inventory.sync_all_providers_task")
def sync_all_providers_task() -> None:
    """Nightly: queue one sync per enabled account, so each runs (and fails) on its own."""
    for account_id in ProviderAccount.objects.filter(enabled=True).values_list("id", flat=True):
        provider_sync_task.delay(account_id)


@shared_task(name="inventory.check_all_providers_task")
def check_all_providers_task() -> None:
    """Hourly: queue one connection check per enabled account, so the balances and failed
    checks the admin's operations page shows are at most an hour old."""
    for account_id in ProviderAccount.objects.filter(enabled=True).values_list("id", flat=True):
        provider_check_task.delay(account_id)


# Short waits ride on the task itself; anything later is the sweeper's.
COUNTDOWN_LIMIT_SECONDS = 15


@shared_task(name="inventory.upstream_action_task")
def upstream_action_task(action_id: int) -> str:
    """Carry one suspend/restore/release/route to the provider (inventory.upstream_run)."""
    return upstream_action_run(action_id=action_id)


@shared_task(name="inventory.upstream_sweep_task")
def upstream_sweep_task() -> int:
    """Every minute (beat): queue every upstream action whose next attempt is due; catches what
    a lost task or a killed worker left behind, and the retries too long for a countdown."""
    ids = due_upstream_action_ids()
    for action_id in ids:
        upstream_action_task.delay(action_id)
    trunks = due_trunk_ids()
    for destination_id in trunks:
        routing_trunk_task.delay(destination_id)
    return len(ids) + len(trunks)


@shared_task(name="inventory.routing_trunk_task")
def routing_trunk_task(destination_id: int) -> str:
    """Create, re-credential or delete one SIP trunk upstream (inventory.routing_trunks)."""
    return trunk_job_run(destination_id=destination_id)
