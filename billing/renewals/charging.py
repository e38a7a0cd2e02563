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
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Client, Reseller
from inventory.models import Number, NumberStatus, StateReason
from inventory.upstream import upstream_action_request

from .. import ledger
from ..bulk import columns_set, rows_set
from ..models import AccountKind, TransactionKind
from .chunks import numbers_charge, period_next, renewal_memo
from .models import NoticeKind, RenewalCharge
from .postings import _Accounts, _entries, period_figures, tax_account_keys
from .schedule import grace_days, local_midnight, period_start

# What moving a number on to its next period changes (a new retail price may start applying).
PERIOD_FIELDS = {
    "renewal_period",
    "next_period_start",
    "paid_until",
    "retail_period",
    "retail_period_next",
    "retail_period_next_from",
}
# Due numbers advanced per database transaction (each with its own ledger transaction).
CHARGE_CHUNK = 250


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


def renewals_run(*, now: dt.datetime | None = None, batch_size: int | None = None) -> RunResult:
    """Advance every number due at ``now``: the beat job and ``manage.py renewals run``."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RENEWAL_BATCH_SIZE
    result = RunResult()
    accounts = _Accounts()
    last_id = 0
    while True:
        # The batch's ids with what names the accounts they post to, in one query.
        batch = list(
            Number.objects.filter(renewal_due_at__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list(*ACCOUNT_PARTS)[:batch_size]
        )
        if not batch:
            return result
        last_id = batch[-1][0]
        for start in range(0, len(batch), CHARGE_CHUNK):
            rows = batch[start : start + CHARGE_CHUNK]
            _accounts_prepare(rows, accounts)
            result.add(_advance_many([row[0] for row in rows], now, accounts))


# What names a number's ledger accounts (_accounts_prepare), read with the batch's ids.
ACCOUNT_PARTS = (
    "pk",
    "client_id",
    "reseller__currency",
    "reseller_id",
    "currency",
    "cost_currency",
    "provider_account_id",
    "client__billing_country",
    "client__tax_id",
)


def _accounts_prepare(rows: list[tuple], accounts: _Accounts) -> None:
    """Find (and create, each in its own commit) the ledger accounts a chunk posts to, before
    the chunk's transaction: two jobs creating the same account inside their transactions
    deadlock (the second insert of a unique key waits for the first transaction, which waits
    for a lock the second holds). ``rows`` are the chunk's numbers' ACCOUNT_PARTS. Usually
    every account is known after the first chunks: then this asks the database nothing."""
    wallets = {
        f"client_wallet:{client}:{currency}": client
        for _, client, currency, *_ in rows
        if ("cw", client) not in accounts.found
    }
    for account in ledger.LedgerAccount.objects.filter(key__in=wallets):
        accounts.found[("cw", wallets[account.key])] = account
    missing = [
        pk
        for pk, client, _, reseller, currency, cost_currency, provider, country, vat_id in rows
        if any(
            key not in accounts.found
            for key in (
                ("cw", client),
                ("rr", reseller, currency),
                ("rw", reseller),
                ("pr", currency),
                ("pr", cost_currency),
                ("pp", provider, cost_currency),
                *tax_account_keys(accounts, reseller, currency, country, vat_id),
            )
        )
    ]
    for number in Number.objects.filter(pk__in=missing).select_related("reseller", "client"):
        _entries(number, accounts)


def _advance_many(ids: list[int], now: dt.datetime, accounts: _Accounts) -> RunResult:
    """Advance a chunk of due numbers in one database transaction: the plain case (a paid-up
    number whose next period is due) is charged in bulk, one ledger transaction per number,
    and everything else (a short wallet, grace, suspension, release) one number at a time.
    Numbers another job holds are skipped; what this one takes, it finishes or rolls back."""
    result = RunResult()
    with transaction.atomic():
        numbers = list(
            Number.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids, renewal_due_at__lte=now)
            .order_by("pk")
        )
        _parties_attach(numbers)  # the provider account: once per run (_entries)
        result.skipped_locked += len(ids) - len(numbers)
        plain, rest = [], []
        for number in numbers:
            (plain if _plain(number, now) else rest).append(number)
        charged, short, repriced = numbers_charge(plain, accounts) if plain else ([], [], [])
        result.charged += len(charged)
        result.numbers += len(charged)
        for number in charged:
            zone = number.reseller.time_zone
            number.renewal_due_at = local_midnight(number.next_period_start, zone)
        _moved_on_save(charged, repriced)
        for number in short + rest:
            result.numbers += 1
            _advance(number, now, accounts, result)
    return result


def _moved_on_save(charged: list[Number], repriced: list[Number]) -> None:
    """Write the charged numbers' next periods: most keep their price, and for those only the
    period's dates and due moment change (fewer columns to send and to compare)."""
    rows_set(Number, repriced, [*sorted(PERIOD_FIELDS), "renewal_due_at"])
    repriced_ids = {number.pk for number in repriced}
    same_price = [number for number in charged if number.pk not in repriced_ids]
    columns_set(
        Number,
        [number.pk for number in same_price],
        {
            name: [getattr(number, name) for number in same_price]
            for name in ("renewal_period", "next_period_start", "paid_until", "renewal_due_at")
        },
    )


