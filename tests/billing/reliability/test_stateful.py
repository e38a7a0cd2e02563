"""A hypothesis state machine over wallets, checkout and provisioning outcomes, with the money
modelled in Python and compared with the ledger after every step.

The provider is a scripted fake (``Upstream``): each rule decides what the provider answers next,
so every life cycle (fulfilled, partial, refused, canceled, back-ordered, regulated numbers waiting
for documents with their money held, lost answers, transient errors, a late worker whose lease ran
out) happens on purpose, not by a simulator's dice. Each
example runs inside a savepoint that is rolled back at its end.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing import ledger, wallets
from billing.checkout import CheckoutError, checkout_review, order_place
from billing.models import (
    ACTIVE_STATES,
    CYCLE_MONTHS,
    CartItem,
    Hold,
    ItemState,
    LedgerAccount,
    LedgerTransaction,
    OrderItem,
)
from billing.money import round_even, to_minor
from billing.provisioning import (
    MAX_ATTEMPTS,
    Outcome,
    _apply,
    order_item_advance,
    order_item_check_soon,
    order_item_retry,
)
from customers.models import Membership
from inventory.models import DidGroup, Number
from inventory.providers import errors
from inventory.providers.types import OrderStatus
from tests.billing.orders_helpers import PAST, add_to_cart

from .conftest import assert_ledger_sound
from .upstream import Upstream

PAUSE = timedelta(minutes=30)  # a documents check is slow, not every few seconds
FINISHED = (
    ItemState.FULFILLED,
    ItemState.PARTIALLY_FULFILLED,
    ItemState.FAILED,
)


class Lifecycle(RuleBasedStateMachine):
    ctx: dict = {}  # set by the test: the store, the groups, the patched upstream holder

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.upstream = self.ctx["holder"]["upstream"] = Upstream()
        store = self.ctx["store"]
        self.client, self.reseller = store["client"], store["reseller"]
        self.owner_membership = Membership.objects.get(user=store["owner"])
        self.model: Counter[str] = Counter()  # account key -> expected balance
        self.items: dict[int, dict] = {}  # item id -> what we expect of it
        self.keys = itertools.count()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- helpers -----------------------------------------------------------------------------

    def key(self, kind: str, currency: str = "USD", owner=None) -> str:
        return f"{kind}:{owner.pk}:{currency}" if owner is not None else f"{kind}:{currency}"

    @property
    def client_wallet(self) -> str:
        return self.key("client_wallet", owner=self.client)

    @property
    def reseller_wallet(self) -> str:
        return self.key("reseller_wallet", owner=self.reseller)

    def in_state(self, *states) -> list[int]:
        return sorted(pk for pk, item in self.items.items() if item["state"] in states)

    def several_in_flight(self) -> list[int]:
        """Active items of more than one number (the ones that can be partly delivered)."""
        return [i for i in self.in_state(*ACTIVE_STATES) if self.items[i]["qty"] > 1]

    def pick(self, states, index: int) -> int:
        candidates = self.in_state(*states)
        return candidates[index % len(candidates)]

    def advance(self, item_id: int) -> str:
        OrderItem.objects.filter(pk=item_id).update(next_check_at=PAST, lease_until=None)
        return order_item_advance(item_id=item_id)

    def snapshot(self, item_id: int):
        item = OrderItem.objects.get(pk=item_id)
        return (
            item.state,
            item.delivered_numbers,
            item.detail,
            item.resolved_at,
            item.external_id,
            list(LedgerAccount.objects.order_by("pk").values_list("pk", "balance_minor")),
            LedgerTransaction.objects.count(),
            list(Hold.objects.filter(item_id=item_id).values_list("status", "captured_minor")),
            Number.objects.count(),
            self.upstream.purchases.copy(),
        )

    def settle_model(self, item_id: int, delivered: int) -> None:
        """What settlement must do: the delivered share to revenue, the rest back."""
        item = self.items[item_id]
        qty = item["qty"]
        for wallet, earner, amount in (
            (self.client_wallet, self.key("reseller_revenue", owner=self.reseller),
             item["retail"]),
            (self.reseller_wallet, self.key("platform_revenue"), item["wholesale"]),
        ):  # fmt: skip
            captured = amount * delivered // qty
            self.model[self.key("clearing")] -= amount
            self.model[earner] += captured
            self.model[wallet] += amount - captured
        cost = item["cost_each"] * delivered
        self.model[self.key("platform_revenue", item["cost_currency"])] -= cost
        self.model[self.key("provider_payable", item["cost_currency"], item["account"])] += cost

    def finish(self, item_id: int, status: OrderStatus, delivered: int) -> None:
        """The provider ends the order with ``delivered`` numbers; regulated ones it holds
        until their documents are approved (nothing is charged meanwhile)."""
        ref = self.items[item_id]["ref"]
        numbers = [f"+1212555{item_id % 100:02d}{n:02d}" for n in range(delivered)]
        item = self.items[item_id]
        awaiting = numbers if item["documents"] else []
        self.upstream.set(ref, status, numbers, detail="scripted", awaiting=awaiting)
        result = self.advance(item_id)
        if delivered and item["documents"]:
            assert result == ItemState.AWAITING_DOCUMENTS, result
            item.update(state=ItemState.AWAITING_DOCUMENTS, delivered=numbers)
            return  # the money stays on hold
        self.settle(item_id, result, numbers)

    def settle(self, item_id: int, result: str, numbers: list[str]) -> None:
        item = self.items[item_id]
        delivered = len(numbers)
        if delivered == 0:
            expected = ItemState.FAILED
        elif delivered < item["qty"]:
            expected = ItemState.PARTIALLY_FULFILLED
        else:
            expected = ItemState.FULFILLED
        assert result == expected, result
        item.update(state=expected, delivered=numbers)
        self.settle_model(item_id, delivered)

    # --- rules: money in -----------------------------------------------------------------------

    def top_up(self, who: str, amount: int, key: str) -> bool:
        if who == "client":
            actor, membership = self.ctx["store"]["owner"], self.owner_membership
            wallet, source = ledger.client_wallet(self.client), self.client_wallet
            funding = self.key("reseller_received", owner=self.reseller)
        else:
            actor, membership = self.ctx["admin"], None
            wallet, source = ledger.reseller_wallet(self.reseller), self.reseller_wallet
            funding = self.key("platform_received")
        _txn, created = wallets.wallet_top_up(
            actor=actor, membership=membership, wallet=wallet, amount_minor=amount,
            method="bank_transfer", reference=key, idempotency_key=key,
        )  # fmt: skip
        if created:
            self.model[source] += amount
            self.model[funding] -= amount
        return created

    @initialize(client=st.integers(0, 5_000), reseller=st.integers(0, 5_000))
    def opening_payments(self, client: int, reseller: int) -> None:
        for who, amount in (("client", client), ("reseller", reseller)):
            if amount:
                assert self.top_up(who, amount, f"opening-{who}")

    @rule(who=st.sampled_from(["client", "reseller"]), amount=st.integers(1, 3_000),
          replay=st.booleans())  # fmt: skip
    def payment(self, who: str, amount: int, replay: bool) -> None:
        """A payment recorded; sometimes the same form submitted again (no second payment)."""
        key = f"{who}-{next(self.keys)}"
        assert self.top_up(who, amount, key)
        if replay:
            assert not self.top_up(who, amount, key)

    # --- rules: checkout -------------------------------------------------------------------

    @rule(group=st.integers(0, 10), quantity=st.integers(1, 3), twice=st.booleans())
    def checkout(self, group: int, quantity: int, twice: bool) -> None:
        groups = self.ctx["groups"]
        cart_item = add_to_cart(self.ctx["store"], groups[group % len(groups)], quantity=quantity)
        review = checkout_review(client=self.client, item_ids=[cart_item.pk])
        retail, wholesale = review.total_minor, review.wholesale_minor
        key = f"checkout-{next(self.keys)}"
        call = dict(
            client=self.client, user=self.ctx["store"]["client_user"], idempotency_key=key,
            item_ids=[cart_item.pk],
        )  # fmt: skip
        if self.model[self.client_wallet] < retail:
            with pytest.raises(CheckoutError) as refused:
                order_place(**call)
            assert refused.value.code == "funds"
            CartItem.objects.filter(pk=cart_item.pk).delete()
            return
        if self.model[self.reseller_wallet] < wholesale:
            with pytest.raises(CheckoutError) as refused:
                order_place(**call)
            assert refused.value.code == "reseller_funds"
            CartItem.objects.filter(pk=cart_item.pk).delete()
            return
        order, created = order_place(**call)
        assert created
        if twice:  # a double click
            again, created_again = order_place(**call)
            assert again.pk == order.pk and not created_again
        assert (order.retail_total_minor, order.wholesale_total_minor) == (retail, wholesale)
        item = order.items.get()
        months = CYCLE_MONTHS[item.billing_cycle]
        cost = item.cost_setup + item.cost_monthly * months
        self.items[item.pk] = {
            "ref": item.reference,
            "qty": quantity,
            "retail": retail,
            "wholesale": wholesale,
            "cost_each": to_minor(round_even(cost, item.cost_currency), item.cost_currency),
            "cost_currency": item.cost_currency,
            "account": item.provider_account,
            "documents": item.needs_documents,
            "state": ItemState.PLACED,
            "delivered": [],
        }
        self.model[self.client_wallet] -= retail
        self.model[self.reseller_wallet] -= wholesale
        self.model[self.key("clearing")] += retail + wholesale

    # --- rules: what the provider answers --------------------------------------------------

    @precondition(lambda self: self.in_state(ItemState.PLACED, ItemState.SUBMITTING))
    @rule(index=st.integers(0, 100), backordered=st.booleans())
    def submit(self, index: int, backordered: bool) -> None:
        item_id = self.pick((ItemState.PLACED, ItemState.SUBMITTING), index)
        status = OrderStatus.BACKORDERED if backordered else OrderStatus.PENDING
        self.upstream.set(self.items[item_id]["ref"], status)
        expected = ItemState.BACKORDERED if backordered else ItemState.PENDING_UPSTREAM
        assert self.advance(item_id) == expected
        self.items[item_id]["state"] = expected

    @precondition(lambda self: self.in_state(ItemState.PLACED, ItemState.SUBMITTING))
    @rule(index=st.integers(0, 100))
    def purchase_answer_lost(self, index: int) -> None:
        """The purchase takes effect upstream but its answer never arrives."""
        item_id = self.pick((ItemState.PLACED, ItemState.SUBMITTING), index)
        ref = self.items[item_id]["ref"]
        if self.upstream.purchases[ref]:
            return  # already bought: the next call resolves it rather than buying
        self.upstream.lost_next.add(ref)
        assert self.advance(item_id) == "retry"
        self.items[item_id]["state"] = ItemState.SUBMITTING

    @precondition(lambda self: self.in_state(*ACTIVE_STATES))
    @rule(index=st.integers(0, 100), rate_limited=st.booleans())
    def transient_error(self, index: int, rate_limited: bool) -> None:
        item_id = self.pick(ACTIVE_STATES, index)
        error = (
            errors.RateLimited("slow down", retry_after=3)
            if rate_limited
            else errors.Unavailable("503")
        )
        self.upstream.raise_next[self.items[item_id]["ref"]] = error
        before = OrderItem.objects.get(pk=item_id).attempts
        expected = self.items[item_id]
        if rate_limited:
            # Throttled is not failed: no attempt counted, and a purchase answered 429 bought
            # nothing, so a placed item stays placed (no find_order needed next time).
            assert self.advance(item_id) == "throttled"
            item = OrderItem.objects.get(pk=item_id)
            assert item.attempts == before and item.next_check_at is not None
            return
        if expected["state"] == ItemState.PLACED:
            expected["state"] = ItemState.SUBMITTING  # the attempt is recorded before the call
        if before + 1 < MAX_ATTEMPTS:
            assert self.advance(item_id) == "retry"
            item = OrderItem.objects.get(pk=item_id)
            assert item.attempts == before + 1 and item.next_check_at is not None
        else:  # too many in a row: an admin looks at it, the money stays on hold
            assert self.advance(item_id) == "dead_letter"
            expected["before_dead_letter"] = expected["state"]
            expected["state"] = ItemState.DEAD_LETTER

    @precondition(lambda self: self.in_state(ItemState.DEAD_LETTER))
    @rule(index=st.integers(0, 100))
    def admin_retry(self, index: int) -> None:
        item_id = self.pick((ItemState.DEAD_LETTER,), index)
        assert order_item_retry(item_id=item_id)
        assert not order_item_retry(item_id=item_id)  # a second click does nothing
        self.items[item_id]["state"] = self.items[item_id]["before_dead_letter"]
        assert OrderItem.objects.get(pk=item_id).attempts == 0

    @precondition(lambda self: self.in_state(*ACTIVE_STATES))
    @rule(index=st.integers(0, 100))
    def fulfil(self, index: int) -> None:
        item_id = self.pick(ACTIVE_STATES, index)
        self.finish(item_id, OrderStatus.COMPLETED, self.items[item_id]["qty"])

    @precondition(lambda self: self.several_in_flight())
    @rule(index=st.integers(0, 100), share=st.integers(1, 2))
    def partial(self, index: int, share: int) -> None:
        candidates = self.several_in_flight()
        item_id = candidates[index % len(candidates)]
        delivered = min(share, self.items[item_id]["qty"] - 1)
        self.finish(item_id, OrderStatus.PARTIAL, delivered)

    @precondition(lambda self: self.in_state(*ACTIVE_STATES))
    @rule(index=st.integers(0, 100))
    def cancel(self, index: int) -> None:
        """The provider cancels (out of stock, refused later): a full refund."""
        self.finish(self.pick(ACTIVE_STATES, index), OrderStatus.CANCELED, 0)

    @precondition(lambda self: self.in_state(ItemState.AWAITING_DOCUMENTS))
    @rule(index=st.integers(0, 100))
    def documents_approved(self, index: int) -> None:
        """Upstream approves the documents: the numbers go live and only now are charged."""
        item_id = self.pick((ItemState.AWAITING_DOCUMENTS,), index)
        item = self.items[item_id]
        numbers = item["delivered"]
        status = OrderStatus.COMPLETED if len(numbers) == item["qty"] else OrderStatus.PARTIAL
        self.upstream.set(item["ref"], status, numbers)
        self.settle(item_id, self.advance(item_id), numbers)

    @precondition(lambda self: self.in_state(ItemState.AWAITING_DOCUMENTS))
    @rule(index=st.integers(0, 100))
    def documents_pending(self, index: int) -> None:
        """Polled while the documents are still pending: nothing moves, nothing is charged,
        and the next look is a slow one."""
        item_id = self.pick((ItemState.AWAITING_DOCUMENTS,), index)
        before = self.snapshot(item_id)
        assert self.advance(item_id) == ItemState.AWAITING_DOCUMENTS
        item = OrderItem.objects.get(pk=item_id)
        assert item.next_check_at is not None and item.next_check_at - item.updated_at > PAUSE
        assert self.snapshot(item_id)[:-1] == before[:-1]

    @precondition(lambda self: self.in_state(ItemState.PLACED))
    @rule(index=st.integers(0, 100))
    def refused(self, index: int) -> None:
        """The purchase is refused outright: nothing bought, a full refund."""
        item_id = self.pick((ItemState.PLACED,), index)
        self.upstream.raise_next[self.items[item_id]["ref"]] = errors.InvalidRequest("no such")
        assert self.advance(item_id) == ItemState.FAILED
        self.items[item_id]["state"] = ItemState.FAILED
        self.settle_model(item_id, 0)

    @precondition(lambda self: self.in_state(*ACTIVE_STATES))
    @rule(index=st.integers(0, 100))
    def late_worker(self, index: int) -> None:
        """Worker A polls; its lease runs out meanwhile, worker B polls, finds the order
        complete and settles it; then A comes back with its stale "pending" answer."""
        item_id = self.pick(ACTIVE_STATES, index)
        item = self.items[item_id]
        if item["state"] in (ItemState.PLACED, ItemState.SUBMITTING):
            self.upstream.set(item["ref"], OrderStatus.PENDING)
            assert self.advance(item_id) == ItemState.PENDING_UPSTREAM
        numbers = [f"+1212777{item_id % 100:02d}{n:02d}" for n in range(item["qty"])]
        documents = item["documents"]
        expected = ItemState.AWAITING_DOCUMENTS if documents else ItemState.FULFILLED

        def worker_b(ref: str) -> None:
            # Runs inside A's call to the provider, after A read its (now stale) answer.
            awaiting = numbers if documents else ()
            self.upstream.set(ref, OrderStatus.COMPLETED, numbers, awaiting=awaiting)
            OrderItem.objects.filter(pk=item_id).update(lease_until=PAST)
            assert order_item_advance(item_id=item_id) == expected

        self.upstream.set(item["ref"], OrderStatus.PENDING)
        self.upstream.on_poll = worker_b
        self.advance(item_id)
        item.update(state=expected, delivered=numbers)
        if not documents:
            self.settle_model(item_id, item["qty"])

    # --- rules: the same thing again changes nothing ---------------------------------------

    @precondition(lambda self: self.in_state(*FINISHED, ItemState.DEAD_LETTER))
    @rule(index=st.integers(0, 100))
    def duplicate_advance(self, index: int) -> None:
        item_id = self.pick((*FINISHED, ItemState.DEAD_LETTER), index)
        before = self.snapshot(item_id)
        assert self.advance(item_id) == "skipped"  # even when made due again
        OrderItem.objects.filter(pk=item_id).update(next_check_at=None)
        assert self.snapshot(item_id) == before

    @precondition(lambda self: self.in_state(*FINISHED))
    @rule(index=st.integers(0, 100))
    def duplicate_callback(self, index: int) -> None:
        """A provider event replayed, and the final answer applied a second time."""
        item_id = self.pick(FINISHED, index)
        before = self.snapshot(item_id)
        assert order_item_check_soon(item_id=item_id) is False
        answer = self.upstream.answer.get(self.items[item_id]["ref"])
        if answer is not None:
            with transaction.atomic():
                item = OrderItem.objects.select_for_update().get(pk=item_id)
                _apply(item, "poll", Outcome(order=answer), lease=item.lease_until)
        assert self.snapshot(item_id)[:-1] == before[:-1]

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def ledger_matches_the_model(self) -> None:
        assert_ledger_sound()
        actual = dict(LedgerAccount.objects.values_list("key", "balance_minor"))
        for key in set(actual) | set(self.model):
            assert actual.get(key, 0) == self.model[key], key

    @invariant()
    def items_match_the_model(self) -> None:
        for item_id, expected in self.items.items():
            item = OrderItem.objects.get(pk=item_id)
            assert item.state == expected["state"], item.reference
            finished = expected["state"] in FINISHED
            holds = Hold.objects.filter(item_id=item_id)
            assert all((h.status == Hold.Status.SETTLED) == finished for h in holds)
            numbers = Number.objects.filter(order_reference=item.reference)
            if finished:
                assert item.delivered_numbers == expected["delivered"]
                assert item.next_check_at is None and item.resolved_at is not None
                assert sorted(numbers.values_list("e164", flat=True)) == expected["delivered"]
            if expected["state"] == ItemState.AWAITING_DOCUMENTS:
                # Held for the client, charged for nothing, and still being watched.
                assert item.delivered_numbers == expected["delivered"]
                assert item.resolved_at is None and item.next_check_at is not None
                assert not numbers.exists()
            # Never two purchases upstream, whatever happened on the way.
            purchases = self.upstream.purchases[expected["ref"]]
            assert purchases == 1 if item.external_id else purchases <= 1


def test_ledger_and_order_life_cycle(store, catalog, monkeypatch, django_user_model):
    holder: dict = {}
    monkeypatch.setattr("billing.provisioning.adapter_for", lambda account: holder["upstream"])
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda item_ids: None)
    groups = list(
        DidGroup.objects.filter(
            account__in=catalog.values(), external_id__in=["us-1", "us-tf", "de-muc"]
        ).order_by("external_id")
    )
    assert len(groups) == 3 and any(g.needs_registration for g in groups)
    Lifecycle.ctx = {
        "store": store,
        "groups": groups,
        "holder": holder,
        "admin": django_user_model.objects.create(email="admin@example.com", is_staff=True),
    }
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
