"""Active numbers' retail in parts (reports.models.ActiveRetailPart), kept by triggers on
``inventory_number`` on PostgreSQL: a number counts while its status is 'active', under the first
8 characters of its e164 (reports.numbers.COUNTRY_PREFIX_CHARS), its type and its cycle. The
existing numbers are summed into folded parts under a lock that holds writers off meanwhile.
SQLite (the demo) gets the table only; its reports sum the numbers."""

import django.db.models.deletion
from django.db import migrations, models

PARTS = """
LOCK TABLE inventory_number IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO reports_activeretailpart
    (reseller_id, prefix, number_type, billing_cycle, numbers, retail, example, folded)
SELECT reseller_id, LEFT(e164, 8), number_type, billing_cycle, COUNT(*), SUM(retail_period),
       MIN(e164), true
FROM inventory_number WHERE status = 'active'
GROUP BY reseller_id, LEFT(e164, 8), number_type, billing_cycle;

CREATE FUNCTION reports_active_retail_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'active' THEN
        INSERT INTO reports_activeretailpart
            (reseller_id, prefix, number_type, billing_cycle, numbers, retail, example, folded)
        VALUES (OLD.reseller_id, LEFT(OLD.e164, 8), OLD.number_type, OLD.billing_cycle,
                -1, -OLD.retail_period, OLD.e164, false);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'active' THEN
        INSERT INTO reports_activeretailpart
            (reseller_id, prefix, number_type, billing_cycle, numbers, retail, example, folded)
        VALUES (NEW.reseller_id, LEFT(NEW.e164, 8), NEW.number_type, NEW.billing_cycle,
                1, NEW.retail_period, NEW.e164, false);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_active_retail_insert_delete
    AFTER INSERT OR DELETE ON inventory_number
    FOR EACH ROW EXECUTE FUNCTION reports_active_retail_track();

-- Most updates (a renewal moving its due date, a route) change nothing counted: skip them.
CREATE TRIGGER reports_active_retail_update
    AFTER UPDATE ON inventory_number
    FOR EACH ROW
    WHEN ((OLD.status = 'active' OR NEW.status = 'active')
          AND (OLD.status, OLD.reseller_id, OLD.e164, OLD.number_type, OLD.billing_cycle,
               OLD.retail_period)
              IS DISTINCT FROM
              (NEW.status, NEW.reseller_id, NEW.e164, NEW.number_type, NEW.billing_cycle,
               NEW.retail_period))
    EXECUTE FUNCTION reports_active_retail_track();
"""

DROP = """
DROP TRIGGER IF EXISTS reports_active_retail_insert_delete ON inventory_number;
DROP TRIGGER IF EXISTS reports_active_retail_update ON inventory_number;
DROP FUNCTION IF EXISTS reports_active_retail_track();
DELETE FROM reports_activeretailpart;
"""


FOLD = "Reports (fold the active numbers' retail parts)"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=FOLD, defaults={"task": "reports.active_retail_fold_task", "interval": every_minute}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=FOLD).delete()


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run



class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_reseller_renewal_settings'),
        ('inventory', '0016_reports_renewal_indexes'),
        ('reports', '0001_closed_period_sums'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActiveRetailPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prefix', models.CharField(max_length=8)),
                ('number_type', models.CharField(blank=True, max_length=12)),
                ('billing_cycle', models.CharField(max_length=10)),
                ('numbers', models.IntegerField()),
                ('retail', models.DecimalField(decimal_places=4, max_digits=20)),
                ('example', models.CharField(max_length=20)),
                ('folded', models.BooleanField(default=False)),
                ('reseller', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.reseller')),
            ],
            options={
                'indexes': [models.Index(fields=['reseller', 'prefix', 'number_type', 'billing_cycle'], name='active_retail_part_key'), models.Index(condition=models.Q(('folded', False)), fields=['reseller', 'prefix', 'number_type', 'billing_cycle'], name='active_retail_part_unfolded')],
            },
        ),
        migrations.RunPython(_on_postgres(PARTS), _on_postgres(DROP)),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
