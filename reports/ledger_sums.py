"""Revenue and wholesale per month and client, summed from the ledger's postings.

For a reseller in its currency:
- retail revenue is the sum of the postings on its revenue account (a capture or a renewal adds
  the client's price; a credit takes it back), so it is net of credits;
- wholesale is what the platform earned from it in charges (captures and renewals): the postings
  on the platform's revenue and provider payable accounts in the reseller's currency. When the
  provider's cost is in that currency too, it leaves platform revenue for the payable in the same
  transaction, so the two together are exactly the wholesale price.
Margin is revenue minus wholesale. Months are cut at local midnight in the reseller's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from billing.models import AccountKind, Posting, TransactionKind
from customers.models import Reseller

from .models import ClosedPeriod, ClosedPeriodClient, PeriodKind

# A month counts as closed this long after it ends: a transaction inserted just before midnight
# may commit a moment after it, and a closed month is summed only once.
CLOSE_AFTER = dt.timedelta(hours=1)
CHARGE_KINDS = (TransactionKind.CAPTURE, TransactionKind.RENEWAL)
PLATFORM_SIDE = (AccountKind.PLATFORM_REVENUE, AccountKind.PROVIDER_PAYABLE)


@dataclass
class Sums:
    revenue_minor: int = 0
    wholesale_minor: int = 0

    @property
    def margin_minor(self) -> int:
        return self.revenue_minor - self.wholesale_minor

    def add(self, revenue: int, wholesale: int) -> None:
        self.revenue_minor += revenue
        self.wholesale_minor += wholesale


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_begins(month: dt.date, time_zone: str) -> dt.datetime:
    """The moment ``month`` begins in the zone (local midnight of its first day)."""
    return dt.datetime.combine(month, dt.time(), tzinfo=ZoneInfo(time_zone))


def current_month(now: dt.datetime, time_zone: str) -> dt.date:
    return month_start(now.astimezone(ZoneInfo(time_zone)).date())


def is_closed(month: dt.date, time_zone: str, now: dt.datetime) -> bool:
    return month_begins(month_add(month, 1), time_zone) + CLOSE_AFTER <= now


def day_is_closed(day: dt.date, time_zone: str, now: dt.datetime) -> bool:
    return month_begins(day + dt.timedelta(days=1), time_zone) + CLOSE_AFTER <= now


# The reseller's transactions of the range first (MATERIALIZED: left to itself, PostgreSQL
# walks every posting of the revenue account, a quarter of the ledger, then keeps the few it
# wanted), then their postings by transaction.
_POSTINGS_SQL = """
WITH txn AS MATERIALIZED (
    SELECT id, client_id, kind,
           date_trunc(%(unit)s, created_at AT TIME ZONE %(zone)s) AS period
    FROM billing_ledgertransaction
    WHERE reseller_id = %(reseller)s AND created_at >= %(since)s
          AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s::timestamptz)
          AND (%(client)s::bigint IS NULL OR client_id = %(client)s::bigint)
)
SELECT txn.period::date, txn.client_id,
       COALESCE(SUM(p.amount_minor) FILTER (WHERE a.kind = %(revenue)s), 0)::bigint,
       COALESCE(SUM(p.amount_minor) FILTER (WHERE a.kind <> %(revenue)s), 0)::bigint
FROM txn
JOIN billing_posting p ON p.transaction_id = txn.id
JOIN billing_ledgeraccount a ON a.id = p.account_id
WHERE a.currency = %(currency)s
  AND ((a.kind = %(revenue)s AND a.reseller_id = %(reseller)s)
       OR (a.kind = ANY(%(platform)s) AND txn.kind = ANY(%(charges)s)))
