"""A real Celery worker on Redis SIGKILLed in the middle of a renewal batch (issue 11): after a
new worker runs the job again, each due number is charged exactly once and every transaction
sums to zero.

The job commits one chunk of numbers at a time; a statement-level trigger (in the test database
only) makes each chunk's charge insert sleep, so the worker is still mid-run when the test sees
the first committed charges and kills it. The second worker runs without the trigger.
"""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from billing.tasks import renewals_run_task
from inventory.models import Number
from portal.celery import app
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.worker import celery_worker, wait_for

from .helpers import balance, make_number, tenants, top_up

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
NUMBERS = 1_500
BATCH = 20  # numbers per batch (and so per committed chunk) in the worker
RETAIL, WHOLESALE = 500, 300  # minor units, as make_number's defaults


@pytest.fixture
def real_broker(monkeypatch):
    queue = f"test-renewals-{timezone.now().timestamp():.0f}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    monkeypatch.setenv("RENEWAL_BATCH_SIZE", str(BATCH))  # read by the worker's settings
    yield queue
    app.conf.task_always_eager, app.conf.task_default_queue = saved


def slow_charge_inserts(on: bool) -> None:
    """Each chunk's INSERT of charge rows sleeps 0.1 s inside the chunk's transaction."""
    table = RenewalCharge._meta.db_table
    with connection.cursor() as cursor:
        if on:
            cursor.execute(
                "CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_sleep(0.1); RETURN NULL; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER test_slow_insert AFTER INSERT ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert()"
            )
        else:
            cursor.execute(f"DROP TRIGGER test_slow_insert ON {table}")
            cursor.execute("DROP FUNCTION test_slow_insert()")


def due_numbers(client) -> list[Number]:
    """NUMBERS numbers whose second period began yesterday (the worker uses the real clock)."""
    anchor = timezone.now().date() - relativedelta(months=1) - dt.timedelta(days=1)
    first = make_number(client, anchor=anchor, e164="+12120000000")
    copies = []
    for i in range(1, NUMBERS):
        first.pk, first.e164 = None, f"+1212{i:07d}"
        first.order_reference = f"DH-KILL-{i}"
        copies.append(Number(**{f.attname: getattr(first, f.attname) for f in Number._meta.fields}))
    Number.objects.bulk_create(copies)
    return list(Number.objects.filter(client=client))


def test_a_worker_killed_mid_batch_charges_each_due_number_once(real_broker, tmp_path):
    reseller, client, _ = tenants()
    top_up(client, NUMBERS * RETAIL)
    top_up(reseller, NUMBERS * WHOLESALE)
    numbers = due_numbers(client)
    assert Number.objects.filter(renewal_due_at__lte=timezone.now()).count() == NUMBERS

    slow_charge_inserts(True)
    with celery_worker(tmp_path, queue=real_broker) as first:
        renewals_run_task.delay()
        wait_for(lambda: RenewalCharge.objects.exists(), timeout=60, interval=0.02)
        first.kill()  # SIGKILL: no chance to finish the chunk it holds
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    slow_charge_inserts(False)

    halfway = RenewalCharge.objects.count()
    assert 0 < halfway < NUMBERS, "the worker was not killed mid-run"
    assert halfway % BATCH == 0, "a chunk was committed in part"
    assert LedgerTransaction.objects.filter(kind=TransactionKind.RENEWAL).count() == halfway

    with celery_worker(tmp_path, queue=real_broker):
        renewals_run_task.delay()
        wait_for(lambda: RenewalCharge.objects.count() == NUMBERS, timeout=120, interval=0.2)
    assert renewals_run(now=timezone.now()).charged == 0  # a third run finds nothing due

    per_number = RenewalCharge.objects.values("number").annotate(n=Count("id"))
    assert {row["number"] for row in per_number} == {n.pk for n in numbers}
    assert {row["n"] for row in per_number} == {1}
    assert LedgerTransaction.objects.filter(kind=TransactionKind.RENEWAL).count() == NUMBERS
    assert balance(client) == 0 and balance(reseller) == 0
    assert not Number.objects.filter(renewal_due_at__lte=timezone.now()).exists()
    assert_ledger_sound()
