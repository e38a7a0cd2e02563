"""Renewals at risk (issue 13): the numbers owing a period (grace, suspended), plus the renewals
falling due within ``AT_RISK_DAYS`` of clients whose wallet (with its credit limit) does not
cover them all — how many, and their retail prices in minor units.

Per client and kind, the periods' retail prices are summed and rounded half to even to the
minor unit, and the tax the reseller adds on top for that client (if it does, at the invoices'
own terms) is added, also rounded half to even: the wallet must cover that gross; the figure
shows the net (the reseller's revenue at risk). Retail prices are whole minor units (the price
rules and the reseller's price form round them), so this is what the renewal job will charge,
except for tax rounded per number rather than once per client, a cent at most either way. On
PostgreSQL one statement does it over two index-only ranges and also sums the cash in the
wallets (the dashboard's budget); elsewhere (the demo's SQLite) and in the tests the same
figures are counted number by number in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from billing.invoices.models import IssuerProfile
from billing.invoices.tax import TaxTerms, tax_on_top, terms_for
from billing.models import AccountKind, LedgerAccount
from billing.money import exponent
from billing.renewals.prices import retail_for_period
from customers.models import Client, Reseller
from inventory.models import OWING, Number, NumberStatus

from .numbers import minor_of

AT_RISK_DAYS = 30


@dataclass(frozen=True)
class AtRisk:
    numbers: int
    minor: int  # their retail, net of tax
    cash_minor: int  # the balance of the wallets asked (every client's, or the one's)


# Per client and kind: the count and the retail summed (numeric, exact) and scaled to minor
# units, rounded half to even exactly (PostgreSQL's round() takes halves away from zero), the
# tax on top at the client's rate (sent in ten-thousandths of a percent: exact bigint
# arithmetic), the due ones compared with the wallet; the cash in the wallets beside.
_AT_RISK_SQL = """
WITH per_client AS (
    SELECT client_id, false AS owing, COUNT(*) AS n,
           SUM(CASE WHEN retail_period_next IS NOT NULL
                         AND retail_period_next_from <= next_period_start
                    THEN retail_period_next ELSE retail_period END) * %(scale)s AS scaled
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = %(active)s AND auto_renew
      AND NOT provider_blocked AND renewal_due_at > %(now)s AND renewal_due_at <= %(horizon)s
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
    GROUP BY client_id
    UNION ALL
    SELECT client_id, true, COUNT(*),
           SUM(CASE WHEN retail_period_next IS NOT NULL
                         AND retail_period_next_from <= next_period_start
                    THEN retail_period_next ELSE retail_period END) * %(scale)s
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = ANY(%(owing)s)
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
    GROUP BY client_id
), net AS (
    SELECT p.client_id, p.owing, p.n, COALESCE(t.rate_e4, 0) AS rate_e4,
           (CASE WHEN p.scaled - FLOOR(p.scaled) = 0.5
                 THEN FLOOR(p.scaled) + ABS(MOD(FLOOR(p.scaled), 2))
                 ELSE ROUND(p.scaled) END)::bigint AS minor
    FROM per_client p
    LEFT JOIN UNNEST(%(taxed)s::bigint[], %(rates_e4)s::bigint[]) AS t(client_id, rate_e4)
           ON t.client_id = p.client_id
), gross AS (
    SELECT client_id, owing, n, minor,
           minor + (minor * rate_e4) / 1000000
           + CASE WHEN 2 * ((minor * rate_e4) %% 1000000) > 1000000
                    OR (2 * ((minor * rate_e4) %% 1000000) = 1000000
                        AND ((minor * rate_e4) / 1000000) %% 2 = 1)
                  THEN 1 ELSE 0 END AS gross
    FROM net
), wallets AS (
    SELECT client_id, balance_minor, credit_limit_minor FROM billing_ledgeraccount
    WHERE kind = %(wallet)s AND reseller_id = %(reseller)s AND currency = %(currency)s
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
)
SELECT COALESCE(SUM(r.n), 0)::bigint, COALESCE(SUM(r.minor), 0)::bigint,
       (SELECT COALESCE(SUM(balance_minor), 0) FROM wallets)::bigint