GROUP BY 1, 2
"""


def postings_by_period_client(
    reseller: Reseller,
    since: dt.datetime,
    until: dt.datetime | None = None,
    *,
    client_id: int | None = None,
    by_day: bool = False,
) -> dict[tuple[dt.date, int | None], Sums]:
    """(local month or day, client id) → sums, from the transactions created in [since, until)."""
    params = {
        "unit": "day" if by_day else "month",
        "zone": reseller.time_zone,
        "reseller": reseller.pk,
        "since": since,
        "until": until,
        "client": client_id,
        "revenue": AccountKind.RESELLER_REVENUE.value,
        "platform": [kind.value for kind in PLATFORM_SIDE],
        "charges": [kind.value for kind in CHARGE_KINDS],
        "currency": reseller.currency,
    }
    if connection.vendor != "postgresql":  # the demo's SQLite
        return _postings_orm(reseller, since, until, client_id=client_id, by_day=by_day)
    with connection.cursor() as cursor:
        cursor.execute(_POSTINGS_SQL, params)
        # One row per (period, client); dates and bigints, as the SQL casts them.
        return {
            (period, client): Sums(revenue, wholesale)
            for period, client, revenue, wholesale in cursor.fetchall()
        }


def _postings_orm(
    reseller: Reseller,
    since: dt.datetime,
    until: dt.datetime | None,
    *,
    client_id: int | None,
    by_day: bool,
) -> dict[tuple[dt.date, int | None], Sums]:
    """The same sums through the ORM (any database; PostgreSQL gets the planned SQL above)."""
    zone = ZoneInfo(reseller.time_zone)
    postings = Posting.objects.filter(
        transaction__reseller_id=reseller.pk,
        transaction__created_at__gte=since,
        account__currency=reseller.currency,
    ).filter(
        Q(account__kind=AccountKind.RESELLER_REVENUE, account__reseller_id=reseller.pk)
        | Q(account__kind__in=PLATFORM_SIDE, transaction__kind__in=CHARGE_KINDS)
    )
    if until is not None:
        postings = postings.filter(transaction__created_at__lt=until)
    if client_id is not None:
        postings = postings.filter(transaction__client_id=client_id)
    trunc = TruncDay if by_day else TruncMonth
    rows = (
        postings.annotate(period=trunc("transaction__created_at", tzinfo=zone))
        .values("period", "transaction__client_id")
        .annotate(
            revenue=Sum("amount_minor", filter=Q(account__kind=AccountKind.RESELLER_REVENUE)),
            wholesale=Sum("amount_minor", filter=Q(account__kind__in=PLATFORM_SIDE)),
        )
        .order_by()
    )
    sums: dict[tuple[dt.date, int | None], Sums] = defaultdict(Sums)
    for row in rows:
        period = row["period"].astimezone(zone).date()
        sums[(period, row["transaction__client_id"])].add(
            row["revenue"] or 0, row["wholesale"] or 0
        )
    return sums


def periods_close(
    reseller: Reseller, kind: str, starts: list[dt.date], known: set[dt.date]
) -> list[ClosedPeriod]:
    """Sum and store the closed periods of ``kind`` starting on ``starts`` and not in ``known``
    (one query over their postings; a period another request stored first is left as it is:
    both summed the same postings)."""
    from . import numbers as nums

    missing = sorted(set(starts) - known)
    if not missing:
        return []
    tz = reseller.time_zone
    by_day = kind == PeriodKind.DAY
    end = missing[-1] + dt.timedelta(days=1) if by_day else month_add(missing[-1], 1)
    sums = postings_by_period_client(
        reseller, month_begins(missing[0], tz), month_begins(end, tz), by_day=by_day
    )
    counts = {} if by_day else nums.numbers_by_month_client(reseller.pk, tz, until=end)
    stored = []
    for start in missing:
        clients: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for (period, client), s in sums.items():
            if period == start:
                clients[client][0:2] = [s.revenue_minor, s.wholesale_minor]
        for client, (added, churned, held) in counts.get(start, {}).items():
            if added or churned or held:
                clients[client][2:5] = [added, churned, held]
        total = [sum(values[i] for values in clients.values()) for i in range(5)]
        try:
            with transaction.atomic():
                closed = ClosedPeriod.objects.create(
                    reseller=reseller, time_zone=tz, currency=reseller.currency, kind=kind,
                    start=start, month=month_start(start), revenue_minor=total[0],
                    wholesale_minor=total[1], added=total[2], churned=total[3], held=total[4],
                )  # fmt: skip
                ClosedPeriodClient.objects.bulk_create(
                    ClosedPeriodClient(
                        period=closed,
                        client_id=client,
                        revenue_minor=v[0],
                        wholesale_minor=v[1],
                        added=v[2],
                        churned=v[3],
                        held=v[4],
                    )
                    for client, v in clients.items()
                )
        except IntegrityError:
            continue
        stored.append(closed)
    return stored


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()
