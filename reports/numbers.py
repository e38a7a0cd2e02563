"""What the reports read from the numbers: recurring revenue and counts per month (the renewals
at risk are ``reports.at_risk``'s).

MRR is the retail period price of the reseller's active numbers per month: quarterly ÷ 3, annual
÷ 12, summed exactly (each cycle's total divided once) and rounded half to even to the currency's
minor unit at the end. A number is held from ``activated_at`` until ``released_at`` (a release
in progress counts as churn when it starts): a month's adds are the numbers activated in it, its
churn those released in it, both cut in the reseller's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
from django.db import connection, transaction
from django.db.models import CharField, Count, Min, Sum, Value
from django.db.models.functions import Left, TruncMonth

from billing.models import CYCLE_MONTHS
from billing.money import exponent
from inventory.models import Number, NumberStatus

from .models import ActiveRetailPart

# Enough leading digits to tell the country of any number (NANP area codes included).
COUNTRY_PREFIX_CHARS = 8
UNKNOWN = "ZZ"


def minor_of(amount: Decimal, currency: str) -> int:
    """Exact ``amount`` (any precision) in minor units, half to even."""
    with localcontext() as context:
        context.prec = 50
        return int(amount.scaleb(exponent(currency)).quantize(Decimal(1), ROUND_HALF_EVEN))


def monthly_of(per_cycle: dict[str, Decimal]) -> Decimal:
    """Monthly revenue of per-cycle retail totals, exact (to 40 digits)."""
    with localcontext() as context:
        context.prec = 50
        return sum((total / CYCLE_MONTHS[cycle] for cycle, total in per_cycle.items()), Decimal(0))


@lru_cache(maxsize=65_536)
def country_of_prefix(prefix: str, example: str) -> str:
    """ISO country of the numbers starting with ``prefix`` (from one of them: the prefix is
    long enough to decide the country, so every number under it has the same)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(example))
    except phonenumbers.NumberParseException:
        return UNKNOWN
    return region or UNKNOWN


def country_of(e164: str) -> str:
    return country_of_prefix(e164[:COUNTRY_PREFIX_CHARS], e164)


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def active_retail(reseller_id: int, client_id: int | None = None):
    """Active numbers' retail per (country prefix, number type, cycle): one grouped query, over
    the reseller's parts where the database keeps them (see ``ActiveRetailPart``), else over
    the numbers (a client's page, or SQLite)."""
    if client_id is None and connection.vendor == "postgresql":
        return (
            ActiveRetailPart.objects.filter(reseller_id=reseller_id)
            .values("prefix", "number_type", "billing_cycle")
            .annotate(n=Sum("numbers"), retail=Sum("retail"), example=Min("example"))
            .filter(n__gt=0)
            .order_by()
        )
    return active_retail_counted(reseller_id, client_id)


def active_retail_counted(reseller_id: int, client_id: int | None = None):
    """:func:`active_retail` summed from the numbers themselves."""
    numbers = Number.objects.filter(reseller_id=reseller_id, status=NumberStatus.ACTIVE)
    if client_id is not None:
        numbers = numbers.filter(client_id=client_id)
    return (
        numbers.annotate(prefix=Left("e164", COUNTRY_PREFIX_CHARS))
        .values("prefix", "number_type", "billing_cycle")
        .annotate(n=Count("*"), retail=Sum("retail_period"), example=Min("e164"))
        .order_by()
    )


def active_retail_per_reseller():
    """Every reseller's active numbers and their retail per cycle: one grouped query."""
    if connection.vendor == "postgresql":
        rows = ActiveRetailPart.objects.values("reseller_id", "billing_cycle").annotate(
            n=Sum("numbers"), retail=Sum("retail")
        )
        return rows.filter(n__gt=0).order_by()
    return (
        Number.objects.filter(status=NumberStatus.ACTIVE)
        .values("reseller_id", "billing_cycle")
        .annotate(n=Count("*"), retail=Sum("retail_period"))
        .order_by()
    )


