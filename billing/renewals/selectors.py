"""What the pages show about renewals; every query scoped to the viewer's tenant."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from customers.models import Membership
from inventory.models import HELD, OWING, Number, NumberStatus
from inventory.upstream import kinds_without_upstream_suspension

from .. import ledger
from ..invoices.tax import tax_on_top
from ..invoices.terms import TermsCache
from ..models import Order, RenewalCharge
from ..selectors_wallets import Money
from .prices import retail_minor_for_period
from .schedule import local_date, local_midnight, period_start

DUE_SOON_DAYS = 30
AT_RISK_DAYS = 7


def number_get(*, actor: Membership, pk: int) -> Number:
    """One of the viewer's numbers (a client's own; a reseller's clients'); else a 404."""
    numbers = Number.objects.exclude(status=NumberStatus.RELEASED).select_related(
        "reseller", "client"
    )
    if actor.is_client:
        numbers = numbers.filter(client_id=actor.client_id)
    elif actor.is_reseller:
        numbers = numbers.filter(reseller_id=actor.reseller_id)
    else:
        raise Http404
    number = numbers.filter(pk=pk).first()
    if number is None:
        raise Http404
    return number


def client_pays_minor(number: Number, start: dt.date, terms: TermsCache) -> int:
    """What the client's wallet is charged for the number's period starting on ``start``: its
    retail price for that period and any tax the reseller adds on top (what the job posts)."""
    retail = retail_minor_for_period(number, start)
    return retail + tax_on_top(retail, terms.client_terms(number.client))


def next_charge(
    number: Number, terms: TermsCache | None = None
) -> tuple[dt.datetime | None, Money | None]:
    """When the number is charged next and how much (None: it is not charged again)."""
    if number.status not in (NumberStatus.ACTIVE, *OWING) or not number.auto_renew:
        return None, None
    when = local_midnight(number.next_period_start, number.reseller.time_zone)
    amount = client_pays_minor(number, number.next_period_start, terms or TermsCache())
    return when, Money(amount, number.currency)


def _periods_due_by(number: Number, horizon: dt.datetime) -> list[dt.date]:
    """The starts of the number's periods falling due by ``horizon`` (owed ones included)."""
    if number.status not in (NumberStatus.ACTIVE, *OWING) or not number.auto_renew:
        return []
    starts, k = [], number.renewal_period
    tz = number.reseller.time_zone
    while True:
        start = period_start(number.renewal_anchor, number.billing_cycle, k)
        if local_midnight(start, tz) > horizon:
            return starts
        starts.append(start)
        k += 1


def renewals_due_total(
    *, actor: Membership, now: dt.datetime | None = None, days: int = DUE_SOON_DAYS
) -> Money | None:
    """A client's renewals falling due in the next ``days`` days (overdue ones included), at
    each number's retail period price; None for anyone but a client."""
    if not actor.is_client:
        return None
    horizon = (now or timezone.now()) + dt.timedelta(days=days)
    numbers = Number.objects.filter(
        client_id=actor.client_id, status__in=(NumberStatus.ACTIVE, *OWING), auto_renew=True
    ).select_related("reseller", "client")
    terms = TermsCache()
    total = sum(
        client_pays_minor(n, start, terms) for n in numbers for start in _periods_due_by(n, horizon)
    )
    return Money(total, actor.reseller.currency)


@dataclass(frozen=True)
class AtRisk:
    number: Number
    amount: Money  # what the client owes or will owe for the period (tax on top included)
    due_at: dt.datetime
    why: str  # the number's state reason, or "upcoming_short"


def reseller_at_risk(*, actor: Membership, now: dt.datetime | None = None) -> list[AtRisk]:
    """The reseller's numbers in grace or suspension, and those due within 7 days whose client's
    wallet will not cover its renewals of those days; the most urgent first."""
    if not actor.is_reseller:
        raise Http404
    now = now or timezone.now()
    numbers = Number.objects.filter(reseller_id=actor.reseller_id).select_related(
        "client", "reseller"
    )
    terms = TermsCache()

    def owed(n: Number) -> Money:
        return Money(client_pays_minor(n, n.next_period_start, terms), n.currency)

    rows = [
        AtRisk(n, owed(n), n.state_since or now, n.state_reason)
        for n in numbers.filter(status__in=OWING).order_by("state_until", "pk")[:200]
    ]
    upcoming = numbers.filter(
        status=NumberStatus.ACTIVE,
        auto_renew=True,
        provider_blocked=False,
        renewal_due_at__gt=now,
        renewal_due_at__lte=now + dt.timedelta(days=AT_RISK_DAYS),
    ).order_by("renewal_due_at", "pk")[:2000]
    by_client: dict[int, list[Number]] = defaultdict(list)
    for number in upcoming:
        by_client[number.client_id].append(number)
    for numbers_of_client in by_client.values():
        wallet = ledger.client_wallet(numbers_of_client[0].client)
        amounts = [owed(n) for n in numbers_of_client]
        if sum(a.minor for a in amounts) > wallet.balance_minor + wallet.credit_limit_minor:
            rows += [
                AtRisk(n, amount, n.renewal_due_at, "upcoming_short")
                for n, amount in zip(numbers_of_client, amounts, strict=True)
            ]
    return rows


def numbers_by_state() -> list[tuple[str, str, int]]:
    """Admin: how many numbers are in each state (value, label, count)."""
    counts = dict(
        Number.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in NumberStatus.choices]


def renewal_charges_for(*, actor: Membership) -> QuerySet[RenewalCharge]:
    if actor.is_client:
        return RenewalCharge.objects.filter(client_id=actor.client_id)
    if actor.is_reseller:
        return RenewalCharge.objects.filter(reseller_id=actor.reseller_id)
    return RenewalCharge.objects.none()


def releasable(number: Number) -> bool:
    return number.status in HELD


def is_paid(number: Number) -> bool:
    """The current period is paid (so "at period end" means something)."""
    return number.status in (NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED)


def release_credit(number: Number, now: dt.datetime | None = None) -> Money | None:
    """What releasing now would credit the client (None: the reseller grants no credit)."""
    from .services import release_credit_minor

    if not number.reseller.release_prorated_credit:
        return None
    today = local_date(now or timezone.now(), number.reseller.time_zone)
    return Money(release_credit_minor(number, today), number.currency)


@dataclass(frozen=True)
class NumberRow:
    number: Number
    next_charge_at: dt.datetime | None
    next_charge: Money | None
    order_shown: bool = True  # its order exists for the viewer (a number may predate orders)


def number_rows(numbers) -> list[NumberRow]:
    """The numbers of a page with when each is charged next and how much, and whether the
    order each came from can be opened (one query for the page)."""
    numbers = list(numbers)
    codes = {n.order_code for n in numbers}
    orders = set(Order.objects.filter(reference__in=codes).values_list("reference", flat=True))
    terms = TermsCache()
    return [
        NumberRow(n, *next_charge(n, terms), order_shown=n.order_code in orders) for n in numbers
    ]


def provider_blocked_count() -> int:
    blocked = Q(provider_blocked=True) & ~Q(status=NumberStatus.RELEASED)
    return Number.objects.filter(blocked).count()


def numbers_without_upstream_suspension(*, actor: Membership) -> int:
    """How many of the reseller's clients' held numbers are at a provider that cannot suspend
    them upstream (their grace is the platform's shortest). No provider is named: a count."""
    if not actor.is_reseller:
        raise Http404
    return Number.objects.filter(
        reseller_id=actor.reseller_id,
        status__in=HELD,
        provider_account__kind__in=kinds_without_upstream_suspension(),
    ).count()
