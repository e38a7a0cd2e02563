"""The ledger's guards in PostgreSQL itself (billing/migrations/0005 and the model CHECKs): even
code that bypasses ``ledger_post`` cannot write an unbalanced transaction, change history or push
a wallet below its credit limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing import ledger
from billing.models import AccountKind, LedgerAccount, LedgerTransaction, Posting, TransactionKind
from tests.factories import ClientFactory, ResellerFactory


@pytest.fixture
def accounts(db):
    client = ClientFactory(reseller=ResellerFactory(currency="USD"))
    return {
        "wallet": ledger.client_wallet(client),
        "received": ledger.reseller_received(client.reseller, "USD"),
        "clearing_eur": ledger.platform_account(AccountKind.CLEARING, "EUR"),
    }


def raw_postings(txn, *rows):
    for account, amount in rows:
        Posting.objects.create(
            transaction=txn,
            account=account,
            amount_minor=amount,
            currency=account.currency,
            balance_after_minor=0,
        )


# --- the zero-sum trigger, at commit --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_unbalanced_postings_written_directly_are_refused_at_commit(accounts):
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        txn = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT, memo="bad")
        raw_postings(txn, (accounts["wallet"], 100), (accounts["received"], -99))
        # Deferred: inside the transaction nothing complains yet.
        assert Posting.objects.filter(transaction=txn).count() == 2
    assert not LedgerTransaction.objects.exists()
    assert not Posting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_postings_summing_to_zero_across_currencies_are_still_refused(accounts):
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        txn = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT)
        raw_postings(txn, (accounts["wallet"], 100), (accounts["clearing_eur"], -100))
    assert not Posting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_balanced_postings_inserted_one_by_one_commit(accounts):
    """The check waits for the commit, so a transaction may be written row by row."""
    with transaction.atomic():
        txn = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT)
        raw_postings(txn, (accounts["wallet"], 100))
        raw_postings(txn, (accounts["received"], -60))
        raw_postings(txn, (accounts["received"], -40))
    assert Posting.objects.filter(transaction=txn).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_posting_added_after_its_transaction_was_checked_is_checked_again(accounts):
    """A transaction is summed once per firing of the queued checks (0018); a posting written
    after a check (here: checks fired early, then one more row) is not taken as checked."""
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        txn = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT)
        raw_postings(txn, (accounts["wallet"], 100), (accounts["received"], -100))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS billing_posting_zero_sum IMMEDIATE")  # balanced
            cursor.execute("SET CONSTRAINTS billing_posting_zero_sum DEFERRED")
        raw_postings(txn, (accounts["received"], -1))
    assert not Posting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_every_transaction_of_one_insert_is_checked(accounts):
    """Many transactions' postings in one statement, the unbalanced one last: each is summed."""
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        txns = [LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT) for _ in "abc"]
        Posting.objects.bulk_create(
            Posting(
                transaction=txn,
                account=account,
                amount_minor=amount,
                currency="USD",
                balance_after_minor=0,
            )
            for txn, rows in zip(
                txns,
                [
                    [(accounts["wallet"], 5), (accounts["received"], -5)],
                    [(accounts["wallet"], 7), (accounts["received"], -7)],
                    [(accounts["wallet"], 9), (accounts["received"], -8)],
                ],
                strict=True,
            )
            for account, amount in rows
        )
    assert not Posting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_later_unbalanced_transaction_does_not_undo_committed_ones(accounts):
    with transaction.atomic():
        good = ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[(accounts["wallet"], 500), (accounts["received"], -500)],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        bad = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT)
        raw_postings(bad, (accounts["received"], 1))
    assert list(LedgerTransaction.objects.values_list("pk", flat=True)) == [good.pk]
    assert LedgerAccount.objects.get(pk=accounts["wallet"].pk).balance_minor == 500


# --- immutability ----------------------------------------------------------------------------


@pytest.fixture
def posted(accounts):
    with transaction.atomic():
        return ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[(accounts["wallet"], 250), (accounts["received"], -250)],
            memo="original",
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE billing_posting SET amount_minor = amount_minor * 2 WHERE transaction_id = %s",
        "UPDATE billing_posting SET balance_after_minor = 0 WHERE transaction_id = %s",
        "DELETE FROM billing_posting WHERE transaction_id = %s",
        "UPDATE billing_ledgertransaction SET memo = 'rewritten' WHERE id = %s",
        "UPDATE billing_ledgertransaction SET kind = 'refund' WHERE id = %s",
    ],
)
def test_postings_and_transactions_cannot_be_changed_or_deleted(posted, sql):
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [posted.pk])
    posted.refresh_from_db()
    assert posted.memo == "original" and posted.kind == TransactionKind.ADJUSTMENT
    assert sorted(posted.postings.values_list("amount_minor", "balance_after_minor")) == [
        (-250, -250),
        (250, 250),
    ]


