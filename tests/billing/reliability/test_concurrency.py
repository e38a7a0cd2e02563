"""Checkout and top-ups under real concurrency: threads with their own PostgreSQL connections,
released together by a barrier."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from billing import ledger, wallets
from billing.checkout import checkout_review, order_place
from billing.models import (
    AccountKind,
    CartItem,
    Hold,
    LedgerAccount,
    LedgerTransaction,
    Order,
    OrderItem,
    TransactionKind,
)
from billing.settlement import clearing_matches_holds
from customers.models import Client, Membership, User
from inventory.models import DidGroup
from tests.billing.orders_helpers import add_to_cart, fund

from .conftest import assert_ledger_sound

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``count`` threads released at once; ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(count)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def thread(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = ("ok", work(i))
        except Exception as error:
            results[i] = ("error", error)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


def wallet_balance(owner) -> int:
    return LedgerAccount.objects.get(pk=wallets.wallet_of(owner).pk).balance_minor


def test_fifty_checkouts_on_a_wallet_that_affords_ten(shop, no_provisioning):
    client, reseller = shop["client"], shop["reseller"]
    group = DidGroup.objects.get(account=shop["usd"], external_id="us-1")
    group.available_count = None  # stock unknown: 50 cart lines of one area are allowed
    group.save(update_fields=["available_count"])
    items = [add_to_cart(shop, group) for _ in range(50)]
    price = checkout_review(client=client, item_ids=[items[0].pk]).total_minor
    assert price > 0
    fund(shop, client_minor=10 * price, reseller_minor=10**8)
    user_id, client_id = shop["client_user"].pk, client.pk

    def buy(i: int):
        # Fresh objects per thread: nothing shared but the database.
        return order_place(
            client=Client.objects.select_related("reseller").get(pk=client_id),
            user=User.objects.get(pk=user_id),
            idempotency_key=f"checkout-{i}",
            item_ids=[items[i].pk],
        )

    results = run_together(50, buy)

    outcomes = Counter(
        "order" if kind == "ok" else getattr(value, "code", repr(value)) for kind, value in results
    )
    assert outcomes == {"order": 10, "funds": 40}, outcomes
    assert all(value[1] for kind, value in results if kind == "ok")  # created, all of them
    assert Order.objects.count() == 10
    assert OrderItem.objects.count() == 10
    assert LedgerTransaction.objects.filter(kind=TransactionKind.HOLD).count() == 10
    assert Hold.objects.filter(wallet__kind=AccountKind.CLIENT_WALLET).count() == 10
    assert all(o.retail_total_minor == price for o in Order.objects.all())
    held = Hold.objects.filter(wallet__kind=AccountKind.CLIENT_WALLET, status=Hold.Status.OPEN)
    assert sum(h.amount_minor for h in held) == 10 * price
    assert wallet_balance(client) == 10 * price - 10 * price  # the top-up minus 10 holds
    # The refused 40 changed nothing: their cart lines are still there, the bought ones gone.
    assert CartItem.objects.count() == 40
    bought = set(OrderItem.objects.values_list("order__idempotency_key", flat=True))
    refused = {f"checkout-{i}" for i, (kind, _v) in enumerate(results) if kind == "error"}
    assert not bought & refused
    assert clearing_matches_holds("USD")
    assert ledger.platform_account(AccountKind.CLEARING, "USD").balance_minor == sum(
        o.retail_total_minor + o.wholesale_total_minor for o in Order.objects.all()
    )
    assert wallet_balance(reseller) == 10**8 - sum(
        o.wholesale_total_minor for o in Order.objects.all()
    )
    assert_ledger_sound()


def test_fifty_checkouts_within_a_credit_limit(shop, no_provisioning):
    """Same race with a credit line: the wallet may end below zero, never below the limit."""
    client = shop["client"]
    group = DidGroup.objects.get(account=shop["usd"], external_id="us-1")
    group.available_count = None  # stock unknown: 50 cart lines of one area are allowed
    group.save(update_fields=["available_count"])
    items = [add_to_cart(shop, group) for _ in range(50)]
    price = checkout_review(client=client, item_ids=[items[0].pk]).total_minor
    fund(shop, client_minor=4 * price, reseller_minor=10**8)
    wallet = wallets.wallet_of(client)
    LedgerAccount.objects.filter(pk=wallet.pk).update(credit_limit_minor=3 * price + price // 2)
    user_id, client_id = shop["client_user"].pk, client.pk

    results = run_together(
        50,
        lambda i: order_place(
            client=Client.objects.get(pk=client_id),
            user=User.objects.get(pk=user_id),
            idempotency_key=f"credit-{i}",
            item_ids=[items[i].pk],
        ),
    )

    assert sum(kind == "ok" for kind, _v in results) == 7  # 4 paid, 3 on credit, half left
    assert wallet_balance(client) == -3 * price
    assert_ledger_sound()


def test_twenty_submits_of_one_checkout_make_one_order(shop, no_provisioning):
    client = shop["client"]
    groups = DidGroup.objects.filter(account=shop["usd"], external_id__in=["us-1", "us-2"])
    items = [add_to_cart(shop, g, quantity=2) for g in groups]
    item_ids = [i.pk for i in items]
    price = checkout_review(client=client, item_ids=item_ids).total_minor
    fund(shop, client_minor=100 * price, reseller_minor=10**8)
    user_id, client_id = shop["client_user"].pk, client.pk

    results = run_together(
        20,
        lambda i: order_place(
            client=Client.objects.get(pk=client_id),
            user=User.objects.get(pk=user_id),
            idempotency_key="the-one-checkout",
            item_ids=item_ids,
        ),
    )

    errors = [value for kind, value in results if kind != "ok"]
    assert errors == []
    orders = {order.pk for _kind, (order, _created) in results}
    created = [created for _kind, (_order, created) in results]
    assert len(orders) == 1 and Order.objects.count() == 1
    assert created.count(True) == 1 and created.count(False) == 19
    assert LedgerTransaction.objects.filter(kind=TransactionKind.HOLD).count() == 1
    assert OrderItem.objects.count() == 2
    assert Hold.objects.count() == 4  # client and reseller, per item
    assert wallet_balance(client) == 100 * price - price
    assert not CartItem.objects.exists()
    assert_ledger_sound()


def test_concurrent_top_ups_with_one_key_record_one_payment(store):
    owner = store["owner"]
    membership_id = Membership.objects.get(user=owner).pk
    wallet_id = wallets.wallet_of(store["client"]).pk

    def top_up(_i: int):
        return wallets.wallet_top_up(
            actor=User.objects.get(pk=owner.pk),
            membership=Membership.objects.get(pk=membership_id),
            wallet=LedgerAccount.objects.get(pk=wallet_id),
            amount_minor=12_345,
            method="bank_transfer",
            reference="WIRE-778",
            idempotency_key="top-up-form-1",
        )

    results = run_together(20, top_up)

    assert [kind for kind, _v in results] == ["ok"] * 20
    assert len({txn.pk for _kind, (txn, _created) in results}) == 1
    assert [created for _kind, (_txn, created) in results].count(True) == 1
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP).count() == 1
    assert LedgerAccount.objects.get(pk=wallet_id).balance_minor == 12_345
    assert_ledger_sound()


def test_concurrent_top_ups_with_different_keys_all_count(store):
    owner = store["owner"]
    membership_id = Membership.objects.get(user=owner).pk
    wallet_id = wallets.wallet_of(store["client"]).pk

    results = run_together(
        20,
        lambda i: wallets.wallet_top_up(
            actor=User.objects.get(pk=owner.pk),
            membership=Membership.objects.get(pk=membership_id),
            wallet=LedgerAccount.objects.get(pk=wallet_id),
            amount_minor=100 + i,
            method="cash",
            reference=f"CASH-{i}",
            idempotency_key=f"form-{i}",
        ),
    )

    assert [kind for kind, _v in results] == ["ok"] * 20
    assert LedgerAccount.objects.get(pk=wallet_id).balance_minor == sum(100 + i for i in range(20))
    assert_ledger_sound()


def test_two_people_reversing_one_payment_at_once_reverse_it_once(store):
    owner = store["owner"]
    membership_id = Membership.objects.get(user=owner).pk
    wallet_id = wallets.wallet_of(store["client"]).pk
    payment, _created = wallets.wallet_top_up(
        actor=owner, membership=Membership.objects.get(pk=membership_id),
        wallet=LedgerAccount.objects.get(pk=wallet_id), amount_minor=9_000,
        method="bank_transfer", reference="WIRE-9", idempotency_key="pay-once",
    )  # fmt: skip

    def reverse_it(i: int):
        return wallets.wallet_payment_reverse(
            actor=User.objects.get(pk=owner.pk),
            membership=Membership.objects.get(pk=membership_id),
            wallet=LedgerAccount.objects.get(pk=wallet_id),
            transaction_id=payment.pk,
            reason=f"mistake {i}",
        )

    results = run_together(2, reverse_it)

    assert [kind for kind, _v in results] == ["ok", "ok"], results
    assert len({txn.pk for _kind, (txn, _created) in results}) == 1
    assert sorted(created for _kind, (_txn, created) in results) == [False, True]
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    assert LedgerAccount.objects.get(pk=wallet_id).balance_minor == 0
    assert_ledger_sound()
