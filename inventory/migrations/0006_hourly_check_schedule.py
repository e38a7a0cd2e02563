"""Check every provider account hourly with django-celery-beat (editable in the admin).

A check refreshes the account's balance and records whether its credentials still work: what the
admin's operations page warns about (low balances, failed connection checks).
"""

from django.db import migrations

NAME = "Hourly connection check of every provider account"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "inventory.check_all_providers_task", "interval": every}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_provider_low_balance_threshold"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
