"""Writing to the ledger: the only code that creates postings (DESIGN.md §4).

``ledger_post`` locks every account a transaction touches in one statement, in id order (two
transactions never wait on each other in a cycle), checks that the postings sum to zero per
currency and that no wallet goes below its credit limit, then writes the postings and the new
balances. It must run inside ``transaction.atomic``; on PostgreSQL a deferred trigger checks the
zero sum again at commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Client, Reseller

from .bulk import column_set, rows_copy
from .models import WALLET_KINDS, AccountKind, LedgerAccount, LedgerTransaction, Posting
from .money import format_money, from_minor


class LedgerError(Exception):
    """A transaction that cannot be written; says why in a sentence."""


class Unbalanced(LedgerError):
    pass


class InsufficientBalance(LedgerError):
    def __init__(self, message: str, *, account: LedgerAccount, short_minor: int) -> None:
        super().__init__(message)
        self.account = account
        self.short_minor = short_minor


# --- accounts --------------------------------------------------------------------------------


def _account(key: str, **fields) -> LedgerAccount:
    """The account named ``key``, created on first use (race-free: the key is unique)."""
    try:
        return LedgerAccount.objects.get(key=key)
    except LedgerAccount.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(key=key, **fields)
    except IntegrityError:
        return LedgerAccount.objects.get(key=key)


def client_wallet(client: Client) -> LedgerAccount:
    currency = client.reseller.currency
    return _account(
        f"client_wallet:{client.pk}:{currency}",
        kind=AccountKind.CLIENT_WALLET,
        currency=currency,
        client=client,
        reseller_id=client.reseller_id,
    )


def reseller_wallet(reseller: Reseller) -> LedgerAccount:
    return _account(
        f"reseller_wallet:{reseller.pk}:{reseller.currency}",
        kind=AccountKind.RESELLER_WALLET,
        currency=reseller.currency,
        reseller=reseller,
    )


def reseller_revenue(reseller: Reseller, currency: str) -> LedgerAccount:
    return _account(
        f"reseller_revenue:{reseller.pk}:{currency}",
        kind=AccountKind.RESELLER_REVENUE,
        currency=currency,
        reseller=reseller,
    )


def reseller_received(reseller: Reseller, currency: str) -> LedgerAccount:
    return _account(
        f"reseller_received:{reseller.pk}:{currency}",
        kind=AccountKind.RESELLER_RECEIVED,
        currency=currency,
        reseller=reseller,
    )


def platform_account(kind: str, currency: str) -> LedgerAccount:
    assert kind in (
        AccountKind.PLATFORM_REVENUE,
        AccountKind.PLATFORM_RECEIVED,
        AccountKind.CLEARING,
    )
    return _account(f"{kind}:{currency}", kind=kind, currency=currency)


def provider_payable(provider_account, currency: str) -> LedgerAccount:
    return _account(
        f"provider_payable:{provider_account.pk}:{currency}",
        kind=AccountKind.PROVIDER_PAYABLE,
        currency=currency,
        provider_account=provider_account,
    )


def tax_payable(reseller: Reseller | None, currency: str) -> LedgerAccount:
    """Tax charged on top of prices: the reseller's (to its clients) or the platform's."""
    if reseller is None:
        return _account(f"tax_payable:platform:{currency}", kind=AccountKind.TAX_PAYABLE,
                        currency=currency)  # fmt: skip
    return _account(
        f"tax_payable:{reseller.pk}:{currency}",
        kind=AccountKind.TAX_PAYABLE,
        currency=currency,
        reseller=reseller,
    )


def lock_accounts(accounts: Iterable[LedgerAccount]) -> dict[int, LedgerAccount]:
    """Lock the accounts' rows (in id order) and return them fresh, by id."""
    ids = sorted({a.pk for a in accounts})
    locked = LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {a.pk: a for a in locked}


# --- posting ---------------------------------------------------------------------------------


