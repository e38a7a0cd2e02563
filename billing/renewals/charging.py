"""The renewal job: charge what is due, and walk unpaid numbers through grace → suspension →
release by time (issue 11; DESIGN.md §4).

``renewals_run`` streams the numbers whose ``renewal_due_at`` has passed in batches of ids
(never all at once) and advances each in its own transaction under ``SELECT … FOR UPDATE SKIP
LOCKED``: two jobs at once never touch the same number, and a number charged by one is no longer
due for the other. Each period is one ledger transaction, posted with its ``RenewalCharge`` row
(UNIQUE per number and period) and the number's next period in the same transaction, so a
crash leaves either all three or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Client
from inventory.models import Number, NumberStatus, StateReason
from inventory.upstream import upstream_action_request

from .. import ledger
from ..models import CYCLE_MONTHS, AccountKind, TransactionKind
from ..money import round_even, to_minor
from .models import NoticeKind, RenewalCharge
from .schedule import local_midnight, period_start


@dataclass
class RunResult:
    numbers: int = 0  # numbers advanced (taken and looked at)
    charged: int = 0  # periods charged (ledger transactions written)
    waived: int = 0
    entered_grace: int = 0
    suspended: int = 0
    released: int = 0
    restored: int = 0
    skipped_locked: int = 0

    def add(self, other: RunResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Accounts:
    """Ledger accounts already looked up in this run (they are locked fresh when posting)."""

    found: dict[tuple, ledger.LedgerAccount] = field(default_factory=dict)

    def get(self, key: tuple, make) -> ledger.LedgerAccount:
        account = self.found.get(key)
        if account is None:
            account = self.found[key] = make()
        return account


def renewals_run(*, now: dt.datetime | None = None, batch_size: int | None = None) -> RunResult:
    """Advance every number due at ``now``: the beat job and ``manage.py renewals run``."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RENEWAL_BATCH_SIZE
    result = RunResult()
    accounts = _Accounts()
    last_id = 0
    while True:
        ids = list(
            Number.objects.filter(renewal_due_at__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return result
        last_id = ids[-1]
        for number_id in ids:
            result.add(number_advance(number_id=number_id, now=now, accounts=accounts))


def number_advance(
    *, number_id: int, now: dt.datetime, accounts: _Accounts | None = None
) -> RunResult:
    """Charge what ``number_id`` owes up to ``now`` and move it on by time; one transaction.
    A number another job holds is skipped (that job is doing the same work)."""
    result = RunResult()
    with transaction.atomic():
        number = (
            Number.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("reseller", "client", "provider_account")
            .filter(pk=number_id)
            .first()
        )
        if number is None:
            result.skipped_locked += 1
            return result
        result.numbers += 1
        _advance(number, now, accounts or _Accounts(), result)
    return result


def _advance(number: Number, now: dt.datetime, accounts: _Accounts, result: RunResult) -> None:
    reseller = number.reseller
    tz = reseller.time_zone
    fields = {"status", "state_reason", "state_since", "state_until", "renewal_due_at"}
    while True:
        if number.status in (NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED):
            due = local_midnight(number.next_period_start, tz)
            if due > now:
                number.renewal_due_at = due
                break
            if number.status == NumberStatus.CANCEL_SCHEDULED or not number.auto_renew:
                _release(number, StateReason.AUTO_RENEW_OFF, due, result)
                fields.add("released_at")
                break
            if number.client.status == Client.Status.CLOSED:
                _release(number, StateReason.CLIENT_CLOSED, due, result)
                fields.add("released_at")
                break
            if number.provider_blocked:
                _record_period(number, accounts, waived=True)
                result.waived += 1
            else:
                short = _charge(number, accounts)
                if short is None:
                    result.charged += 1
                else:
                    until = local_midnight(
                        number.next_period_start + dt.timedelta(days=reseller.renewal_grace_days),
                        tz,
                    )
                    _enter(number, NumberStatus.GRACE, short, due, until)
                    _notify(number, NoticeKind.GRACE)
                    result.entered_grace += 1
            fields |= {"renewal_period", "next_period_start", "paid_until"}
            continue
        if number.status in (NumberStatus.GRACE, NumberStatus.SUSPENDED):
            if number.client.status == Client.Status.CLOSED:
                _release(number, StateReason.CLIENT_CLOSED, now, result)
                fields.add("released_at")
                break
            was_suspended = number.status == NumberStatus.SUSPENDED
            short = _charge(number, accounts)
            if short is None:
                result.charged += 1
                fields |= {"renewal_period", "next_period_start", "paid_until"}
                if was_suspended:
                    upstream_action_request(number=number, kind="restore", reason="paid")
                    result.restored += 1
                _enter(number, NumberStatus.ACTIVE, StateReason.NONE, None, None)
                continue
            if number.state_reason != short:  # the other wallet is now the short one
                number.state_reason = short
            if number.state_until > now:
                number.renewal_due_at = number.state_until
                break
            if not was_suspended:
                until = local_midnight(
                    number.next_period_start
                    + dt.timedelta(
                        days=reseller.renewal_grace_days + reseller.renewal_suspension_days
                    ),
                    tz,
                )
                _enter(number, NumberStatus.SUSPENDED, short, number.state_until, until)
                upstream_action_request(number=number, kind="suspend", reason=short)
                _notify(number, NoticeKind.SUSPENDED)
                result.suspended += 1
                continue
            _release(number, short, number.state_until, result)
            fields.add("released_at")
            break
        number.renewal_due_at = None  # releasing, released, awaiting documents: nothing to do
        break
    number.save(update_fields=sorted(fields))


def _enter(number: Number, status: str, reason: str, since, until) -> None:
    number.status, number.state_reason = status, reason
    number.state_since, number.state_until = since, until


def _release(number: Number, reason: str, at: dt.datetime, result: RunResult) -> None:
    """Service ends; the provider is asked to release it (released once it confirms)."""
    _enter(number, NumberStatus.RELEASING, reason, at, None)
    number.released_at = at
    number.renewal_due_at = None
    upstream_action_request(number=number, kind="release", reason=reason)
    _notify(number, NoticeKind.RELEASED)
    result.released += 1


def _notify(number: Number, kind: str) -> None:
    from .notices import enqueue_notice  # the notices import the selectors; keep this light

    enqueue_notice(number=number, kind=kind)


def _amounts(number: Number) -> tuple[int, int, int]:
    currency, cost_currency = number.currency, number.cost_currency
    months = CYCLE_MONTHS[number.billing_cycle]
    return (
        to_minor(round_even(number.retail_period, currency), currency),
        to_minor(round_even(number.wholesale_period, currency), currency),
        to_minor(round_even(number.cost_monthly * months, cost_currency), cost_currency),
    )


def _record_period(number: Number, accounts: _Accounts, *, waived: bool = False, txn=None):
    """Write the period's charge row and move the number to its next period."""
    k = number.renewal_period
    start = number.next_period_start
    following = period_start(number.renewal_anchor, number.billing_cycle, k + 1)
    retail, wholesale, cost = (0, 0, 0) if waived else _amounts(number)
    RenewalCharge.objects.create(
        number=number,
        reseller_id=number.reseller_id,
        client_id=number.client_id,
        period=k,
        period_start=start,
        period_end=following - dt.timedelta(days=1),
        currency=number.currency,
        retail_minor=retail,
        wholesale_minor=wholesale,
        cost_currency=number.cost_currency,
        cost_minor=cost,
        waived=waived,
        transaction=txn,
    )
    number.renewal_period = k + 1
    number.next_period_start = following
    number.paid_until = following - dt.timedelta(days=1)


def _charge(number: Number, accounts: _Accounts) -> str | None:
    """Charge the number's next period: None when charged, else which wallet was short
    (nothing is posted then, on either wallet)."""
    retail, wholesale, cost = _amounts(number)
    currency, cost_currency = number.currency, number.cost_currency
    reseller = number.reseller
    entries = [
        (
            accounts.get(("cw", number.client_id), lambda: ledger.client_wallet(number.client)),
            -retail,
        ),
        (
            accounts.get(
                ("rr", reseller.pk, currency), lambda: ledger.reseller_revenue(reseller, currency)
            ),
            retail,
        ),
        (accounts.get(("rw", reseller.pk), lambda: ledger.reseller_wallet(reseller)), -wholesale),
        (
            accounts.get(
                ("pr", currency),
                lambda: ledger.platform_account(AccountKind.PLATFORM_REVENUE, currency),
            ),
            wholesale,
        ),
        (
            accounts.get(
                ("pr", cost_currency),
                lambda: ledger.platform_account(AccountKind.PLATFORM_REVENUE, cost_currency),
            ),
            -cost,
        ),
        (
            accounts.get(
                ("pp", number.provider_account_id, cost_currency),
                lambda: ledger.provider_payable(number.provider_account, cost_currency),
            ),
            cost,
        ),
    ]
    if not any(amount for _, amount in entries):
        _record_period(number, accounts)  # a free number: the period is recorded, nothing posted
        return None
    start = number.next_period_start
    try:
        txn = ledger.ledger_post(
            kind=TransactionKind.RENEWAL,
            entries=entries,
            memo=_("Renewal of %(number)s from %(start)s")
            % {"number": number.e164, "start": start.isoformat()},
            idempotency_key=RenewalCharge.idempotency_key(number.pk, start),
            reseller_id=number.reseller_id,
            client_id=number.client_id,
        )
    except ledger.InsufficientBalance as error:
        if error.account.kind == AccountKind.CLIENT_WALLET:
            return StateReason.CLIENT_FUNDS
        return StateReason.RESELLER_FUNDS
    _record_period(number, accounts, txn=txn)
    return None
