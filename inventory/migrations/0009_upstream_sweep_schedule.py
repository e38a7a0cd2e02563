"""Run the upstream action sweeper every minute with django-celery-beat (editable in the admin).

It queues every suspend/restore/release whose next attempt is due: retries too long for a task
countdown, and whatever a lost task or a killed worker left behind.
"""

from django.db import migrations

NAME = "Upstream action sweeper (suspend, restore, release due)"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "inventory.upstream_sweep_task", "interval": every}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0008_upstream_actions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
