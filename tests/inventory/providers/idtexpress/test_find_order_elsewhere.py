"""find_order from another process: the caller's order row has the facts, memory has none.

A worker that lost a purchase's answer (or was killed before storing it) leaves nothing behind in
the adapter; the task that resolves the order runs anywhere with the persisted request, the time
the attempt started and the upstream orders other references already own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.types import OrderRequest, OrderStatus
from inventory.sandbox.faults import FaultConfig, FaultyTransport
from inventory.sandbox.idtexpress import IdtExpressSandbox

from .support import make_adapter, make_sandbox

SANDBOX_URL = "https://sandbox-api.idtexpress.com"


class Clock:
    """The simulator's clock, movable so an old order can be made."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> IdtExpressSandbox:
    return make_sandbox(clock=clock)


@pytest.fixture
def elsewhere(sandbox: IdtExpressSandbox) -> Iterator[IdtExpressAdapter]:
    """A fresh adapter in a "new process"."""
    a = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    yield a
    a.close()


def _request(sandbox: IdtExpressSandbox, ref: str, *, quantity: int = 2) -> OrderRequest:
    group = [g for g in sandbox.catalog.groups("US") if not g.toll_free][8]
    sandbox.set_stock(group.id, 20)
    return OrderRequest(our_reference=ref, group_external_id=str(group.id), quantity=quantity)


def _lose(sandbox: IdtExpressSandbox, request: OrderRequest) -> datetime:
    """Place ``request`` with the purchase's answer lost; the attempt's start, as persisted."""
    lossy = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="timeout"))
    worker = make_adapter(lossy, base_url=SANDBOX_URL)
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        worker.place_order(request)
    worker.close()  # the worker process is gone
    return started


def test_lost_purchase_is_found_by_a_new_process(sandbox: IdtExpressSandbox):
    request = _request(sandbox, "oi-lost")
    started = _lose(sandbox, request)
    (upstream,) = sandbox.state.orders  # the purchase took effect
    elsewhere = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)

    with pytest.raises(errors.InvalidRequest):  # without the facts: still a refusal
        elsewhere.find_order("oi-lost")
    with pytest.raises(errors.InvalidRequest):
        elsewhere.find_order("oi-lost", request=request)

    found = elsewhere.find_order("oi-lost", request=request, placed_after=started)
    assert found is not None
    assert (found.external_id, found.our_reference) == (upstream, "oi-lost")
    assert (found.status, found.quantity_ordered, len(found.numbers)) == (
        OrderStatus.COMPLETED,
        2,
        2,
    )
    assert len(sandbox.state.orders) == 1  # finding it bought nothing
    # IDT's order has no reference of ours, and nothing is remembered: polling tells none.
    assert elsewhere.get_order(upstream).our_reference == ""


def test_nothing_placed_is_none(
    sandbox: IdtExpressSandbox, clock: Clock, elsewhere: IdtExpressAdapter
):
    request = _request(sandbox, "oi-none")
    # The same group and quantity bought a day ago: older than the attempt, so not this order.
    clock.offset = -timedelta(days=1)
    elsewhere.place_order(OrderRequest("oi-yesterday", request.group_external_id, quantity=2))
    clock.offset = timedelta(0)

    def refuse_purchases(req: httpx.Request) -> httpx.Response:
        if sandbox.is_purchase(req):
            raise httpx.ConnectError("connection refused")
        return sandbox.handle(req)

    worker = make_adapter(httpx.MockTransport(refuse_purchases), base_url=SANDBOX_URL)
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        worker.place_order(request)

    assert elsewhere.find_order("oi-none", request=request, placed_after=started) is None
    assert len(sandbox.state.orders) == 1  # yesterday's only


def test_claimed_twins_resolve_to_different_orders(sandbox: IdtExpressSandbox):
    first = _request(sandbox, "oi-a")
    second = _request(sandbox, "oi-b")  # the same DID group and quantity
    first_started = _lose(sandbox, first)
    second_started = _lose(sandbox, second)
    assert len(sandbox.state.orders) == 2

    # Each resolution runs in a process of its own; only didhub's order rows connect them.
    a = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    found_a = a.find_order("oi-a", request=first, placed_after=first_started)
    assert found_a is not None

    b = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    unaware = b.find_order("oi-b", request=second, placed_after=second_started)
    assert unaware is not None and unaware.external_id == found_a.external_id  # why claimed exists

    found_b = b.find_order(
        "oi-b",
        request=second,
        placed_after=second_started,
        claimed=frozenset({found_a.external_id}),
    )
    assert found_b is not None
    assert found_b.external_id != found_a.external_id
    assert {found_a.external_id, found_b.external_id} == set(sandbox.state.orders)

    # With both claimed by others, nothing is left for a third reference: verified, not guessed.
    third = _request(sandbox, "oi-c")
    both = frozenset({found_a.external_id, found_b.external_id})
    assert b.find_order("oi-c", request=third, placed_after=second_started, claimed=both) is None


def test_the_placing_process_needs_the_facts_too(sandbox: IdtExpressSandbox):
    """Nothing is kept in memory: the process that lost the answer resolves it like any other."""
    first = _request(sandbox, "oi-a")
    second = _request(sandbox, "oi-b")
    _lose(sandbox, first)
    lossy = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="502"))
    worker = make_adapter(lossy, base_url=SANDBOX_URL)
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        worker.place_order(second)  # answer lost, in this process
    earliest = next(iter(sandbox.state.orders))
    with pytest.raises(errors.InvalidRequest):
        worker.find_order("oi-b", claimed=frozenset({earliest}))
    found = worker.find_order(
        "oi-b", request=second, placed_after=started, claimed=frozenset({earliest})
    )
    assert found is not None and found.external_id != earliest


def test_request_of_another_reference_is_refused(sandbox: IdtExpressSandbox, elsewhere):
    request = _request(sandbox, "oi-a")
    with pytest.raises(errors.InvalidRequest) as caught:
        elsewhere.find_order("oi-b", request=request, placed_after=datetime.now(UTC))
    assert caught.value.field == "request"
