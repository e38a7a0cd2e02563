"""One provider listing against our rows: what disagrees (pure, no database).

The service loads everything in a fixed number of queries and hands it here; this decides the
findings, which numbers' provider block must change, and which released numbers to release
upstream again. Nothing here calls a provider or writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta

from inventory.models import NumberStatus
from inventory.providers.types import OwnedNumber

from ..models import CYCLE_MONTHS
from .models import STOP_BILLING, FindingKind

# Upstream statuses under which the provider still holds (and bills) the number for us.
HELD_UPSTREAM = frozenset({"active", "awaiting_registration", "blocked"})
# Our statuses in which the number should be held upstream. ``releasing`` is not among them:
# a number the release job is giving back may already be gone upstream, or still there, and
# both are fine (the upstream actions list watches that job), so it is only "known here".
HELD_HERE = frozenset(
    {
        NumberStatus.ACTIVE,
        NumberStatus.AWAITING_DOCUMENTS,
        NumberStatus.CANCEL_SCHEDULED,
        NumberStatus.GRACE,
        NumberStatus.SUSPENDED,
    }
)
KNOWN_HERE = HELD_HERE | {NumberStatus.RELEASING}
# Statuses of one number listed twice (a terminated record beside its new one): keep the best.
_RANK = {"active": 0, "awaiting_registration": 1, "blocked": 2, "terminated": 3}
# Nothing below a hundredth of a unit per month is a difference worth a person's time.
COST_TOLERANCE = Decimal("0.005")


@dataclass(frozen=True)
class LocalNumber:
    """What the comparison needs of one ``Number`` row."""

    id: int
    e164: str
    status: str
    activated_at: datetime
    provider_blocked: bool
    paid_until: date
    billing_cycle: str
    retail_period: Decimal
    currency: str
    cost_monthly: Decimal
    cost_currency: str


@dataclass(frozen=True)
class Draft:
    """A finding as this run sees it (the service opens, refreshes or closes the rows)."""

    e164: str
    kind: FindingKind
    number_id: int | None = None
    cost_monthly: Decimal | None = None
    cost_currency: str = ""
    retail_monthly: Decimal | None = None
    retail_currency: str = ""
    detail: str = ""
    upstream: dict[str, Any] = field(default_factory=dict)


@dataclass
class Comparison:
    drafts: dict[tuple[str, str], Draft] = field(default_factory=dict)
    block: list[tuple[int, bool, str]] = field(default_factory=list)  # (number id, blocked, why)
    release_again: list[int] = field(default_factory=list)  # released numbers still held upstream

    def add(self, draft: Draft) -> None:
        self.drafts[(draft.e164, draft.kind)] = draft


def listing_by_number(owned: Iterable[OwnedNumber]) -> dict[str, OwnedNumber]:
    """One record per number; where a provider lists a number twice the held record wins."""
    listing: dict[str, OwnedNumber] = {}
    for record in owned:
        kept = listing.get(record.number)
        if kept is None or _RANK.get(record.status, 9) < _RANK.get(kept.status, 9):
            listing[record.number] = record
    return listing


def upstream_cost(record: OwnedNumber) -> Decimal | None:
    """The monthly cost the provider reports in its listing, where it reports one."""
    raw = record.extra.get("monthly_cost")
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def upstream_end(record: OwnedNumber) -> date | None:
    """The day the provider stops renewing the number, where its listing says it will.

    ``expires_at`` alone is the end of the current upstream period, which providers renew on
    their own (DIDfarm charges the account and suspends on failure — a "blocked" finding; PBXme
    and IDT bill as long as the number is held). Only a limited renewal count ends it: DIDWW's
    ``billing_cycles_count`` (null renews forever, N renews N more months, 0 stops — what a
    suspension sets, so a restore that never landed shows up here).
    """
    cycles = record.extra.get("billing_cycles_count")
    if record.expires_at is None or cycles in (None, ""):
        return None
    try:
        months = int(cycles)
    except ValueError:
        return None
    return (record.expires_at + relativedelta(months=months)).date()


def compare(
    *,
    currency: str,
    listing: Mapping[str, OwnedNumber],
    held: Iterable[LocalNumber],
    released: Mapping[str, LocalNumber],
    protected: frozenset[str],
    group_costs: Mapping[str, Decimal],
    listed_since: datetime,
) -> Comparison:
    """``currency`` is the account's; ``held`` our numbers in ``KNOWN_HERE``; ``released`` the
    latest released row of each listed number nobody holds here; ``protected`` listed numbers an
    order of the last 24 h (or one awaiting documents) accounts for; ``group_costs`` the
    catalogue's monthly price of the listed numbers' groups, for numbers we have no price of;
    ``listed_since`` when the listing began (a number activated since may not be in it)."""
    result = Comparison()
    ours: set[str] = set()
    for number in held:
        ours.add(number.e164)
        if number.status in HELD_HERE:
            new = number.activated_at >= listed_since
            _compare_held(result, number, listing.get(number.e164), currency, new=new)
    for e164, record in listing.items():
        if e164 in ours or record.status not in HELD_UPSTREAM:
            continue
        cost = upstream_cost(record)
        if cost is None:
            cost = group_costs.get(record.group_external_id)
        gone = released.get(e164)
        if gone is not None:
            result.add(
                Draft(
                    e164, FindingKind.RELEASED_ACTIVE, number_id=gone.id,
                    cost_monthly=cost, cost_currency=currency if cost is not None else "",
                    detail=f"released here, {record.status} upstream",
                    upstream=_upstream(record),
                )
            )  # fmt: skip
            result.release_again.append(gone.id)
        elif e164 not in protected:
            result.add(
                Draft(
                    e164, FindingKind.ORPHAN,
                    cost_monthly=cost, cost_currency=currency if cost is not None else "",
                    detail=f"{record.status} upstream, no number here",
                    upstream=_upstream(record),
                )
            )  # fmt: skip
    return result


def _compare_held(
    result: Comparison, number: LocalNumber, record: OwnedNumber | None, currency: str, *, new: bool
) -> None:
    money = {
        "number_id": number.id,
        "cost_monthly": number.cost_monthly,
        "cost_currency": number.cost_currency,
        "retail_monthly": _monthly(number),
        "retail_currency": number.currency,
    }
    # A number the provider no longer has costs us nothing there: what is at stake is what
    # the client pays for it.
    gone = {**money, "cost_monthly": None, "cost_currency": ""}
    kinds: list[FindingKind] = []
    if record is None and new:
        return  # delivered after the listing began: the next run will see it
    if record is None:
        kinds.append(FindingKind.MISSING_UPSTREAM)
        result.add(Draft(number.e164, FindingKind.MISSING_UPSTREAM, detail="not listed", **gone))
    elif record.status in ("terminated", "blocked"):
        kind = FindingKind(record.status)
        kinds.append(kind)
        result.add(
            Draft(
                number.e164, kind, detail=f"{record.status} upstream",
                upstream=_upstream(record), **(gone if kind == FindingKind.TERMINATED else money),
            )
        )  # fmt: skip
    if record is not None:
        expires = upstream_end(record)
        if expires is not None and expires < number.paid_until:
            result.add(
                Draft(
                    number.e164, FindingKind.EXPIRES_EARLY,
                    detail=f"expires upstream {expires}, paid here until {number.paid_until}",
                    upstream=_upstream(record), **money,
                )
            )  # fmt: skip
        cost = upstream_cost(record)
        if (
            cost is not None
            and number.cost_currency == currency
            and abs(cost - number.cost_monthly) >= COST_TOLERANCE
        ):
            result.add(
                Draft(
                    number.e164, FindingKind.COST_DIFFERS,
                    detail=f"upstream {_plain(cost)} {currency}/month, "
                    f"recorded {_plain(number.cost_monthly)}",
                    upstream=_upstream(record),
                    **{**money, "cost_monthly": cost - number.cost_monthly},
                )
            )  # fmt: skip
    stop = any(kind in STOP_BILLING for kind in kinds)
    if stop != number.provider_blocked:
        why = "reconciliation: " + (kinds[0].label if stop else "held upstream again")
        result.block.append((number.id, stop, str(why)))


def _monthly(number: LocalNumber) -> Decimal:
    return (number.retail_period / CYCLE_MONTHS[number.billing_cycle]).quantize(Decimal("0.0001"))


def _upstream(record: OwnedNumber) -> dict[str, Any]:
    return {
        "status": record.status,
        "external_id": record.external_id,
        "group": record.group_external_id,
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        **{f"extra.{key}": value for key, value in sorted(record.extra.items())},
    }


def _plain(amount: Decimal) -> str:
    """1.7500 → "1.75", 2.0000 → "2" (for people)."""
    return f"{amount.normalize():f}"
