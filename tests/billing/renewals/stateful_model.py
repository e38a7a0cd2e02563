"""The renewal rules of issue 11 in plain Python, for the state machine in test_stateful.py: what
each wallet should hold, which periods are charged or waived, and each number's state, written
from the rules (charging.py's order of work included), not from the services' bookkeeping."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from billing.renewals.schedule import local_date, local_midnight, period_start
from inventory.models import NumberStatus, StateReason

S = NumberStatus
PAID = (S.ACTIVE, S.CANCEL_SCHEDULED)
OWING = (S.GRACE, S.SUSPENDED)
GONE = (S.RELEASING, S.RELEASED)
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3}


@dataclass
class Expected:
    """What the model says of one number (amounts in minor units)."""

    pk: int
    client: int  # index into the machine's clients
    anchor: dt.date
    cycle: str
    retail: int
    wholesale: int
    cost: int
    k: int = 1  # the next period to charge
    status: str = S.ACTIVE
    reason: str = StateReason.NONE
    until: dt.datetime | None = None
    auto_renew: bool = True
    blocked: bool = False


@dataclass
class Tenancy:
    """The reseller's renewal settings and the ledger keys of its accounts."""

    reseller_id: int
    client_ids: list[int]
    provider_id: int
    time_zone: str = "UTC"
    grace_days: int = 3
    suspension_days: int = 11
    prorated_credit: bool = False


