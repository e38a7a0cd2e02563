"""Every provider simulator under every kind of fault: orders placed through checkout, driven to
their end by the provisioning job, must end fulfilled or refunded (or, regulated, delivered and
waiting for documents with the money still held), with exactly one purchase upstream per item,
the money conserved and the Number rows matching what was charged."""

from __future__ import annotations

import functools
import json
from collections import Counter

import pytest
import stamina

from billing.checkout import order_place
from billing.models import ACTIVE_STATES, Hold, ItemState, OrderItem
from inventory import accounts as inventory_accounts
from inventory.models import DidGroup, Number
from inventory.sandbox import registry
from tests.billing.conftest import SANDBOX_KINDS, sandbox_account
from tests.billing.orders_helpers import add_to_cart, drive, fund

from .conftest import assert_ledger_sound, assert_numbers_match

# fault -> (its FaultConfig, what the transport counts when it injects it)
FAULTS = {
    "500": ({"error_rate": 0.5, "error_statuses": [500]}, "error_500"),
    "503": ({"error_rate": 0.5, "error_statuses": [503]}, "error_503"),
    # Every 5th request: a period no provisioning cycle (1 to 4 requests) can stay in step with.
    "429": ({"burst_429": 5, "retry_after": 1}, "rate_limited"),
    "timeout": ({"timeout_rate": 0.5}, "timeout"),
    "lost_timeout": ({"lost_purchase_rate": 1.0, "lost_mode": "timeout"}, "lost_purchase_timeout"),
    "lost_502": ({"lost_purchase_rate": 1.0, "lost_mode": "502"}, "lost_purchase_502"),
}
DELIVERED = (ItemState.FULFILLED, ItemState.AWAITING_DOCUMENTS)


@pytest.fixture(autouse=True)
def _fast_reads():
    """Reads retry at once (no sleeping between attempts)."""
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


@pytest.fixture
def one_provider_connection(monkeypatch):
    """One fault sequence per account for the whole test, as with a real flaky provider (the
    stock helper builds a new seeded transport per adapter, so every call would meet the same
    first fault). Returns the transports made, to count the faults they injected."""
    made: list = []

    @functools.cache
    def transport(kind, name, faults, scale):
        made.append(registry.sandbox_transport(kind, name, json.loads(faults), scale=scale))
        return made[-1]

    monkeypatch.setattr(
        inventory_accounts,
        "sandbox_transport",
        lambda kind, name, faults=None, *, scale=1: transport(
            kind, name, json.dumps(faults or None, sort_keys=True), scale
        ),
    )
    return made


def upstream_purchases(sandbox, item: OrderItem) -> int:
    """How many purchases the simulator recorded for ``item``."""
    return sandbox.purchases_for(
        reference=item.reference,
        external_id=item.external_id,
        number_ids=tuple(item.requested_number_ids),
    )


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("kind", SANDBOX_KINDS)
def test_orders_end_once_under_faults(store, kind, fault, one_provider_connection):
    # A name per cell: simulators are process-wide per account name, and a fresh simulator
    # hands out the same upstream order ids again.
    account = sandbox_account(kind, name=f"{kind}-{fault}", groups=3)
    config, injected_as = FAULTS[fault]
    account.sandbox_faults = config  # synced without faults: the orders meet them
    account.save(update_fields=["sandbox_faults"])
    groups = list(DidGroup.objects.filter(account=account).order_by("id")[:3])
    assert len(groups) == 3
    quantities = zip(groups, (1, 2, 1), strict=True)
    lines = [add_to_cart(store, group, quantity=q) for group, q in quantities]
    fund(store, client_minor=10**7, reseller_minor=10**7)
    order, created = order_place(
        client=store["client"], user=store["client_user"], idempotency_key=f"{kind}-{fault}",
        item_ids=[line.pk for line in lines],
    )  # fmt: skip
    assert created

    waiting = (ItemState.AWAITING_DOCUMENTS,)
    items = [drive(item, steps=40, rest_at=waiting) for item in order.items.all()]

    sandbox = registry.sandbox_for(kind, account.name)
    for item in items:
        unfinished = {ItemState.DEAD_LETTER, *ACTIVE_STATES} - set(waiting)
        assert item.state not in unfinished, (item.state, item.last_error)
        if item.quantity == 1:
            # A transient fault is no reason to give up on a number the provider has.
            assert item.state in DELIVERED, (item.state, item.detail, item.last_error)
        else:
            # Several numbers may end partly delivered: PBXme buys picks one by one, and a
            # fault on one ends the order with the numbers bought so far (the rest refunded).
            assert item.state in (*DELIVERED, ItemState.PARTIALLY_FULFILLED), item.last_error
        delivered = len(item.delivered_numbers)
        assert delivered <= item.quantity
        if item.state in waiting:  # held for the client: nothing charged, no Number yet
            assert delivered and not Number.objects.filter(order_reference=item.reference)
            assert {h.status for h in Hold.objects.filter(item=item)} == {Hold.Status.OPEN}
        else:
            for hold in Hold.objects.filter(item=item):
                assert hold.status == Hold.Status.SETTLED
                assert hold.captured_minor == hold.amount_minor * delivered // item.quantity
            assert_numbers_match(item)
        if item.external_id or delivered:
            expected = delivered if sandbox.buys_per_number else 1
            assert upstream_purchases(sandbox, item) == expected, item.reference
    assert sandbox.purchases_total() == sum(
        (len(i.delivered_numbers) if sandbox.buys_per_number else 1)
        for i in items
        if i.external_id or i.delivered_numbers
    )
    order.refresh_from_db()
    assert (order.status == "processing") == any(i.state in waiting for i in items)
    assert_ledger_sound()
    injected = sum(
        (t.injected for t in one_provider_connection if hasattr(t, "injected")), Counter()
    )
    assert injected[injected_as] > 0, f"no {injected_as} happened: the cell tested nothing"
