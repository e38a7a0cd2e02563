"""Renewals at risk (issue 13): the numbers owing a period (grace, suspended), plus the renewals
falling due within ``AT_RISK_DAYS`` of clients whose wallet (with its credit limit) does not
cover them all — how many, and their period prices in minor units.

Each client's sums are rounded to the currency's minor unit, half to even, before they are
compared with its wallet. On PostgreSQL one statement does it all over two index-only ranges
and returns one row (the dashboard's budget); elsewhere (the demo's SQLite) the per-client sums
are read and compared here, the way the tests recount them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, Count, F, Sum, Value, When

from billing.models import AccountKind, LedgerAccount
from billing.money import exponent
from customers.models import Reseller
from inventory.models import OWING, Number, NumberStatus

from .numbers import minor_of

AT_RISK_DAYS = 30

# One statement: per client, the renewals due soon and the periods owed (each over its covering
# index), each client's sums scaled to minor units and rounded half to even exactly (PostgreSQL's
# round() takes halves away from zero), then compared with the client's wallet.
_AT_RISK_SQL = """
WITH per_client AS (
    SELECT client_id, false AS owing, COUNT(*) AS n, SUM(
               CASE WHEN retail_period_next IS NOT NULL
                         AND retail_period_next_from <= next_period_start
                    THEN retail_period_next ELSE retail_period END) * %(scale)s AS scaled
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = %(active)s AND auto_renew
      AND NOT provider_blocked AND renewal_due_at > %(now)s AND renewal_due_at <= %(horizon)s
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
    GROUP BY client_id
    UNION ALL
    SELECT client_id, true, COUNT(*), SUM(
               CASE WHEN retail_period_next IS NOT NULL
                         AND retail_period_next_from <= next_period_start
                    THEN retail_period_next ELSE retail_period END) * %(scale)s
    FROM inventory_number
    WHERE reseller_id = %(reseller)s AND status = ANY(%(owing)s)
      AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
    GROUP BY client_id
), rounded AS (
    SELECT client_id, owing, n,
           CASE WHEN scaled - FLOOR(scaled) = 0.5
                THEN FLOOR(scaled) + ABS(MOD(FLOOR(scaled), 2))
                ELSE ROUND(scaled) END::bigint AS minor
    FROM per_client
)
SELECT COALESCE(SUM(r.n), 0), COALESCE(SUM(r.minor), 0)
FROM rounded r
LEFT JOIN billing_ledgeraccount w
       ON w.client_id = r.client_id AND w.kind = %(wallet)s AND w.reseller_id = %(reseller)s
      AND w.currency = %(currency)s
WHERE r.owing OR r.minor > COALESCE(w.balance_minor + w.credit_limit_minor, 0)
"""


def renewals_at_risk(
    reseller: Reseller, now: dt.datetime, client_id: int | None = None
) -> tuple[int, int]:
    """(numbers, minor units) at risk for ``reseller`` (or one of its clients)."""
    if connection.vendor != "postgresql":
        return renewals_at_risk_counted(reseller, now, client_id)
    params = {
        "reseller": reseller.pk,
        "client": client_id,
        "now": now,
        "horizon": now + dt.timedelta(days=AT_RISK_DAYS),
        "scale": Decimal(10) ** exponent(reseller.currency),
        "active": NumberStatus.ACTIVE.value,
        "owing": [status.value for status in OWING],
        "wallet": AccountKind.CLIENT_WALLET.value,
        "currency": reseller.currency,
    }
    with connection.cursor() as cursor:
        cursor.execute(_AT_RISK_SQL, params)
        count, minor = cursor.fetchone()
    return int(count), int(minor)


def renewals_at_risk_counted(
    reseller: Reseller, now: dt.datetime, client_id: int | None = None
) -> tuple[int, int]:
    """:func:`renewals_at_risk` through the ORM, client by client (any database)."""
    wallets = LedgerAccount.objects.filter(
        kind=AccountKind.CLIENT_WALLET, reseller_id=reseller.pk, currency=reseller.currency
    )
    funds = {
        client: balance + limit
        for client, balance, limit in wallets.values_list(
            "client_id", "balance_minor", "credit_limit_minor"
        )
    }
    count, minor = 0, 0
    for row in renewals_by_client(reseller.pk, now, client_id):
        price = minor_of(row["price"] or Decimal(0), reseller.currency)
        if row["kind"] == "owing" or price > funds.get(row["client_id"], 0):
            count += row["n"]
            minor += price
    return count, minor


def _period_price():
    """The price of the number's next period: a new retail price applies from its date."""
    return Case(
        When(
            retail_period_next__isnull=False,
            retail_period_next_from__lte=F("next_period_start"),
            then=F("retail_period_next"),
        ),
        default=F("retail_period"),
    )


def renewals_by_client(reseller_id: int, now: dt.datetime, client_id: int | None = None):
    """Per client and kind: "owing", the numbers owing a period, and "due", the active
    auto-renewing numbers whose next period falls due within ``AT_RISK_DAYS``; how many and
    their period prices."""
    numbers = Number.objects.filter(reseller_id=reseller_id)
    if client_id is not None:
        numbers = numbers.filter(client_id=client_id)
    due = numbers.filter(
        status=NumberStatus.ACTIVE,
        auto_renew=True,
        provider_blocked=False,
        renewal_due_at__gt=now,
        renewal_due_at__lte=now + dt.timedelta(days=AT_RISK_DAYS),
    )
    owing = numbers.filter(status__in=OWING)

    def summed(rows, kind: str):
        return (
            rows.annotate(kind=Value(kind, output_field=CharField()))
            .values("client_id", "kind")
            .annotate(n=Count("*"), price=Sum(_period_price()))
            .order_by()
        )

    return summed(due, "due").union(summed(owing, "owing"), all=True)
