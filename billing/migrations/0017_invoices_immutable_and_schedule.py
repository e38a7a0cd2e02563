"""Issued invoices and credit notes are immutable: on PostgreSQL the database refuses to change
or delete one (only its ``emailed_at`` may be set) or any of its lines, like the audit log.
SQLite (the demo) relies on the code and the read-only admin. Also: the hourly month close."""

from django.db import migrations

IMMUTABLE = """
CREATE FUNCTION billing_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(OLD) - 'emailed_at') = (to_jsonb(NEW) - 'emailed_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'issued invoices are immutable: issue a credit note (%)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_immutable
    BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();

CREATE FUNCTION billing_invoiceline_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'lines of issued invoices are immutable (%)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoiceline_immutable
    BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_immutable();
DROP TRIGGER IF EXISTS billing_invoiceline_immutable ON billing_invoiceline;
DROP FUNCTION IF EXISTS billing_invoiceline_immutable();
"""

CLOSE = "Invoices (close each issuer's previous month)"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=CLOSE, defaults={"task": "billing.invoices_close_task", "interval": hourly}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=CLOSE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0016_invoices_and_tax"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(IMMUTABLE), _on_postgres(DROP)),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
