"""Generated history for the report tests: numbers and ledger transactions at chosen moments,
written through the ledger's own posting service (with the clock set back), and the figures
recomputed from the raw rows in plain Python — a second, independent way to the same answer."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from contextlib import contextmanager
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from unittest import mock
from zoneinfo import ZoneInfo

import phonenumbers
from django.db import transaction
from hypothesis import strategies as st

from billing import ledger
from billing.models import AccountKind, LedgerAccount, LedgerTransaction, Posting
from inventory.models import Number, NumberStatus
from tests.billing.renewals.helpers import provider

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
ZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"]
PREFIXES = ["+1212555", "+1416555", "+4420712", "+4930123", "+3314268", "+6129374"]
CYCLES = {"monthly": 1, "quarterly": 3, "annual": 12}
STATUSES = [s.value for s in NumberStatus if s != NumberStatus.RELEASED]

# A moment between 14 months ago and now (month edges are where the zones matter).
moments = st.integers(min_value=0, max_value=14 * 31 * 24 - 1).map(
    lambda hours: NOW - dt.timedelta(hours=hours, minutes=7)
)
cents = st.integers(min_value=1, max_value=50_000)

number_specs = st.fixed_dictionaries(
    {
        "client": st.integers(0, 2),
        "prefix": st.sampled_from(PREFIXES),
        "type": st.sampled_from(["local", "mobile", "toll_free"]),
        "cycle": st.sampled_from(list(CYCLES)),
        "retail": st.integers(1, 99_999).map(lambda c: Decimal(c) / 100),
        "status": st.sampled_from(STATUSES),
        "activated": moments,
        "released_after": st.none() | st.integers(1, 200 * 24),
        "due_in_hours": st.integers(-48, 40 * 24),
    }
)
charge_specs = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["capture", "renewal", "credit", "top_up"]),
        "client": st.integers(0, 2),
        "at": moments,
        "retail": cents,
        "wholesale": cents,
        "cost": cents,
        "cost_in_eur": st.booleans(),
    }
)


@contextmanager
def clock(at: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


# Distinct line numbers (random ones collided now and then on the one-owner constraint).
LINES = itertools.count()


def numbers_make(reseller, clients, specs) -> None:
    for spec in specs:
        status = spec["status"]
        activated = spec["activated"]
        released = None
        if spec["released_after"] is not None and status in ("releasing", "released"):
            released = min(activated + dt.timedelta(hours=spec["released_after"]), NOW)
        due = NOW + dt.timedelta(hours=spec["due_in_hours"])
        Number.objects.create(
            e164=f"{spec['prefix']}{next(LINES) % 10_000:04d}",
            client=clients[spec["client"]],
            reseller=reseller,
            provider_account=provider(),
            number_type=spec["type"],
            order_reference=f"DH-G{uuid.uuid4().hex[:6].upper()}-1",
            billing_cycle=spec["cycle"],
            currency=reseller.currency,
            retail_setup=Decimal(0),
            retail_period=spec["retail"],
            wholesale_setup=Decimal(0),
            wholesale_period=spec["retail"] / 2,
            cost_setup=Decimal(0),
            cost_monthly=Decimal("0.10"),
            cost_currency="USD",
            status="released" if released and status == "released" else status,
            activated_at=activated,
            released_at=released,
            renewal_anchor=activated.date(),
            next_period_start=due.date(),
            paid_until=due.date(),
            renewal_due_at=due,
        )


def charges_post(reseller, clients, specs) -> None:
    """Each spec as the ledger would book it: a capture (clearing → revenues, cost → payable),
    a renewal (client → reseller revenue, reseller → platform, cost → payable), a credit back
    to a client, or a top-up (which is no revenue at all)."""
    currency = reseller.currency
    for spec in sorted(specs, key=lambda s: s["at"]):
        client = clients[spec["client"]]
        retail, wholesale, cost = spec["retail"], spec["wholesale"], spec["cost"]
        cost_currency = "EUR" if spec["cost_in_eur"] else currency
        clearing = ledger.platform_account(AccountKind.CLEARING, currency)
        revenue = ledger.reseller_revenue(reseller, currency)
        platform = ledger.platform_account(AccountKind.PLATFORM_REVENUE, currency)
        platform_cost = ledger.platform_account(AccountKind.PLATFORM_REVENUE, cost_currency)
        payable = ledger.provider_payable(provider(), cost_currency)
        cost_entries = [(platform_cost, -cost), (payable, cost)]
        entries = {
            "capture": [
                (clearing, -(retail + wholesale)), (revenue, retail), (platform, wholesale),
                *cost_entries,
            ],
            "renewal": [
                (ledger.client_wallet(client), -retail), (revenue, retail),
                (ledger.reseller_wallet(reseller), -wholesale), (platform, wholesale),
                *cost_entries,
            ],
            "credit": [(revenue, -retail), (ledger.client_wallet(client), retail)],
            "top_up": [
                (ledger.client_wallet(client), retail),
                (ledger.reseller_received(reseller, currency), -retail),
            ],
        }[spec["kind"]]  # fmt: skip
        with clock(spec["at"]), transaction.atomic():
            if spec["kind"] == "renewal":  # the wallets pay from money paid in before
                ledger.ledger_post(
                    kind="top_up",
                    entries=[
                        (ledger.client_wallet(client), retail),
                        (ledger.reseller_received(reseller, currency), -retail),
                        (ledger.reseller_wallet(reseller), wholesale),
                        (
                            ledger.platform_account(AccountKind.PLATFORM_RECEIVED, currency),
                            -wholesale,
                        ),
                    ],
                    reseller_id=reseller.pk,
                    client_id=client.pk,
                )
            ledger.ledger_post(
                kind=spec["kind"], entries=entries, reseller_id=reseller.pk, client_id=client.pk
            )


# --- the figures again, from the raw rows ------------------------------------------------------


def local_month(moment: dt.datetime, zone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(zone)).date().replace(day=1)


def months_window(zone: str) -> list[dt.date]:
    this = local_month(NOW, zone)
    index = this.year * 12 + this.month - 1
    return [dt.date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(12, -1, -1)]


def expected_revenue(reseller) -> dict[tuple[dt.date, int], list[int]]:
    """(local month, client id) → [revenue, wholesale] in minor units."""
    result: dict[tuple[dt.date, int], list[int]] = defaultdict(lambda: [0, 0])
    transactions = {t.pk: t for t in LedgerTransaction.objects.filter(reseller=reseller)}
    accounts = {a.pk: a for a in LedgerAccount.objects.all()}
    for posting in Posting.objects.filter(transaction_id__in=transactions):
        txn, account = transactions[posting.transaction_id], accounts[posting.account_id]
        if account.currency != reseller.currency:
            continue
        key = (local_month(txn.created_at, reseller.time_zone), txn.client_id)
        if account.kind == "reseller_revenue" and account.reseller_id == reseller.pk:
            result[key][0] += posting.amount_minor
        elif account.kind in ("platform_revenue", "provider_payable") and txn.kind in (
            "capture",
            "renewal",
        ):
            result[key][1] += posting.amount_minor
    return result


def cents_even(value: Fraction) -> int:
    return int((Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal(1), ROUND_HALF_EVEN
    ))  # fmt: skip


def expected_mrr(numbers, key=lambda n: "all") -> dict[str, tuple[int, int]]:
    """key → (active numbers, MRR in cents)."""
    count: dict[str, int] = defaultdict(int)
    total: dict[str, Fraction] = defaultdict(Fraction)
    for n in numbers:
        if n.status == "active":
            count[key(n)] += 1
            total[key(n)] += Fraction(n.retail_period) / CYCLES[n.billing_cycle]
    return {k: (count[k], cents_even(total[k])) for k in count}


def country(number) -> str:
    return phonenumbers.region_code_for_number(phonenumbers.parse(number.e164)) or "ZZ"
