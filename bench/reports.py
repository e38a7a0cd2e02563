"""The reports benchmark (``make bench``): the reseller's dashboard over 100,000 numbers and
1,000,000 postings, through the whole middleware stack, signed in as the reseller's owner.

The history is written straight in SQL (renewal-shaped transactions of four balanced postings
spread over thirteen months, across 1,000 clients) so filling it takes seconds, not the hours
the renewal job would. The first request sums and stores the twelve closed months; the timed
requests are the ones every later visitor makes.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from billing import ledger
from billing.models import AccountKind
from customers.models import Client, Membership, Reseller, Role, User
from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus
from reports.numbers import active_retail_fold

NUMBERS = 100_000
POSTINGS = 1_000_000
CLIENTS = 1_000
RUNS = 30
PREFIXES = [f"+1{npa}555" for npa in range(201, 301)] + [
    "+4420712", "+4930123", "+3314268", "+6129374", "+3491123", "+3906123",
]  # fmt: skip


def _history(reseller: Reseller, clients: list[Client], provider) -> None:
    now = timezone.now()
    with transaction.atomic():
        wallets = [ledger.client_wallet(c) for c in clients]
        revenue = ledger.reseller_revenue(reseller, reseller.currency)
        own = ledger.reseller_wallet(reseller)
        platform = ledger.platform_account(AccountKind.PLATFORM_REVENUE, reseller.currency)
    minutes = 395 * 24 * 60
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_ledgertransaction
                (kind, memo, reseller_id, client_id, payment_method, payment_reference, created_at)
            SELECT 'renewal', '', %s, (%s::bigint[])[1 + i %% %s], '', '',
                   %s - (i %% %s) * interval '1 minute'
            FROM generate_series(1, %s) AS i
            """,
            [reseller.pk, [c.pk for c in clients], len(clients), now, minutes, POSTINGS // 4],
        )
        cursor.execute(
            """
            INSERT INTO billing_posting
                (transaction_id, account_id, amount_minor, currency, balance_after_minor)
            SELECT t.id, CASE p.n WHEN 1 THEN w.id WHEN 2 THEN %s WHEN 3 THEN %s ELSE %s END,
                   CASE p.n WHEN 1 THEN -500 WHEN 2 THEN 500 WHEN 3 THEN -300 ELSE 300 END,
                   %s, 0
            FROM billing_ledgertransaction t
            JOIN billing_ledgeraccount w ON w.client_id = t.client_id AND w.kind = 'client_wallet'
            CROSS JOIN generate_series(1, 4) AS p(n)
            WHERE t.reseller_id = %s
            """,
            [revenue.pk, own.pk, platform.pk, reseller.currency, reseller.pk],
        )
    for ids in range(0, len(wallets), 500):
        for wallet in wallets[ids : ids + 500]:
            wallet.balance_minor = 10_000
        type(wallets[0]).objects.bulk_update(wallets[ids : ids + 500], ["balance_minor"])
    cycles = ["monthly", "monthly", "monthly", "quarterly", "annual"]
    types = ["local", "local", "mobile", "toll_free", "national"]
    batch = []
    for i in range(NUMBERS):
        activated = now - dt.timedelta(minutes=(i * 37) % minutes)
        released = activated + dt.timedelta(days=20) if i % 10 == 0 else None
        due = now + dt.timedelta(hours=i % (60 * 24))
        batch.append(
            Number(
                e164=f"{PREFIXES[i % len(PREFIXES)]}{i:06d}"[:16],
                client=clients[i % len(clients)],
                reseller=reseller,
                provider_account=provider,
                number_type=types[i % len(types)],
                order_reference=f"DH-BENCH{i:07d}-1",
                billing_cycle=cycles[i % len(cycles)],
                currency=reseller.currency,
                retail_setup=Decimal(0),
                retail_period=Decimal(100 + i % 900) / 100,
                wholesale_setup=Decimal(0),
                wholesale_period=Decimal(60 + i % 500) / 100,
                cost_setup=Decimal(0),
                cost_monthly=Decimal("0.40"),
                cost_currency="USD",
                status=NumberStatus.RELEASED
                if released and released < now
                else (NumberStatus.GRACE if i % 97 == 0 else NumberStatus.ACTIVE),
                activated_at=activated,
                released_at=released if released and released < now else None,
                paid_until=due.date(),
                renewal_anchor=activated.date(),
                next_period_start=due.date(),
                renewal_due_at=due,
            )
        )
        if len(batch) == 5_000:
            Number.objects.bulk_create(batch)
            batch = []
    Number.objects.bulk_create(batch)
    active_retail_fold()  # what the beat job does every minute
    # What autovacuum does to freshly written tables soon after (visibility map, statistics),
    # and the checkpoint the load's WAL calls for: the timed requests are a visitor's on a
    # settled database, not ones that share the disk with flushing a million fresh rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE inventory_number, billing_posting, billing_ledgertransaction,"
            " reports_activeretailpart"
        )
        cursor.execute("CHECKPOINT")


def _p(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 2)


def bench_reports() -> dict:
    reseller = Reseller.objects.create(
        name="Bench reports", slug="bench-reports", display_name="Bench Reports",
        support_email="r@example.com", time_zone="America/New_York",
    )  # fmt: skip
    clients = Client.objects.bulk_create(
        Client(reseller=reseller, name=f"Client {i:04d}", contact_email=f"c{i}@example.com")
        for i in range(CLIENTS)
    )
    provider = provider_account_create(
        kind="didww", name="bench-reports", sandbox=True, rate_limit=""
    )
    started = time.perf_counter()
    _history(reseller, clients, provider)
    fill_s = time.perf_counter() - started
    user = User.objects.create_user("bench-reports@example.com", "x")
    Membership.objects.create(user=user, reseller=reseller, role=Role.RESELLER_OWNER)
    http = HttpClient()
    http.force_login(user)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        started = time.perf_counter()
        assert http.get("/reseller/reports/").status_code == 200
        first_ms = (time.perf_counter() - started) * 1000
        for _ in range(3):
            http.get("/reseller/reports/")
        # A web worker freezes what it loaded (portal/wsgi.py); here that is the filling's
        # leftovers too, out of the collector's full passes as the app's modules are there.
        gc.collect()
        gc.freeze()
        times, queries = [], 0
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = http.get("/reseller/reports/")
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(captured))
    return {
        "numbers": Number.objects.filter(reseller=reseller).count(),
        "postings": POSTINGS,
        "fill_s": round(fill_s, 1),
        "first_request_ms": round(first_ms, 1),
        "p50_ms": _p(times, 50),
        "p95_ms": _p(times, 95),
        "queries": queries,
    }
