"""Run the renewal job every five minutes and the 7-day warnings hourly with django-celery-beat
(editable in the admin). The job is cheap when nothing is due: one indexed query."""

from django.db import migrations

RUN = "Renewals (charge what is due, grace → suspension → release)"
WARN = "Renewal warnings (wallets that will not cover the next 7 days)"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=RUN, defaults={"task": "billing.renewals_run_task", "interval": five}
    )
    PeriodicTask.objects.get_or_create(
        name=WARN, defaults={"task": "billing.renewals_warn_task", "interval": hourly}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[RUN, WARN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_renewals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