def _parties_attach(numbers: list[Number]) -> None:
    """Give each number its reseller and client, one query each for the chunk: joined, a chunk
    of one reseller's numbers would build the same reseller once per number."""
    resellers = Reseller.objects.in_bulk({n.reseller_id for n in numbers})
    clients = Client.objects.in_bulk({n.client_id for n in numbers})
    reseller_field, client_field = (
        Number._meta.get_field("reseller"),
        Number._meta.get_field("client"),
    )
    for number in numbers:
        reseller_field.set_cached_value(number, resellers[number.reseller_id])
        client_field.set_cached_value(number, clients[number.client_id])


def _plain(number: Number, now: dt.datetime) -> bool:
    """Paid up, renewing, one period due (not two: a moved clock walks those one by one)."""
    if (
        number.status != NumberStatus.ACTIVE
        or not number.auto_renew
        or number.provider_blocked
        or number.client.status == Client.Status.CLOSED
    ):
        return False
    tz = number.reseller.time_zone
    following = period_start(number.renewal_anchor, number.billing_cycle, number.renewal_period + 1)
    return local_midnight(number.next_period_start, tz) <= now < local_midnight(following, tz)


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
                    grace = _grace_days(number, accounts)
                    until = local_midnight(number.next_period_start + dt.timedelta(days=grace), tz)
                    _enter(number, NumberStatus.GRACE, short, due, until)
                    _notify(number, NoticeKind.GRACE)
                    result.entered_grace += 1
            fields |= PERIOD_FIELDS
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
                fields |= PERIOD_FIELDS
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
                days = _grace_days(number, accounts) + reseller.renewal_suspension_days
                until = local_midnight(number.next_period_start + dt.timedelta(days=days), tz)
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


def _grace_days(number: Number, accounts: _Accounts) -> int:
    """The reseller's grace, but never longer than the platform's shortest where the provider
    cannot suspend the number upstream (the suspension would be ours only: it keeps ringing)."""
    kind = accounts.get(("kind", number.provider_account_id), lambda: number.provider_account.kind)
    return grace_days(number.reseller, kind)


def _enter(number: Number, status: str, reason: str, since, until) -> None:
    number.status, number.state_reason = status, reason
    number.state_since, number.state_until = since, until


def _release(number: Number, reason: str, at: dt.datetime, result: RunResult) -> None:
    """Service ends; the provider is asked to release it (released once it confirms)."""
    _enter(number, NumberStatus.RELEASING, reason, at, None)
    number.released_at = at
    number.renewal_due_at = None
    upstream_action_request(number=number, kind="release", reason=reason)
    audit_record(
        action=AuditAction.NUMBER_RELEASE,
        target=number,
        target_label=number.e164,
        changes={"reason": reason},
    )
    _notify(number, NoticeKind.RELEASED)
    result.released += 1


def _notify(number: Number, kind: str) -> None:
    from .notices import enqueue_notice  # the notices import the selectors; keep this light

    enqueue_notice(number=number, kind=kind)


def _record_period(number: Number, accounts: _Accounts, *, waived: bool = False, txn=None):
    """Write the period's charge row and move the number to its next period."""
    _period_row(number, accounts, waived=waived, txn=txn).save()


def _period_row(
    number: Number, accounts: _Accounts, *, waived: bool = False, txn=None
) -> RenewalCharge:
    """The period's charge row (unsaved); the number moves on to its next period."""
    if waived:
        retail = wholesale = cost = retail_tax = retail_rate = wholesale_tax = wholesale_rate = 0
    else:
        period = period_figures(number, accounts)
        retail, wholesale, cost = period.retail, period.wholesale, period.cost
        retail_tax, retail_rate = period.retail_tax, period.retail_rate
        wholesale_tax, wholesale_rate = period.wholesale_tax, period.wholesale_rate
    k, start, end, _new_price = period_next(number)
    return RenewalCharge(
        number=number,
        reseller_id=number.reseller_id,
        client_id=number.client_id,
        period=k,
        period_start=start,
        period_end=end,
        currency=number.currency,
        retail_minor=retail,
        wholesale_minor=wholesale,
        cost_currency=number.cost_currency,
        cost_minor=cost,
        retail_tax_minor=retail_tax,
        retail_tax_rate=retail_rate,
        wholesale_tax_minor=wholesale_tax,
        wholesale_tax_rate=wholesale_rate,
        waived=waived,
        transaction=txn,
    )


def _charge(number: Number, accounts: _Accounts) -> str | None:
    """Charge the number's next period: None when charged, else which wallet was short
    (nothing is posted then, on either wallet)."""
    entries = _entries(number, accounts)
    if not any(amount for _, amount in entries):
        _record_period(number, accounts)  # a free number: the period is recorded, nothing posted
        return None
    start = number.next_period_start
    try:
        txn = ledger.ledger_post(
            kind=TransactionKind.RENEWAL,
            entries=entries,
            memo=renewal_memo(number),
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