# Folds every key's unfolded parts into one; a part added meanwhile (after this statement's
# snapshot) stays for the next fold. The advisory lock keeps two folds from overlapping.
FOLD_SQL = """
WITH touched AS (
    SELECT DISTINCT reseller_id, prefix, number_type, billing_cycle
    FROM reports_activeretailpart WHERE NOT folded
), gone AS (
    DELETE FROM reports_activeretailpart p USING touched t
    WHERE p.reseller_id = t.reseller_id AND p.prefix = t.prefix
      AND p.number_type = t.number_type AND p.billing_cycle = t.billing_cycle
    RETURNING p.reseller_id, p.prefix, p.number_type, p.billing_cycle, p.numbers, p.retail,
              p.example
)
INSERT INTO reports_activeretailpart
    (reseller_id, prefix, number_type, billing_cycle, numbers, retail, example, folded)
SELECT reseller_id, prefix, number_type, billing_cycle, SUM(numbers), SUM(retail), MIN(example),
       true
FROM gone
GROUP BY reseller_id, prefix, number_type, billing_cycle
HAVING SUM(numbers) <> 0 OR SUM(retail) <> 0
"""


def active_retail_fold() -> int:
    """Fold the parts the triggers appended (the beat job, every minute); returns the keys
    folded. Nothing to do off PostgreSQL."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reports_activeretailpart_fold'))")
        cursor.execute(FOLD_SQL)
        return cursor.rowcount


def mrr_by(rows, key) -> dict[str, tuple[int, dict[str, Decimal]]]:
    """key(row) → (active numbers, retail per cycle)."""
    grouped: dict[str, tuple[int, dict[str, Decimal]]] = {}
    for row in rows:
        k = key(row)
        count, per_cycle = grouped.get(k, (0, defaultdict(Decimal)))
        per_cycle[row["billing_cycle"]] += row["retail"]
        grouped[k] = (count + row["n"], per_cycle)
    return grouped


def adds_and_churn(
    reseller_id: int,
    time_zone: str,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    client_id: int | None = None,
    by_client: bool = False,
) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """Numbers activated and released per local month (and client, ``by_client``), for the
    moments in [since, until): one query (two index ranges when ``since`` is recent)."""
    zone = ZoneInfo(time_zone)
    numbers = Number.objects.filter(reseller_id=reseller_id)
    if client_id is not None:
        numbers = numbers.filter(client_id=client_id)
    keys = ["kind", "month", *(["client_id"] if by_client else [])]

    def counted(field: str, kind: str):
        rows = numbers.filter(**{f"{field}__isnull": False})
        if since is not None:
            rows = rows.filter(**{f"{field}__gte": since})
        if until is not None:
            rows = rows.filter(**{f"{field}__lt": until})
        return (
            rows.annotate(
                month=TruncMonth(field, tzinfo=zone),
                kind=Value(kind, output_field=CharField()),
            )
            .values(*keys)
            .annotate(n=Count("id"))
            .order_by()
        )

    added: dict[tuple, int] = defaultdict(int)
    released: dict[tuple, int] = defaultdict(int)
    for row in counted("activated_at", "add").union(counted("released_at", "churn"), all=True):
        key = (row["month"].astimezone(zone).date(), row.get("client_id"))
        (added if row["kind"] == "add" else released)[key] += row["n"]
    return added, released


def numbers_by_month_client(
    reseller_id: int, time_zone: str, *, until: dt.date
) -> dict[dt.date, dict[int, tuple[int, int, int]]]:
    """month → client → (added, churned, held at the month's end), for every month before
    ``until`` (held counts from the first number on)."""
    from .ledger_sums import month_add, month_begins

    added, released = adds_and_churn(
        reseller_id, time_zone, until=month_begins(until, time_zone), by_client=True
    )
    months = sorted({month for month, _client in (*added, *released)})
    result: dict[dt.date, dict[int, tuple[int, int, int]]] = {}
    held: dict[int, int] = defaultdict(int)
    month = months[0] if months else until
    while month < until:
        clients = {c for m, c in (*added, *released) if m == month} | set(held)
        for client in clients:
            held[client] += added.get((month, client), 0) - released.get((month, client), 0)
        result[month] = {
            c: (added.get((month, c), 0), released.get((month, c), 0), held[c]) for c in clients
        }
        month = month_add(month, 1)
    return result
