"""Run the provisioning sweeper every few seconds with django-celery-beat (editable in the admin).

It queues every order item whose ``next_check_at`` has passed: polls for providers without
callbacks, and whatever a lost task or a killed worker left behind.
"""

from django.db import migrations

NAME = "Provisioning sweeper (order items due for a check)"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "billing.provisioning_sweep_task", "interval": every}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_ledger_triggers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
