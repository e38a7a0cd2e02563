"""``make bench`` "renewals": 100,000 numbers of 5,000 clients of 50 resellers, all due, renewed
by the production task on a real Celery worker (a separate process, so its memory is its own).

Figures: ``numbers_per_s`` (the task's own run time, from the worker's log), a second run that
must charge nothing (``second_run_charges``), and the worker's peak RSS (``peak_rss_mb``, VmHWM).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing import ledger
from billing.models import AccountKind, LedgerAccount, RenewalCharge
from customers.models import Client, Reseller
from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus
from portal.celery import app
from portal.processes import celery_worker_process, database_url

RESELLERS = 50
CLIENTS_PER_RESELLER = 100
NUMBERS = 100_000
SUCCEEDED = re.compile(r"renewals_run_task\[[^\]]+\] succeeded in ([0-9.]+)s: (\d+)")


def bench_renewals(*, numbers: int = NUMBERS) -> dict:
    _seed(numbers)
    queue = f"bench-renewals-{uuid.uuid4().hex[:8]}"
    with _worker(queue) as worker:
        first_seconds, first_count = worker.run(queue)
        charged = RenewalCharge.objects.count()
        second_seconds, second_count = worker.run(queue)
        second_charges = RenewalCharge.objects.count() - charged
        peak_rss_mb = worker.peak_rss_mb()
    return {
        "numbers": numbers,
        "resellers": RESELLERS,
        "clients": RESELLERS * CLIENTS_PER_RESELLER,
        "charged": charged,
        "seconds": round(first_seconds, 2),
        "numbers_per_s": round(first_count / first_seconds) if first_seconds else None,
        "second_run_numbers": second_count,
        "second_run_charges": second_charges,
        "second_run_seconds": round(second_seconds, 3),
        "peak_rss_mb": peak_rss_mb,
    }


def _seed(count: int) -> None:
    """Numbers due now, funded wallets; bulk writes (the ledger stays sound: one top-up
    transaction per side, through ledger_post)."""
    account = provider_account_create(
        kind="didww", name="bench-renewals", sandbox=True, rate_limit=""
    )
    today = timezone.now().date()
    anchor = today - relativedelta(months=1)
    with transaction.atomic():
        resellers = Reseller.objects.bulk_create(
            Reseller(
                name=f"Renewals {r}",
                slug=f"bench-renewals-{r}",
                display_name=f"Renewals {r}",
                support_email=f"r{r}@bench.example",
            )
            for r in range(RESELLERS)
        )
        clients = Client.objects.bulk_create(
            Client(reseller=reseller, name=f"Client {c}", contact_email=f"c{c}@bench.example")
            for reseller in resellers
            for c in range(CLIENTS_PER_RESELLER)
        )
        wallets = LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(
                    key=f"client_wallet:{c.pk}:USD",
                    kind=AccountKind.CLIENT_WALLET,
                    currency="USD",
                    client=c,
                    reseller_id=c.reseller_id,
                )
                for c in clients
            ]
            + [
                LedgerAccount(
                    key=f"reseller_wallet:{r.pk}:USD",
                    kind=AccountKind.RESELLER_WALLET,
                    currency="USD",
                    reseller=r,
                )
                for r in resellers
            ]
        )
        per_wallet = 100_000_00
        received = ledger.platform_account(AccountKind.PLATFORM_RECEIVED, "USD")
        ledger.ledger_post(
            kind="top_up",
            entries=[(w, per_wallet) for w in wallets] + [(received, -per_wallet * len(wallets))],
            memo="bench funding",
        )
    period_start = anchor + relativedelta(months=1)
    due = dt.datetime.combine(period_start, dt.time.min, tzinfo=dt.UTC)
    batch: list[Number] = []
    for i in range(count):
        client = clients[i % len(clients)]
        batch.append(
            Number(
                e164=f"+1555{i:07d}",
                client=client,
                reseller_id=client.reseller_id,
                provider_account=account,
                description="Bench",
                number_type="local",
                order_reference=f"DH-BENCH-{i}",
                billing_cycle="monthly",
                currency="USD",
                retail_setup=Decimal(0),
                retail_period=Decimal("2.50"),
                wholesale_setup=Decimal(0),
                wholesale_period=Decimal("1.20"),
                cost_setup=Decimal(0),
                cost_monthly=Decimal("0.50"),
                cost_currency="USD",
                status=NumberStatus.ACTIVE,
                activated_at=due - relativedelta(months=1),
                paid_until=period_start - dt.timedelta(days=1),
                renewal_anchor=anchor,
                renewal_period=1,
                next_period_start=period_start,
                renewal_due_at=due,
            )
        )
        if len(batch) == 5_000:
            Number.objects.bulk_create(batch)
            batch.clear()
    Number.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_number; ANALYZE billing_ledgeraccount")


class _Worker:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.finished: list[tuple[float, int]] = []
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line)
            found = SUCCEEDED.search(line)
            if found:
                self.finished.append((float(found.group(1)), int(found.group(2))))

    def run(self, queue: str, timeout: float = 1800) -> tuple[float, int]:
        done = len(self.finished)
        # Through a connection of its own to the worker's broker: an earlier bench (checkout)
        # points the app at an in-memory broker, and the app keeps its producer pool.
        with app.connection_for_write(
            settings.CELERY_BROKER_URL,
            transport=settings.CELERY_BROKER_TRANSPORT,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as broker:
            app.send_task("billing.renewals_run_task", queue=queue, connection=broker)
        deadline = time.monotonic() + timeout
        while len(self.finished) == done:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the renewal task did not finish:\n" + "".join(self.log[-30:]))
            time.sleep(0.2)
        return self.finished[done]

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return 0.0


@contextmanager
def _worker(queue: str) -> Iterator[_Worker]:
    env = {"DATABASE_URL": database_url(), "LOG_LEVEL": "INFO"}
    with celery_worker_process(queue=queue, env=env) as process:
        yield _Worker(process)
