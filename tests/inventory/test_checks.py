"""Provider accounts are checked hourly, so balances and failed checks stay current."""

from __future__ import annotations

from django_celery_beat.models import PeriodicTask

from inventory import tasks
from inventory.models import ProviderAccount


def test_every_enabled_account_is_checked_hourly(db, monkeypatch):
    checked: list[int] = []
    monkeypatch.setattr(tasks.provider_check_task, "delay", checked.append)
    on = ProviderAccount.objects.create(
        kind="didww", name="on", base_url="https://api.example.com", currency="USD"
    )
    ProviderAccount.objects.create(
        kind="didww", name="off", base_url="https://api.example.com", currency="USD", enabled=False
    )
    tasks.check_all_providers_task()
    assert checked == [on.pk]
    schedule = PeriodicTask.objects.get(task="inventory.check_all_providers_task")
    assert schedule.enabled and (schedule.interval.every, schedule.interval.period) == (1, "hours")
