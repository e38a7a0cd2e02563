"""The demo's numbers (used by ``seed_demo``): sandbox numbers the demo clients bought the
month before last and renewed last month (``billing.demo_history``), so the renewal clock has
something to move and last month has invoices. Globex (the demo client admin's) holds one at
each sandbox provider, to route, text and release: DIDWW's (routed through the API), DIDfarm's
Boston number with SMS (routed to a SIP trunk; its release is an admin's task), PBXme's
(forwarded through the API) and IDT Express's (routed by an admin on request).

Each number's first month was paid for when it was bought: a payment into the client's wallet
and one into the reseller's of exactly its retail and wholesale price (so the demo's opening
balances stay as they were, for the orders people place), then one balanced ledger transaction
with the postings a delivered order books (client → reseller revenue at retail, reseller →
platform at wholesale, the provider's cost owed); each Number row carries those prices.
Globex has 25.00 left, which renews its six numbers (19.44 a month); Initech has nothing left,
so its number's next month walks through grace, suspension and release. The demo's sandbox
holds these numbers while it runs (``inventory.demo.demo_numbers_plant``), and after the
catalog sync each is linked to its group (``inventory.demo.demo_number_groups_link``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from customers.models import Client
from inventory.models import Number, NumberStatus, ProviderAccount

from . import ledger
from .demo_history import RENEWED_AT, demo_anchor, demo_clock, demo_payments
from .models import AccountKind, TransactionKind
from .money import to_minor
from .renewals.schedule import local_date, local_midnight, period_start

D = Decimal
REFERENCE = "DEMO-SEED"
# (client, e164, description, days after today its next period starts, retail per month)
DEMO_NUMBERS = [
    ("Globex Corporation", "+12125550141", "New York", 2, D("2.99")),
    ("Globex Corporation", "+13125550142", "Chicago", 6, D("2.99")),
    ("Globex Corporation", "+18005550143", "Toll-free", 10, D("4.99")),
    ("Initech", "+15125550144", "Austin", 3, D("3.99")),  # its wallet is empty after
    ("Globex Corporation", "+16172625428", "Boston", 5, D("2.99")),
    ("Globex Corporation", "+12064574710", "Seattle", 8, D("1.99")),
    ("Globex Corporation", "+14155980150", "San Francisco", 12, D("3.49")),
]
# Where a row's number is held when not at DIDWW: (provider kind, its monthly cost there in the
# account's currency, as the simulator's catalog prices it).
DEMO_NUMBER_SOURCES = {
    "+16172625428": ("didfarm", D("1.40")),  # a catalog number with SMS (Boston 617-262)
    "+12064574710": ("pbxme", D("0.99")),  # a catalog number (Seattle 206-457)
    "+14155980150": ("idtexpress", D("1.85")),  # in its group San Francisco (415) 598
}
WHOLESALE_SHARE, COST_SHARE = D("0.6"), D("0.35")  # of retail: the platform's and the provider's


@dataclass(frozen=True)
class SeededNumber:
    number: Number
    created: bool


def demo_numbers_ensure(*, admin, owner, account: ProviderAccount) -> list[SeededNumber]:
    """The demo numbers, created once (running the seed again changes nothing). ``account`` is
    the DIDWW sandbox account; the others are the demo's ``<kind>-sandbox`` accounts."""
    seeded = []
    for client_name, e164, description, days, retail in DEMO_NUMBERS:
        client = Client.objects.select_related("reseller").get(
            reseller__slug="acme", name=client_name
        )
        kind, cost = DEMO_NUMBER_SOURCES.get(e164, (account.kind, None))
        held_at = account if kind == account.kind else _sandbox_account(kind)
        found = Number.objects.filter(provider_account=held_at, e164=e164).first()
        if found is not None:
            seeded.append(SeededNumber(found, False))
            continue
        number = _number(client, held_at, e164, description, days, retail, cost)
        with demo_clock(number.activated_at + RENEWED_AT):  # booked the day it was bought
            demo_payments(
                number, admin=admin, owner=owner, key=f"demo-number:{number.e164}",
                reference=f"DEMO-{number.e164[-4:]}",
            )  # fmt: skip
            _book_purchase(number)
        seeded.append(SeededNumber(number, True))
    return seeded


def _sandbox_account(kind: str) -> ProviderAccount:
    return ProviderAccount.objects.get(name=f"{kind}-sandbox")


def _number(
    client, account, e164: str, description: str, days: int, retail: Decimal, cost: Decimal | None
) -> Number:
    """Bought the month before last, paid for that month; its renewal of last month is
    charged by ``billing.demo_history`` (its next period then starts ``days`` from today)."""
    reseller = client.reseller
    today = local_date(timezone.now(), reseller.time_zone)
    anchor = demo_anchor(today, days)
    next_start = period_start(anchor, "monthly", 1)
    return Number.objects.create(
        e164=e164, client=client, reseller=reseller, provider_account=account,
        description=description, number_type="toll_free" if "Toll" in description else "local",
        order_reference=f"{REFERENCE}-{e164[-4:]}", billing_cycle="monthly",
        currency=reseller.currency, retail_setup=D(0), retail_period=retail,
        wholesale_setup=D(0), wholesale_period=(retail * WHOLESALE_SHARE).quantize(D("0.01")),
        cost_setup=D(0), cost_monthly=cost or (retail * COST_SHARE).quantize(D("0.01")),
        cost_currency=account.currency or "USD", status=NumberStatus.ACTIVE,
        activated_at=local_midnight(anchor, reseller.time_zone),
        paid_until=next_start - dt.timedelta(days=1), renewal_anchor=anchor, renewal_period=1,
        next_period_start=next_start,
        renewal_due_at=local_midnight(next_start, reseller.time_zone),
    )  # fmt: skip


def _book_purchase(number: Number) -> None:
    """The first month, charged as a delivered order charges it (an order charge: the reports
    count the wholesale the reseller paid only on charges)."""
    client, reseller = number.client, number.reseller
    retail = to_minor(number.retail_period, number.currency)
    wholesale = to_minor(number.wholesale_period, number.currency)
    cost = to_minor(number.cost_monthly, number.cost_currency)
    ledger.ledger_post(
        kind=TransactionKind.CAPTURE,
        entries=[
            (ledger.client_wallet(client), -retail),
            (ledger.reseller_revenue(reseller, number.currency), retail),
            (ledger.reseller_wallet(reseller), -wholesale),
            (ledger.platform_account(AccountKind.PLATFORM_REVENUE, number.currency), wholesale),
            (ledger.platform_account(AccountKind.PLATFORM_REVENUE, number.cost_currency), -cost),
            (ledger.provider_payable(number.provider_account, number.cost_currency), cost),
        ],
        memo=f"{number.order_reference}: {number.e164}, first month from "
        f"{number.renewal_anchor.isoformat()} (demo)",
        idempotency_key=f"demo-purchase:{number.e164}",
        reseller_id=reseller.pk,
        client_id=client.pk,
    )
