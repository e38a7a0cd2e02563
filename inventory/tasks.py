import contextlib

from celery import shared_task

from .accounts import provider_account_check
from .models import ProviderAccount
from .sync import CatalogSyncFailed, catalog_sync


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