def test_orm_update_and_delete_are_refused_too(posted):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        Posting.objects.filter(transaction=posted).update(amount_minor=1)
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        Posting.objects.filter(transaction=posted)._raw_delete(using="default")
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        LedgerTransaction.objects.filter(pk=posted.pk).update(memo="x")
    assert posted.postings.count() == 2


def test_a_transaction_without_postings_cannot_be_deleted_either(db):
    txn = LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT, memo="empty")
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        LedgerTransaction.objects.filter(pk=txn.pk)._raw_delete(using="default")
    assert LedgerTransaction.objects.filter(pk=txn.pk).exists()


# --- the credit limit CHECK ----------------------------------------------------------------


def test_a_raw_update_cannot_push_a_wallet_below_its_credit_limit(accounts):
    wallet = accounts["wallet"]
    with (
        pytest.raises(IntegrityError, match="wallet_within_credit_limit"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE billing_ledgeraccount SET balance_minor = -1 WHERE id = %s", [wallet.pk]
        )
    LedgerAccount.objects.filter(pk=wallet.pk).update(credit_limit_minor=500)
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance_minor=-500)  # within the limit
    with pytest.raises(IntegrityError, match="wallet_within_credit_limit"), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(balance_minor=-501)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(credit_limit_minor=-1)
    assert LedgerAccount.objects.get(pk=wallet.pk).balance_minor == -500


def test_other_accounts_may_go_negative(accounts):
    """Only wallets have a floor: "payments received" runs negative by design."""
    LedgerAccount.objects.filter(pk=accounts["received"].pk).update(balance_minor=-(10**9))
    assert LedgerAccount.objects.get(pk=accounts["received"].pk).balance_minor == -(10**9)


# --- ledger_post's own checks --------------------------------------------------------------


def _count():
    return LedgerTransaction.objects.count(), Posting.objects.count()


@pytest.mark.parametrize(
    "amounts",
    [
        (100, -99),
        (0, 0),
        (100, -50, -49),
    ],
)
def test_ledger_post_refuses_unbalanced_entries(accounts, amounts):
    targets = [accounts["wallet"], accounts["received"], accounts["received"]]
    before = _count()
    with pytest.raises(ledger.Unbalanced), transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT, entries=list(zip(targets, amounts, strict=False))
        )
    assert _count() == before
    assert LedgerAccount.objects.get(pk=accounts["wallet"].pk).balance_minor == 0


def test_ledger_post_refuses_entries_balanced_only_across_currencies(accounts):
    with pytest.raises(ledger.Unbalanced, match=r"do not sum to zero"), transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[(accounts["wallet"], 100), (accounts["clearing_eur"], -100)],
        )
    assert _count() == (0, 0)


@pytest.mark.parametrize(
    ("amount", "counter"),
    [
        (Decimal("1.50"), Decimal("-1.50")),
        (Decimal("100"), -100),
        (1.5, -1.5),
        (100.0, -100),
        (True, -1),
        ("100", -100),
    ],
    ids=repr,
)
def test_ledger_post_refuses_amounts_that_are_not_int_minor_units(accounts, amount, counter):
    with pytest.raises(ledger.Unbalanced, match="integer minor units"), transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[(accounts["wallet"], amount), (accounts["received"], counter)],
        )
    assert _count() == (0, 0)
    assert LedgerAccount.objects.get(pk=accounts["wallet"].pk).balance_minor == 0


def test_ledger_post_refuses_to_overdraw_a_wallet_and_writes_nothing(accounts):
    wallet = accounts["wallet"]
    with transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.TOP_UP, entries=[(wallet, 300), (accounts["received"], -300)]
        )
    before = _count()
    with pytest.raises(ledger.InsufficientBalance) as refused, transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT, entries=[(wallet, -301), (accounts["received"], 301)]
        )
    assert refused.value.short_minor == 1
    assert _count() == before
    assert LedgerAccount.objects.get(pk=wallet.pk).balance_minor == 300
    with transaction.atomic():  # exactly the balance is fine
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT, entries=[(wallet, -300), (accounts["received"], 300)]
        )
    assert LedgerAccount.objects.get(pk=wallet.pk).balance_minor == 0


@pytest.mark.django_db(transaction=True)
def test_ledger_post_outside_a_transaction_is_refused(accounts):
    with pytest.raises(ledger.LedgerError, match="inside a database transaction"):
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[(accounts["wallet"], 1), (accounts["received"], -1)],
        )
    assert _count() == (0, 0)
