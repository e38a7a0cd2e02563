"""The active numbers' retail kept in parts by PostgreSQL triggers: whatever writes a number (a
save, a queryset update, a bulk create, a delete, raw SQL), the parts sum to what counting the
numbers gives, before and after folding, and under writers folding concurrently."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import ledger
from billing.models import LedgerAccount
from inventory.models import Number, NumberStatus
from reports import numbers as nums
from reports.models import ActiveRetailPart
from reports.selectors import platform_overview, report_build
from reports.tasks import active_retail_fold_task
from tests.billing.renewals.helpers import make_number, tenants
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ANCHOR = dt.date(2026, 11, 3)


def figures(reseller_id: int, rows=None) -> list[tuple]:
    """(prefix, type, cycle, numbers, retail) per key, in a stable order (the example number
    may differ: any number under the prefix tells the country)."""
    rows = nums.active_retail(reseller_id) if rows is None else rows
    return sorted(
        (r["prefix"], r["number_type"], r["billing_cycle"], r["n"], r["retail"]) for r in rows
    )


def counted(reseller_id: int) -> list[tuple]:
    return figures(reseller_id, nums.active_retail_counted(reseller_id))


def assert_in_step(reseller_id: int) -> None:
    assert figures(reseller_id) == counted(reseller_id)


def test_every_kind_of_write_keeps_the_parts_in_step_with_the_numbers():
    reseller, client, _owner = tenants()
    first = make_number(client, anchor=ANCHOR, e164="+12125550001", retail="5.00")
    second = make_number(client, anchor=ANCHOR, e164="+12125550002", cycle="annual")
    third = make_number(client, anchor=ANCHOR, e164="+442071230003", retail="7.25")
    assert figures(reseller.pk) == [
        ("+1212555", "local", "annual", 1, D("5.0000")),
        ("+1212555", "local", "monthly", 1, D("5.0000")),
        ("+4420712", "local", "monthly", 1, D("7.2500")),
    ]

    first.status = NumberStatus.GRACE  # out of the figure
    first.save()
    assert_in_step(reseller.pk)
    Number.objects.filter(pk=first.pk).update(status=NumberStatus.ACTIVE)  # back in
    Number.objects.filter(pk=second.pk).update(retail_period=D("60.5000"))  # repriced
    Number.objects.filter(pk=third.pk).update(number_type="mobile", billing_cycle="quarterly")
    assert_in_step(reseller.pk)

    first.refresh_from_db()
    Number.objects.bulk_create(
        [
            Number(**{**_fields(first), "e164": f"+1416555{i:04d}", "retail_period": D(i)})
            for i in range(1, 6)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_number SET status = 'suspended' WHERE e164 = '+14165550003'"
        )
    third.delete()
    assert_in_step(reseller.pk)
    assert figures(reseller.pk) == [
        ("+1212555", "local", "annual", 1, D("60.5000")),
        ("+1212555", "local", "monthly", 1, D("5.0000")),
        ("+1416555", "local", "monthly", 4, D("12.0000")),
    ]


def test_a_change_nothing_counts_on_adds_no_part():
    _reseller, client, _owner = tenants()
    number = make_number(client, anchor=ANCHOR)
    parts = ActiveRetailPart.objects.count()
    number.renewal_due_at += dt.timedelta(days=30)  # what a renewal moves
    number.paid_until += dt.timedelta(days=30)
    number.save()
    Number.objects.filter(pk=number.pk).update(description="Routed elsewhere")
    assert ActiveRetailPart.objects.count() == parts


def test_folding_leaves_one_part_per_key_and_the_same_figures():
    reseller, client, _owner = tenants()
    other, other_client, _ = tenants()
    numbers = [make_number(client, anchor=ANCHOR, e164=f"+1212555{i:04d}") for i in range(4)]
    make_number(other_client, anchor=ANCHOR, e164="+13125550001")
    Number.objects.filter(pk=numbers[0].pk).update(retail_period=D("9.9900"))
    gone = make_number(client, anchor=ANCHOR, e164="+33142680001")
    gone.delete()  # its key sums to nothing: folded away
    before = figures(reseller.pk)

    assert active_retail_fold_task() == 2  # the two keys still held
    assert figures(reseller.pk) == before == counted(reseller.pk)
    assert figures(other.pk) == counted(other.pk)
    assert list(
        ActiveRetailPart.objects.filter(reseller=reseller).values_list(
            "prefix", "numbers", "retail", "folded"
        )
    ) == [("+1212555", 4, D("24.9900"), True)]
    assert nums.active_retail_fold() == 0  # nothing new


LINES = itertools.count()  # the examples share one transaction: numbers must stay distinct
operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "suspend", "reactivate", "reprice", "retype", "delete", "fold"]),
        st.integers(0, 7),
        st.integers(1, 5_000),
    ),
    max_size=25,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_any_history_of_writes_sums_to_the_count(steps):
    reseller, client, _owner = tenants()
    second = ClientFactory(reseller=reseller)
    prefixes = ["+1212555", "+4420712", "+3314268"]
    for op, pick, cents in steps:
        held = list(Number.objects.filter(reseller=reseller).order_by("pk"))
        number = held[pick % len(held)] if held else None
        if op == "add" or number is None:
            make_number(
                (client, second)[pick % 2],
                anchor=ANCHOR,
                e164=f"{prefixes[pick % 3]}{next(LINES):05d}",
                retail=str(D(cents) / 100),
                cycle=("monthly", "quarterly", "annual")[pick % 3],
            )
        elif op == "suspend":
            Number.objects.filter(pk=number.pk).update(status=NumberStatus.SUSPENDED)
        elif op == "reactivate":
            Number.objects.filter(pk=number.pk).update(status=NumberStatus.ACTIVE)
        elif op == "reprice":
            number.retail_period = D(cents) / 100
            number.save(update_fields=["retail_period"])
        elif op == "retype":
            Number.objects.filter(pk=number.pk).update(number_type="toll_free")
        elif op == "delete":
            number.delete()
        else:
            nums.active_retail_fold()
        assert_in_step(reseller.pk)


@pytest.mark.django_db(transaction=True)
def test_writers_and_folds_running_at_once_lose_nothing():
    reseller, client, _owner = tenants()
    for i in range(40):
        make_number(client, anchor=ANCHOR, e164=f"+1212555{i:04d}")
    ids = list(Number.objects.filter(reseller=reseller).values_list("pk", flat=True))
    start = threading.Barrier(5)
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            start.wait()
            for pk in ids[offset::4]:
                Number.objects.filter(pk=pk).update(status=NumberStatus.GRACE)
                Number.objects.filter(pk=pk).update(
                    status=NumberStatus.ACTIVE, retail_period=D("6.5000")
                )
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    def fold() -> None:
        try:
            start.wait()
            for _ in range(20):
                nums.active_retail_fold()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    threads.append(threading.Thread(target=fold))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert (
        figures(reseller.pk)
        == counted(reseller.pk)
        == [("+1212555", "local", "monthly", 40, D("260.0000"))]
    )
    nums.active_retail_fold()
    assert figures(reseller.pk) == counted(reseller.pk)


def _fields(number: Number) -> dict:
    return {
        f.attname: getattr(number, f.attname)
        for f in Number._meta.concrete_fields
        if not f.primary_key
    }


def test_the_platform_overview_agrees_with_each_resellers_dashboard():
    first, first_client, _ = tenants()
    second, second_client, _ = tenants()
    make_number(first_client, anchor=ANCHOR, e164="+12125559001", retail="5.00")
    make_number(first_client, anchor=ANCHOR, e164="+12125559002", cycle="quarterly")
    gone = make_number(second_client, anchor=ANCHOR, e164="+12125559003", retail="7.00")
    Number.objects.filter(pk=gone.pk).update(status=NumberStatus.SUSPENDED)
    make_number(second_client, anchor=ANCHOR, e164="+12125559004", retail="9.00")
    funds = ledger.client_wallet(second_client)
    LedgerAccount.objects.filter(pk=funds.pk).update(balance_minor=1_234)

    lines = {line.reseller.pk: line for line in platform_overview()}
    for reseller in (first, second):
        report = report_build(reseller=reseller)
        line = lines[reseller.pk]
        assert (line.active_numbers, line.mrr, line.cash_in_wallets) == (
            report.active_numbers,
            report.mrr,
            report.cash_in_wallets,
        )
    assert (lines[first.pk].active_numbers, lines[first.pk].mrr.minor) == (2, 500 + 167)
    assert (lines[second.pk].mrr.minor, lines[second.pk].cash_in_wallets.minor) == (900, 1_234)