class RenewalsModel:
    def __init__(self, tenancy: Tenancy, now: dt.datetime) -> None:
        self.t = tenancy
        self.now = now
        self.balances: Counter[str] = Counter()  # account key -> expected balance
        self.limits: Counter[str] = Counter()  # wallet key -> credit limit
        self.numbers: dict[int, Expected] = {}
        self.charged: dict[tuple[int, int], bool] = {}  # (number, period) -> waived

    # --- accounts ----------------------------------------------------------------------------

    def wallet(self, client: int | None) -> str:
        """A client's wallet key (by index), or the reseller's (None)."""
        if client is None:
            return f"reseller_wallet:{self.t.reseller_id}:USD"
        return f"client_wallet:{self.t.client_ids[client]}:USD"

    @property
    def revenue(self) -> str:
        return f"reseller_revenue:{self.t.reseller_id}:USD"

    def paid_in(self, client: int | None, amount: int) -> None:
        """A top-up (negative: a reversed one) into a wallet, from outside the platform."""
        self.balances[self.wallet(client)] += amount
        source = f"reseller_received:{self.t.reseller_id}:USD" if client is not None else None
        self.balances[source or "platform_received:USD"] -= amount

    # --- the calendar ------------------------------------------------------------------------

    def start(self, n: Expected, k: int | None = None) -> dt.date:
        return period_start(n.anchor, n.cycle, n.k if k is None else k)

    def due(self, n: Expected, k: int | None = None) -> dt.datetime:
        return local_midnight(self.start(n, k), self.t.time_zone)

    def due_at(self, n: Expected) -> dt.datetime | None:
        """When the job must look at ``n`` again (the number's ``renewal_due_at``)."""
        if n.status in PAID:
            return self.due(n)
        return n.until if n.status in OWING else None

    # --- charging ----------------------------------------------------------------------------

    def charge(self, n: Expected) -> str | None:
        """Charge ``n``'s next period as the ledger would: the client's wallet is checked
        first, then the reseller's; a short wallet posts nothing. None when charged."""
        client, reseller = self.wallet(n.client), self.wallet(None)
        if self.balances[client] - n.retail < -self.limits[client]:
            return StateReason.CLIENT_FUNDS
        if self.balances[reseller] - n.wholesale < -self.limits[reseller]:
            return StateReason.RESELLER_FUNDS
        self.balances[client] -= n.retail
        self.balances[self.revenue] += n.retail
        self.balances[reseller] -= n.wholesale
        self.balances["platform_revenue:USD"] += n.wholesale - n.cost
        self.balances[f"provider_payable:{self.t.provider_id}:USD"] += n.cost
        self.record(n, waived=False)
        return None

    def record(self, n: Expected, *, waived: bool) -> None:
        assert (n.pk, n.k) not in self.charged, "the model charged a period twice"
        self.charged[(n.pk, n.k)] = waived
        n.k += 1

    def advance(self, n: Expected) -> None:
        """What the job does with one number at ``now``: charge what is due (waive it while
        the provider blocks the number), or walk it through grace, suspension and release."""
        grace, suspension = self.t.grace_days, self.t.suspension_days
        while True:
            if n.status in PAID:
                if self.due(n) > self.now:
                    return
                if n.status == S.CANCEL_SCHEDULED or not n.auto_renew:
                    n.status, n.reason = S.RELEASING, StateReason.AUTO_RENEW_OFF
                    return
                if n.blocked:
                    self.record(n, waived=True)
                    continue
                short = self.charge(n)
                if short is not None:
                    n.status, n.reason = S.GRACE, short
                    n.until = self.midnight_after(n, grace)
                continue
            if n.status in OWING:
                short = self.charge(n)
                if short is None:
                    n.status, n.reason, n.until = S.ACTIVE, StateReason.NONE, None
                    continue
                n.reason = short
                if n.until > self.now:
                    return
                if n.status == S.GRACE:
                    n.status, n.until = S.SUSPENDED, self.midnight_after(n, grace + suspension)
                    continue
                n.status = S.RELEASING
            return

    def midnight_after(self, n: Expected, days: int) -> dt.datetime:
        return local_midnight(self.start(n) + dt.timedelta(days=days), self.t.time_zone)

    def plain(self, n: Expected) -> bool:
        """The job's bulk path: paid up, renewing, unblocked, exactly one period due."""
        return (
            n.status == S.ACTIVE
            and n.auto_renew
            and not n.blocked
            and self.due(n) <= self.now < self.due(n, n.k + 1)
        )

    def run(self) -> None:
        """The renewal job: due numbers in id order, the plain ones charged first (in bulk),
        then the ones their wallet refused, then every other due number one at a time."""
        due = [
            n
            for _, n in sorted(self.numbers.items())
            if self.due_at(n) is not None and self.due_at(n) <= self.now
        ]
        plain = [n for n in due if self.plain(n)]
        short = [n for n in plain if self.charge(n) is not None]
        for n in short + [n for n in due if n not in plain]:
            self.advance(n)

    def retry(self, *, client: int | None) -> None:
        """A payment into a wallet (or more credit) retries what its numbers owe, oldest
        period first: a client's numbers, or the reseller's short of the reseller's money."""
        owing = [
            n
            for n in self.numbers.values()
            if n.status in OWING
            and (n.client == client if client is not None else n.reason == "reseller_funds")
        ]
        for n in sorted(owing, key=lambda n: (self.start(n), n.pk)):
            self.advance(n)

    # --- a client admin's choices --------------------------------------------------------------

    def auto_renew_set(self, n: Expected, on: bool) -> None:
        n.auto_renew = on
        n.status = S.ACTIVE if on else S.CANCEL_SCHEDULED
        n.reason = StateReason.NONE if on else StateReason.AUTO_RENEW_OFF

    def release_now(self, n: Expected) -> None:
        """Released at once; the unused days of a paid period credited if the reseller says."""
        if self.t.prorated_credit and n.status in PAID:
            start, end = self.start(n, n.k - 1), self.start(n)
            days = (end - start).days
            today = local_date(self.now, self.t.time_zone)
            unused = max(0, min(days, (end - today).days - 1))
            credit = int((Decimal(n.retail * unused) / days).quantize(Decimal(1), ROUND_HALF_EVEN))
            self.balances[self.wallet(n.client)] += credit
            self.balances[self.revenue] -= credit
        n.status, n.reason, n.auto_renew = S.RELEASING, StateReason.CLIENT_REQUEST, False
