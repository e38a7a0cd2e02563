"""Renewals at risk (issue 13): the numbers owing a period (grace, suspended), plus the renewals
falling due within ``AT_RISK_DAYS`` of clients whose wallet (with its credit limit) does not
cover them all — how many, and their retail prices in minor units.

Each period is counted as the renewal job will charge it: its retail price rounded half to even
to the minor unit, plus the tax the reseller adds on top for that client (if it does), also per
number; the wallet must cover the gross, the figure shows the net (the reseller's revenue at
risk). On PostgreSQL one statement does it over two index-only ranges and also sums the cash in
the wallets (the dashboard's budget); elsewhere (the demo's SQLite) and in the tests, each
number is priced by the renewal job's own functions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from billing.invoices.models import IssuerProfile
from billing.invoices.tax import terms_for
from billing.invoices.terms import TermsCache
from billing.models import AccountKind, LedgerAccount
from billing.money import exponent
from billing.renewals.prices import retail_minor_for_period
from billing.renewals.selectors import client_pays_minor
from customers.models import Client, Reseller
from inventory.models import OWING, Number, NumberStatus

AT_RISK_DAYS = 30


@dataclass(frozen=True)
class AtRisk:
    numbers: int
    minor: int  # their retail, net of tax
    cash_minor: int  # the balance of the wallets asked (every client's, or the one's)


# Per number: its period's retail in minor units and the tax on top at its client's rate, both
# rounded half to even as the job rounds them (PostgreSQL's round() takes halves away from zero,
# and numeric arithmetic on every row is slow: prices are held to 4 decimals and rates are sent
# in ten-thousandths of a percent, so exact bigint arithmetic does it); per client and kind the
# sums, the due ones compared with the wallet; the cash in the wallets beside.
_AT_RISK_SQL = """
WITH priced AS (
    SELECT client_id, false AS owing,
           (CASE WHEN retail_period_next IS NOT NULL
                      AND retail_period_next_from <= next_period_start
                 THEN retail_period_next ELSE retail_period END * 10000)::bigint AS e4
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = %(active)s AND auto_renew
      AND NOT provider_blocked AND renewal_due_at > %(now)s AND renewal_due_at <= %(horizon)s
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
    UNION ALL
    SELECT client_id, true,
           (CASE WHEN retail_period_next IS NOT NULL
                      AND retail_period_next_from <= next_period_start
                 THEN retail_period_next ELSE retail_period END * 10000)::bigint
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = ANY(%(owing)s)
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
), net AS (
    SELECT p.client_id, p.owing, COALESCE(t.rate_e4, 0) AS rate_e4,
           e4 / %(unit)s + CASE WHEN 2 * (e4 %% %(unit)s) > %(unit)s
                                  OR (2 * (e4 %% %(unit)s) = %(unit)s
                                      AND (e4 / %(unit)s) %% 2 = 1)
                             THEN 1 ELSE 0 END AS minor
    FROM priced p
    LEFT JOIN UNNEST(%(taxed)s::bigint[], %(rates_e4)s::bigint[]) AS t(client_id, rate_e4)
           ON t.client_id = p.client_id
), taxed AS (
    SELECT client_id, owing, minor, minor * rate_e4 AS tax_e6 FROM net
), per_client AS (
    SELECT client_id, owing, COUNT(*) AS n, SUM(minor) AS minor,
           SUM(minor + tax_e6 / 1000000
               + CASE WHEN 2 * (tax_e6 %% 1000000) > 1000000
                        OR (2 * (tax_e6 %% 1000000) = 1000000
                            AND (tax_e6 / 1000000) %% 2 = 1)
                      THEN 1 ELSE 0 END) AS gross
    FROM taxed
    GROUP BY client_id, owing
), wallets AS (
    SELECT client_id, balance_minor, credit_limit_minor FROM billing_ledgeraccount
    WHERE kind = %(wallet)s AND reseller_id = %(reseller)s AND currency = %(currency)s
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
)
SELECT COALESCE(SUM(r.n), 0)::bigint, COALESCE(SUM(r.minor), 0)::bigint,
       (SELECT COALESCE(SUM(balance_minor), 0) FROM wallets)::bigint
FROM per_client r
LEFT JOIN wallets w ON w.client_id = r.client_id
WHERE r.owing OR r.gross > COALESCE(w.balance_minor + w.credit_limit_minor, 0)
"""
PRICE_DECIMALS = 4  # inventory.Number's retail prices
RATE_DECIMALS = 4  # of a percent, as the statement counts them


def renewals_at_risk(reseller: Reseller, now: dt.datetime, client_id: int | None = None) -> AtRisk:
    """The renewals at risk of ``reseller`` (or of one of its clients): two queries."""
    if connection.vendor != "postgresql" or exponent(reseller.currency) > PRICE_DECIMALS:
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
        "unit": 10 ** (PRICE_DECIMALS - exponent(reseller.currency)),
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
    profile = "reseller__issuer_profile__"
    clients = Client.objects.filter(reseller=reseller, **{f"{profile}prices_include_tax": False})
    if client_id is not None:
        clients = clients.filter(pk=client_id)
    rates = {}
    for pk, country, vat_id, *issuer in clients.values_list(
        "pk", "billing_country", "tax_id",
        f"{profile}country", f"{profile}tax_rate", f"{profile}country_tax_rates",
    ):  # fmt: skip
        own_country, tax_rate, country_rates = issuer
        terms = terms_for(
            IssuerProfile(
                country=own_country, tax_rate=tax_rate, country_tax_rates=country_rates,
                prices_include_tax=False,
            ),
            country=country, vat_id=vat_id,
        )  # fmt: skip
        if terms.adds_tax:
            rates[pk] = terms.rate_applied
    return rates


def renewals_at_risk_counted(
    reseller: Reseller, now: dt.datetime, client_id: int | None = None
) -> AtRisk:
    """:func:`renewals_at_risk` number by number, priced by the renewal job's own functions
    (any database; the tests' second way to the same figures)."""
    numbers = Number.objects.filter(reseller=reseller).select_related("client")
    wallets = LedgerAccount.objects.filter(
        kind=AccountKind.CLIENT_WALLET, reseller_id=reseller.pk, currency=reseller.currency
    )
    if client_id is not None:
        numbers = numbers.filter(client_id=client_id)
        wallets = wallets.filter(client_id=client_id)
    horizon = now + dt.timedelta(days=AT_RISK_DAYS)
    terms = TermsCache()
    owing, due = defaultdict(list), defaultdict(list)
    for number in numbers:
        priced = (
            retail_minor_for_period(number, number.next_period_start),
            client_pays_minor(number, number.next_period_start, terms),
        )
        if number.status in OWING:
            owing[number.client_id].append(priced)
        elif (
            number.status == NumberStatus.ACTIVE
            and number.auto_renew
            and not number.provider_blocked
            and number.renewal_due_at is not None
            and now < number.renewal_due_at <= horizon
        ):
            due[number.client_id].append(priced)
    wallets = list(wallets)
    funds = {w.client_id: w.balance_minor + w.credit_limit_minor for w in wallets}
    at_risk = [p for ps in owing.values() for p in ps] + [
        p
        for client, ps in due.items()
        if sum(gross for _net, gross in ps) > funds.get(client, 0)
        for p in ps
    ]
    return AtRisk(
        numbers=len(at_risk),
        minor=sum(net for net, _gross in at_risk),
        cash_minor=sum(w.balance_minor for w in wallets),
    )