def check_balanced(entries: Sequence[tuple[LedgerAccount, int]]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for account, amount in entries:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise Unbalanced(f"posting amounts are integer minor units, not {amount!r}")
        totals[account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise Unbalanced(f"postings do not sum to zero: {unbalanced}")


def ledger_post(
    *,
    kind: str,
    entries: Sequence[tuple[LedgerAccount, int]],
    memo: str = "",
    **fields,
) -> LedgerTransaction:
    """Write one balanced transaction. ``entries`` are (account, signed minor units); zero
    amounts are dropped and amounts for the same account are combined."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("ledger_post must run inside a database transaction")
    combined = _combined(entries)  # each amount checked as given, then combined per account
    if not combined:
        raise Unbalanced("a transaction needs at least one non-zero posting")
    locked = lock_accounts(combined)
    for account, amount in combined.items():
        current = locked[account.pk]
        after = current.balance_minor + amount
        if current.is_wallet and amount < 0 and after < -current.credit_limit_minor:
            raise _insufficient(current, after)
        current.balance_minor = after
    txn = LedgerTransaction.objects.create(kind=kind, memo=memo[:200], **fields)
    Posting.objects.bulk_create(
        Posting(
            transaction=txn,
            account_id=account.pk,
            amount_minor=amount,
            currency=locked[account.pk].currency,
            balance_after_minor=locked[account.pk].balance_minor,
        )
        for account, amount in combined.items()
    )
    LedgerAccount.objects.bulk_update([locked[a.pk] for a in combined], ["balance_minor"])
    for account in combined:  # callers' objects see the new balances
        account.balance_minor = locked[account.pk].balance_minor
    return txn


def _insufficient(account: LedgerAccount, after: int) -> InsufficientBalance:
    short = -account.credit_limit_minor - after
    return InsufficientBalance(
        _("Not enough funds in the wallet: %(short)s more is needed.")
        % {"short": format_money(from_minor(short, account.currency), account.currency)},
        account=account,
        short_minor=short,
    )


def _combined(entries: Sequence[tuple[LedgerAccount, int]]) -> dict[LedgerAccount, int]:
    check_balanced(entries)
    combined: dict[int, int] = defaultdict(int)
    by_id: dict[int, LedgerAccount] = {}
    for account, amount in entries:
        by_id[account.pk] = account
        combined[account.pk] += amount
    return {by_id[pk]: amount for pk, amount in combined.items() if amount}


def ledger_post_many(
    requests: Sequence[tuple[str, Sequence[tuple[LedgerAccount, int]], str, dict]],
) -> list[int | InsufficientBalance]:
    """Many transactions at once, each as ``ledger_post`` would write it — balanced, all or
    nothing, never taking a wallet below its credit limit — in a handful of statements: the
    renewal job's throughput. ``requests`` are (kind, entries, memo, fields by attribute name,
    e.g. ``client_id``). Returns each written transaction's id (no model instances: a chunk
    writes hundreds); one that a wallet cannot pay is not written and its InsufficientBalance
    stands in its place; the others are, in order (so a wallet pays for as many as it can,
    first come first served)."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("ledger_post_many must run inside a database transaction")
    prepared = [
        (kind, _combined(entries), memo, fields) for kind, entries, memo, fields in requests
    ]
    if any(not combined for _, combined, _, _ in prepared):
        raise Unbalanced("a transaction needs at least one non-zero posting")
    # Locked and read fresh as plain values: a chunk of renewals touches hundreds of accounts.
    ids = sorted({account.pk for _, combined, _, _ in prepared for account in combined})
    fresh = {
        pk: [balance, limit, kind in WALLET_KINDS, currency]
        for pk, balance, limit, kind, currency in LedgerAccount.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "balance_minor", "credit_limit_minor", "kind", "currency")
    }
    results: list[int | InsufficientBalance] = []
    written: list[tuple[tuple[str, str, dict], list[tuple[int, int, int]]]] = []
    for kind, combined, memo, fields in prepared:
        refused = None
        for account, amount in combined.items():
            balance, limit, is_wallet, _currency = fresh[account.pk]
            after = balance + amount
            if is_wallet and amount < 0 and after < -limit:
                account.balance_minor, account.credit_limit_minor = balance, limit
                refused = _insufficient(account, after)
                break
        if refused is not None:
            results.append(refused)
            continue
        rows = []
        for account, amount in combined.items():
            state = fresh[account.pk]
            state[0] += amount
            rows.append((account.pk, amount, state[0]))
        written.append(((kind, memo, fields), rows))
        results.append(len(written) - 1)  # replaced by the transaction's id below
    if written:
        txn_ids = _transactions_insert([txn for txn, _ in written])
        results = [r if isinstance(r, InsufficientBalance) else txn_ids[r] for r in results]
        _postings_insert(
            [
                (txn_id, pk, amount, fresh[pk][3], after)
                for txn_id, (_txn, rows) in zip(txn_ids, written, strict=True)
                for pk, amount, after in rows
            ]
        )
        changed = {pk for _, rows in written for pk, _, _ in rows}
        column_set(LedgerAccount, "balance_minor", {pk: fresh[pk][0] for pk in changed})
    return results


def _transactions_insert(txns: list[tuple[str, str, dict]]) -> list[int]:
    """Insert (kind, memo, fields) transactions in one ``COPY``; returns their ids in order.
    Fields not given take their model defaults, as ``LedgerTransaction(...)`` would."""
    fields = [f for f in LedgerTransaction._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults["created_at"] = timezone.now()
    names = list(defaults)
    rows = []
    for kind, memo, given in txns:
        if unknown := given.keys() - defaults.keys():
            raise TypeError(f"not a transaction field: {sorted(unknown)}")
        values = {**defaults, **given, "kind": kind, "memo": memo[:200]}
        rows.append([values[name] for name in names])
    return rows_copy(LedgerTransaction, names, rows, ids=True)


def _postings_insert(rows: list[tuple[int, int, int, str, int]]) -> None:
    """(transaction, account, amount, currency, balance after) rows, in one ``COPY`` (the
    zero-sum trigger still checks every row at commit)."""
    names = ("transaction_id", "account_id", "amount_minor", "currency", "balance_after_minor")
    rows_copy(Posting, names, rows)
