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

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from billing.models import AccountKind, Posting, TransactionKind
from customers.models import Reseller

from .models import ClosedMonth, ClosedMonthClient

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


def postings_by_month_client(
    reseller: Reseller,
    since: dt.datetime,
    until: dt.datetime | None = None,
    *,
    client_id: int | None = None,
) -> dict[tuple[dt.date, int | None], Sums]:
    """(month, client id) → sums, from the postings of transactions created in [since, until)."""
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
    rows = (
        postings.annotate(month=TruncMonth("transaction__created_at", tzinfo=zone))
        .values("month", "transaction__client_id")
        .annotate(
            revenue=Sum("amount_minor", filter=Q(account__kind=AccountKind.RESELLER_REVENUE)),
            wholesale=Sum("amount_minor", filter=Q(account__kind__in=PLATFORM_SIDE)),
        )
        .order_by()
    )
    sums: dict[tuple[dt.date, int | None], Sums] = defaultdict(Sums)
    for row in rows:
        month = row["month"].astimezone(zone).date()
        sums[(month, row["transaction__client_id"])].add(row["revenue"] or 0, row["wholesale"] or 0)
    return sums


def closed_months_ensure(
    reseller: Reseller, months: list[dt.date], known: set[dt.date]
) -> list[ClosedMonth]:
    """Sum and store the closed ``months`` not in ``known`` (one query over their postings;
    a month another request stored first is left as it is: both summed the same postings)."""
    missing = sorted(set(months) - known)
    if not missing:
        return []
    tz = reseller.time_zone
    sums = postings_by_month_client(
        reseller, month_begins(missing[0], tz), month_begins(month_add(missing[-1], 1), tz)
    )
    stored = []
    for month in missing:
        clients = {client: s for (m, client), s in sums.items() if m == month}
        total = Sums()
        for s in clients.values():
            total.add(s.revenue_minor, s.wholesale_minor)
        try:
            with transaction.atomic():
                closed = ClosedMonth.objects.create(
                    reseller=reseller,
                    time_zone=tz,
                    currency=reseller.currency,
                    month=month,
                    revenue_minor=total.revenue_minor,
                    wholesale_minor=total.wholesale_minor,
                )
                ClosedMonthClient.objects.bulk_create(
                    ClosedMonthClient(
                        closed_month=closed,
                        client_id=client,
                        revenue_minor=s.revenue_minor,
                        wholesale_minor=s.wholesale_minor,
                    )
                    for client, s in clients.items()
                )
        except IntegrityError:
            continue
        stored.append(closed)
    return stored


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()