FROM gross r
LEFT JOIN wallets w ON w.client_id = r.client_id
WHERE r.owing OR r.gross > COALESCE(w.balance_minor + w.credit_limit_minor, 0)
"""
RATE_DECIMALS = 4  # of a percent, as the statement counts them


def renewals_at_risk(reseller: Reseller, now: dt.datetime, client_id: int | None = None) -> AtRisk:
    """The renewals at risk of ``reseller`` (or of one of its clients): two queries."""
    if connection.vendor != "postgresql":
        return renewals_at_risk_counted(reseller, now, client_id)
    rates = client_tax_rates(reseller, client_id)
    rates_e4 = {client: rate.scaleb(RATE_DECIMALS) for client, rate in rates.items()}
    if any(rate != rate.to_integral_value() for rate in rates_e4.values()):
        return renewals_at_risk_counted(reseller, now, client_id)  # a rate finer than 0.0001%
    params = {
        "reseller": reseller.pk,
        "client": client_id,
        "now": now,
        "horizon": now + dt.timedelta(days=AT_RISK_DAYS),
        "scale": Decimal(10) ** exponent(reseller.currency),
        "active": NumberStatus.ACTIVE.value,
        "owing": [status.value for status in OWING],
        "taxed": list(rates_e4),
        "rates_e4": [int(rate) for rate in rates_e4.values()],
        "wallet": AccountKind.CLIENT_WALLET.value,
        "currency": reseller.currency,
    }
    with connection.cursor() as cursor:
        cursor.execute(_AT_RISK_SQL, params)
        count, minor, cash = cursor.fetchone()
    return AtRisk(numbers=count, minor=minor, cash_minor=cash)


def client_tax_rates(reseller: Reseller, client_id: int | None = None) -> dict[int, Decimal]:
    """Client id → the rate (percent) of the tax the reseller adds on top of its charges, for
    the clients it taxes: one query, no rows when its prices include tax (or it has no
    profile). The terms are the invoices' own (``terms_for``): country rates, reverse charge."""
    profile_of = "reseller__issuer_profile__"
    clients = Client.objects.filter(reseller=reseller, **{f"{profile_of}prices_include_tax": False})
    if client_id is not None:
        clients = clients.filter(pk=client_id)
    rates, profile = {}, None
    for pk, country, vat_id, *issuer in clients.values_list(
        "pk", "billing_country", "tax_id",
        f"{profile_of}country", f"{profile_of}tax_rate", f"{profile_of}country_tax_rates",
    ):  # fmt: skip
        if profile is None:  # the reseller's, the same on every row
            own_country, tax_rate, country_rates = issuer
            profile = IssuerProfile(
                country=own_country, tax_rate=tax_rate, country_tax_rates=country_rates,
                prices_include_tax=False,
            )  # fmt: skip
        terms = terms_for(profile, country=country, vat_id=vat_id)
        if terms.adds_tax:
            rates[pk] = terms.rate_applied
    return rates


def renewals_at_risk_counted(
    reseller: Reseller, now: dt.datetime, client_id: int | None = None
) -> AtRisk:
    """:func:`renewals_at_risk` counted number by number in Python (any database; the tests'
    second way to the same figures)."""
    numbers = Number.objects.filter(reseller=reseller)
    wallets = LedgerAccount.objects.filter(
        kind=AccountKind.CLIENT_WALLET, reseller_id=reseller.pk, currency=reseller.currency
    )
    if client_id is not None:
        numbers = numbers.filter(client_id=client_id)
        wallets = wallets.filter(client_id=client_id)
    horizon = now + dt.timedelta(days=AT_RISK_DAYS)
    groups: dict[tuple[int, bool], list[Decimal]] = defaultdict(list)
    for number in numbers:
        owing = number.status in OWING
        due = (
            number.status == NumberStatus.ACTIVE
            and number.auto_renew
            and not number.provider_blocked
            and number.renewal_due_at is not None
            and now < number.renewal_due_at <= horizon
        )
        if owing or due:
            groups[(number.client_id, owing)].append(
                retail_for_period(number, number.next_period_start)
            )
    rates = client_tax_rates(reseller, client_id)
    wallets = list(wallets)
    funds = {w.client_id: w.balance_minor + w.credit_limit_minor for w in wallets}
    count, minor = 0, 0
    for (client, owing), prices in groups.items():
        net = minor_of(sum(prices, Decimal(0)), reseller.currency)
        rate = rates.get(client, Decimal(0))
        gross = net + tax_on_top(net, TaxTerms(rate=rate, added=True))
        if owing or gross > funds.get(client, 0):
            count += len(prices)
            minor += net
    return AtRisk(numbers=count, minor=minor, cash_minor=sum(w.balance_minor for w in wallets))
