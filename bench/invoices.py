"""``make bench`` "invoices": last month closed for 5,000 clients of 50 resellers with 100,000
renewal charges (and a top-up per client and reseller, listed as payments), by the service the
beat job and ``manage.py invoices close`` run, without PDFs or mail; then the PDF of the one
client whose invoice has 200 lines, rendered again and again.

Figures: ``invoices_per_s`` (client and reseller invoices issued per second of the close),
a second close that must issue nothing (``second_run_issued``), whether the invoices' totals
agree to the cent with what the wallets paid (``ledger_agrees``), and the PDF's ``pdf_p50_ms``
and ``pdf_p95_ms`` over ``PDF_RUNS`` renders after a warm-up.

The month's history is written in a few statements over arrays (``billing.bulk``): balanced
renewal transactions of four postings and their renewal charges, each number's own.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billing.bulk import rows_insert
from billing.invoices.close import invoices_close
from billing.invoices.delivery import pdf_render
from billing.invoices.models import Invoice, InvoiceLine, IssuerProfile
from billing.models import AccountKind, LedgerAccount, LedgerTransaction, Posting, RenewalCharge
from customers.models import Client, Reseller
from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus

RESELLERS = 50
CLIENTS_PER_RESELLER = 100
CHARGES = 100_000
PDF_LINES = 200  # the first client's charges: its invoice is the long one
PDF_RUNS = 20
RETAIL, WHOLESALE = 250, 120  # minor units per renewal
TOP_UP = {"client": 100_000, "reseller": 1_000_000}


def bench_invoices() -> dict:
    now = timezone.now()
    month = (now.date().replace(day=1) - relativedelta(months=1)).replace(day=1)
    started = time.perf_counter()
    clients, long_client = _seed(month)
    fill_s = time.perf_counter() - started

    started, started_cpu, started_db = time.perf_counter(), time.process_time(), _db_cpu()
    first = invoices_close(month=month, now=now, email=False)
    seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - started_cpu) * 1000
    db_ms = (_db_cpu() - started_db) * 1000 if started_db is not None else None
    started = time.perf_counter()
    second = invoices_close(month=month, now=now, email=False)
    second_seconds = time.perf_counter() - started

    invoice = Invoice.objects.get(client=long_client, period_start=month)
    pdf = _pdf_times(invoice)
    return {
        "clients": len(clients),
        "resellers": RESELLERS,
        "charges": RenewalCharge.objects.count(),
        "fill_s": round(fill_s, 1),
        "issued": first.issued,
        "lines": InvoiceLine.objects.count(),
        "seconds": round(seconds, 2),
        "invoices_per_s": round(first.issued / seconds) if seconds else None,
        # CPU per invoice of this process and of its PostgreSQL backend (when the server runs
        # on this machine): what a busy machine's wall-clock figure does not show.
        "cpu_ms_per_invoice": round(cpu_ms / first.issued, 3) if first.issued else None,
        "db_cpu_ms_per_invoice": (
            round(db_ms / first.issued, 3) if first.issued and db_ms is not None else None
        ),
        "second_run_issued": second.issued,
        "second_run_seconds": round(second_seconds, 2),
        "ledger_agrees": _ledger_agrees(month),
        **pdf,
    }


def _db_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend, from /proc: None
    when the server is not a process of this machine (its parallel workers are not counted)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            name, fields = stat.read().split("(", 1)[1].rsplit(")", 1)
    except (OSError, ValueError):
        return None
    if not name.startswith("postgres"):  # a pid of another machine (or container)
        return None
    fields = fields.split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pdf_times(invoice: Invoice) -> dict:
    from pypdf import PdfReader  # a development dependency, as the bench is

    lines = invoice.lines.count()
    assert lines == PDF_LINES, lines
    for _ in range(2):  # warm-up: WeasyPrint's import, fonts, the template loader
        content = pdf_render(invoice)
    wall, cpu = [], []
    for _ in range(PDF_RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf_render(invoice)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    percentiles = statistics.quantiles(wall, n=100)
    return {
        "pdf_lines": lines,
        "pdf_pages": len(PdfReader(io.BytesIO(content)).pages),
        "pdf_kb": round(len(content) / 1024, 1),
        "pdf_p50_ms": round(percentiles[49], 1),
        "pdf_p95_ms": round(percentiles[94], 1),
        # The process's own CPU time: the wall-clock figures include waiting for a core.
        "pdf_cpu_p50_ms": round(statistics.median(cpu), 1),
    }


def _ledger_agrees(month: dt.date) -> bool:
    """Each client invoice's gross equals what its wallet paid for renewals in the month, and
    each reseller invoice's what the reseller's wallet paid."""
    start = dt.datetime.combine(month, dt.time.min, tzinfo=dt.UTC)
    end = start + relativedelta(months=1)
    paid = (
        Posting.objects.filter(
            transaction__kind="renewal",
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
            account__kind__in=(AccountKind.CLIENT_WALLET, AccountKind.RESELLER_WALLET),
        )
        .values("account__kind", "account__client_id", "account__reseller_id")
        .annotate(total=Sum("amount_minor"))
    )
    expected = {
        f"client:{row['account__client_id']}"
        if row["account__kind"] == AccountKind.CLIENT_WALLET
        else f"reseller:{row['account__reseller_id']}": -row["total"]
        for row in paid
    }
    invoiced = dict(
        Invoice.objects.filter(period_start=month, kind="invoice").values_list(
            "recipient_key", "gross_minor"
        )
    )
    lines = (
        InvoiceLine.objects.filter(invoice__period_start=month)
        .values("invoice__recipient_key")
        .annotate(n=Count("id"), gross=Sum("gross_minor"))
    )
    lines_agree = all(invoiced[row["invoice__recipient_key"]] == row["gross"] for row in lines)
    return expected == invoiced and lines_agree


def _seed(month: dt.date) -> tuple[list[Client], Client]:
    provider = provider_account_create(
        kind="didww", name="bench-invoices", sandbox=True, rate_limit=""
    )
    with transaction.atomic():
        resellers = Reseller.objects.bulk_create(
            Reseller(
                name=f"Invoices {r}", slug=f"bench-invoices-{r}", display_name=f"Invoices {r}",
                support_email=f"r{r}@bench.example",
            )
            for r in range(RESELLERS)
        )  # fmt: skip
        # Half the resellers' prices include 20 % tax (split out on the invoice), half none.
        IssuerProfile.objects.bulk_create(
            [
                IssuerProfile(
                    reseller=reseller, legal_name=f"Invoices {n} Ltd", country="GB",
                    address="1 Bench Street\nLondon", invoice_prefix=f"B{n}",
                    tax_rate=Decimal(20 if n % 2 else 0), footer="Bank: GB00 BENCH",
                )
                for n, reseller in enumerate(resellers)
            ]
            + [IssuerProfile(reseller=None, legal_name="Platform Ltd", invoice_prefix="PF")]
        )  # fmt: skip
        clients = Client.objects.bulk_create(
            Client(
                reseller=reseller, name=f"Client {r}-{c}", contact_email=f"c{r}-{c}@bench.example",
                billing_address="2 Client Road", billing_country="GB",
            )
            for r, reseller in enumerate(resellers)
            for c in range(CLIENTS_PER_RESELLER)
        )  # fmt: skip
        accounts = _accounts(resellers, clients)
        numbers = _numbers(clients, provider, month)
        _history(month, resellers, clients, numbers, accounts)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE inventory_number; ANALYZE billing_ledgertransaction; ANALYZE billing_posting;"
            " ANALYZE billing_renewalcharge; ANALYZE billing_ledgeraccount"
        )
    return clients, clients[0]


def _accounts(resellers: list[Reseller], clients: list[Client]) -> dict[str, int]:
    def account(key: str, kind: str, **owner) -> LedgerAccount:
        return LedgerAccount(key=key, kind=kind, currency="USD", **owner)

    made = LedgerAccount.objects.bulk_create(
        [account(f"client_wallet:{c.pk}:USD", AccountKind.CLIENT_WALLET, client=c,
                 reseller_id=c.reseller_id) for c in clients]
        + [account(f"reseller_wallet:{r.pk}:USD", AccountKind.RESELLER_WALLET, reseller=r)
           for r in resellers]
        + [account(f"reseller_revenue:{r.pk}:USD", AccountKind.RESELLER_REVENUE, reseller=r)
           for r in resellers]
        + [account(f"reseller_received:{r.pk}:USD", AccountKind.RESELLER_RECEIVED, reseller=r)
           for r in resellers]
        + [account(f"{kind}:USD", kind) for kind in (AccountKind.PLATFORM_REVENUE,
                                                     AccountKind.PLATFORM_RECEIVED)]
    )  # fmt: skip
    return {a.key: a.pk for a in made}


def _numbers(clients: list[Client], provider, month: dt.date) -> list[tuple[int, Client]]:
    """(number id, its client): the first client holds PDF_LINES numbers, the others share the
    rest evenly."""
    owners = [clients[0]] * PDF_LINES + [
        clients[1 + i % (len(clients) - 1)] for i in range(CHARGES - PDF_LINES)
    ]
    anchor = month - relativedelta(months=1)
    batch, made = [], []
    for i, client in enumerate(owners):
        batch.append(
            Number(
                e164=f"+1556{i:07d}", client=client, reseller_id=client.reseller_id,
                provider_account=provider, description="United States · Albany (518) · local",
                number_type="local", order_reference=f"DH-BENCH-INV-{i}",
                billing_cycle="monthly", currency="USD", retail_setup=Decimal(0),
                retail_period=Decimal(RETAIL) / 100, wholesale_setup=Decimal(0),
                wholesale_period=Decimal(WHOLESALE) / 100, cost_setup=Decimal(0),
                cost_monthly=Decimal("0.50"), cost_currency="USD", status=NumberStatus.ACTIVE,
                activated_at=dt.datetime.combine(anchor, dt.time(12), tzinfo=dt.UTC),
                renewal_anchor=anchor, renewal_period=2, paid_until=anchor,
                next_period_start=anchor + relativedelta(months=2),
            )
        )  # fmt: skip
        if len(batch) == 5_000:
            made += Number.objects.bulk_create(batch)
            batch = []
    made += Number.objects.bulk_create(batch)
    return [(number.pk, client) for number, client in zip(made, owners, strict=True)]


def _history(month, resellers, clients, numbers, accounts) -> None:
    """A top-up for each client and reseller on the month's first day, then each number's
    renewal on a day of the month (client wallet → reseller revenue, reseller wallet →
    platform revenue), with its charge row."""
    first_day = dt.datetime.combine(month, dt.time(9), tzinfo=dt.UTC)
    platform_revenue = accounts["platform_revenue:USD"]
    top_ups = [(accounts[f"client_wallet:{c.pk}:USD"],
                accounts[f"reseller_received:{c.reseller_id}:USD"], c.reseller_id, c.pk)
               for c in clients]  # fmt: skip
    top_ups += [(accounts[f"reseller_wallet:{r.pk}:USD"], accounts["platform_received:USD"],
                 r.pk, None) for r in resellers]  # fmt: skip
    taxed = {r.pk for n, r in enumerate(resellers) if n % 2}
    txn_ids = rows_insert(LedgerTransaction, {
        "kind": ["top_up"] * len(top_ups), "memo": ["bench"] * len(top_ups),
        "reseller_id": [r for _w, _s, r, _c in top_ups], "client_id": [c for *_x, c in top_ups],
        "payment_method": ["bank_transfer"] * len(top_ups),
        "payment_reference": [f"BENCH-{n}" for n in range(len(top_ups))],
        "created_at": [first_day] * len(top_ups),
    })  # fmt: skip
    postings = []
    for txn, (wallet, source, _r, client) in zip(txn_ids, top_ups, strict=True):
        amount = TOP_UP["client" if client else "reseller"]
        postings += [(txn, wallet, amount), (txn, source, -amount)]

    days = (month + relativedelta(months=1) - month).days
    moments = [
        first_day + dt.timedelta(days=1 + i % (days - 2), minutes=i % 600)
        for i in range(len(numbers))
    ]
    txn_ids = rows_insert(LedgerTransaction, {
        "kind": ["renewal"] * len(numbers), "memo": [""] * len(numbers),
        "reseller_id": [client.reseller_id for _n, client in numbers],
        "client_id": [client.pk for _n, client in numbers],
        "payment_method": [""] * len(numbers), "payment_reference": [""] * len(numbers),
        "created_at": moments,
    })  # fmt: skip
    for txn, (_number, client) in zip(txn_ids, numbers, strict=True):
        postings += [
            (txn, accounts[f"client_wallet:{client.pk}:USD"], -RETAIL),
            (txn, accounts[f"reseller_revenue:{client.reseller_id}:USD"], RETAIL),
            (txn, accounts[f"reseller_wallet:{client.reseller_id}:USD"], -WHOLESALE),
            (txn, platform_revenue, WHOLESALE),
        ]
    rows_insert(Posting, {
        "transaction_id": [p[0] for p in postings], "account_id": [p[1] for p in postings],
        "amount_minor": [p[2] for p in postings], "currency": ["USD"] * len(postings),
        "balance_after_minor": [0] * len(postings),
    }, ids=False)  # fmt: skip
    rows_insert(RenewalCharge, {
        "number_id": [n for n, _c in numbers],
        "reseller_id": [c.reseller_id for _n, c in numbers],
        "client_id": [c.pk for _n, c in numbers], "period": [1] * len(numbers),
        "period_start": [moment.date() for moment in moments],
        "period_end": [moment.date() + relativedelta(months=1) - dt.timedelta(days=1)
                       for moment in moments],
        "currency": ["USD"] * len(numbers), "retail_minor": [RETAIL] * len(numbers),
        "wholesale_minor": [WHOLESALE] * len(numbers), "cost_currency": ["USD"] * len(numbers),
        "cost_minor": [50] * len(numbers), "retail_tax_minor": [0] * len(numbers),
        # Prices include the tax: nothing added, the rate that applied recorded.
        "retail_tax_rate": [Decimal(20 if c.reseller_id in taxed else 0) for _n, c in numbers],
        "wholesale_tax_minor": [0] * len(numbers),
        "wholesale_tax_rate": [Decimal(0)] * len(numbers), "waived": [False] * len(numbers),
        "transaction_id": txn_ids, "created_at": moments,
    }, ids=False)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_ledgeraccount a SET balance_minor = s.total FROM "
            "(SELECT account_id, SUM(amount_minor) AS total FROM billing_posting "
            "GROUP BY account_id) s WHERE s.account_id = a.id"
        )
