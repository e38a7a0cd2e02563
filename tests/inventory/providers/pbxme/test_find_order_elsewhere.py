"""find_order from any process: the caller persisted exact picks; the adapter remembers nothing.

PBXme keeps no reference of ours ("pick_number" without "reference"), so the provisioning code
picks with ``available_numbers`` first, persists the picks and sends them as ``numbers`` and
``number_ids``; any process can then match them against ``did/list``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.types import OrderRequest, OrderStatus
from inventory.sandbox.faults import FaultConfig, FaultyTransport
from inventory.sandbox.pbxme import PbxmeSandbox

from .conftest import CREDENTIALS, make_config


@pytest.fixture
def sandbox() -> PbxmeSandbox:
    return PbxmeSandbox(credentials=CREDENTIALS)


def adapter_for(sandbox: PbxmeSandbox, transport: httpx.BaseTransport | None = None):
    return PbxmeAdapter(make_config(transport=transport or sandbox.transport(), countries=("GB",)))


@pytest.fixture
def group(sandbox: PbxmeSandbox) -> str:
    records = adapter_for(sandbox).coverage()
    return next(r.external_id for r in records if (r.available_count or 0) >= 3)


def picked(sandbox: PbxmeSandbox, group: str, ref: str, quantity: int = 2) -> OrderRequest:
    """What provisioning persists before buying: exact picks, by number and by did_id."""
    offered = adapter_for(sandbox).available_numbers(group, limit=quantity)
    assert len(offered) == quantity and all(n.external_id for n in offered)
    return OrderRequest(
        our_reference=ref,
        group_external_id=group,
        quantity=quantity,
        numbers=tuple(n.number for n in offered),
        number_ids=tuple(n.external_id for n in offered),
    )


def lose(sandbox: PbxmeSandbox, request: OrderRequest) -> datetime:
    """Place ``request``: the first did/assign takes effect, its answer is lost."""
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="timeout"))
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        adapter_for(sandbox, faulty).place_order(request)  # the worker process is gone
    return started


def test_capabilities_tell_callers_to_pick_first() -> None:
    assert "pick_number" in PbxmeAdapter.capabilities
    assert "reference" not in PbxmeAdapter.capabilities


@pytest.mark.parametrize("sent", ["both", "numbers", "number_ids"])
def test_lost_picked_order_is_found_by_a_new_process(
    sandbox: PbxmeSandbox, group: str, sent: str
) -> None:
    picks = picked(sandbox, group, "pb-lost")
    request = picks
    if sent == "numbers":
        request = replace(picks, number_ids=())
    elif sent == "number_ids":
        request = replace(picks, numbers=())
    started = lose(sandbox, request)
    assert len(sandbox.state.assignments) == 1  # the first pick was bought, then the call died

    elsewhere = adapter_for(sandbox)
    found = elsewhere.find_order("pb-lost", request=request, placed_after=started)
    assert found is not None
    assert found.our_reference == "pb-lost"
    assert found.status is OrderStatus.PARTIAL  # one of two, the second never sent
    (bought,) = found.numbers
    assert bought == picks.numbers[0]
    assert [n.number for n in elsewhere.owned_numbers()] == [bought]
    assert found.quantity_ordered == 2
    polled = elsewhere.get_order(found.external_id)
    assert (polled.status, polled.numbers, polled.quantity_ordered) == (
        OrderStatus.PARTIAL,
        (bought,),
        2,
    )
    assert len(sandbox.state.assignments) == 1  # finding it bought nothing


def test_lost_single_pick_is_completed(sandbox: PbxmeSandbox, group: str) -> None:
    request = picked(sandbox, group, "pb-one", quantity=1)
    started = lose(sandbox, request)
    found = adapter_for(sandbox).find_order("pb-one", request=request, placed_after=started)
    assert found is not None
    assert (found.status, found.numbers) == (OrderStatus.COMPLETED, request.numbers)
    assert found.external_id == "assign:" + request.number_ids[0]


def test_nothing_bought_is_none(sandbox: PbxmeSandbox, group: str) -> None:
    request = picked(sandbox, group, "pb-none")

    def refuse_purchases(req: httpx.Request) -> httpx.Response:
        if sandbox.is_purchase(req):
            raise httpx.ConnectError("connection refused")
        return sandbox.handle(req)

    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        adapter_for(sandbox, httpx.MockTransport(refuse_purchases)).place_order(request)
    assert adapter_for(sandbox).find_order("pb-none", request=request, placed_after=started) is None
    assert sandbox.state.assignments == []


def test_quantity_only_order_from_another_process_stays_unknown(
    sandbox: PbxmeSandbox, group: str
) -> None:
    request = OrderRequest(our_reference="pb-any", group_external_id=group, quantity=1)
    started = lose(sandbox, request)
    elsewhere = adapter_for(sandbox)
    with pytest.raises(errors.OutcomeUnknown, match="no exact numbers"):
        elsewhere.find_order("pb-any", request=request, placed_after=started)
    with pytest.raises(errors.OutcomeUnknown):
        elsewhere.find_order("pb-any")


def test_a_pick_claimed_by_another_order_is_not_this_orders(
    sandbox: PbxmeSandbox, group: str
) -> None:
    # pb-a persisted its picks and died before sending; pb-b then picked and bought the same.
    abandoned = picked(sandbox, group, "pb-a", quantity=1)
    started = datetime.now(UTC)
    other = adapter_for(sandbox).place_order(replace(abandoned, our_reference="pb-b"))
    assert other.status is OrderStatus.COMPLETED

    elsewhere = adapter_for(sandbox)
    naive = elsewhere.find_order("pb-a", request=abandoned, placed_after=started)
    assert naive is not None  # owned, and pb-a's pick: only claimed tells them apart
    claimed = frozenset({other.external_id, "assign:unrelated"})
    assert (
        elsewhere.find_order("pb-a", request=abandoned, placed_after=started, claimed=claimed)
        is None
    )


def test_inconsistent_requests_are_refused(sandbox: PbxmeSandbox, group: str) -> None:
    request = picked(sandbox, group, "pb-a")
    elsewhere = adapter_for(sandbox)
    with pytest.raises(errors.InvalidRequest) as caught:
        elsewhere.find_order("pb-b", request=request)
    assert caught.value.field == "request"
    with pytest.raises(errors.InvalidRequest) as caught:
        elsewhere.find_order("pb-a", request=replace(request, number_ids=request.number_ids[:1]))
    assert caught.value.field == "number_ids"


def test_the_placing_process_knows_no_more_than_any_other(
    sandbox: PbxmeSandbox, group: str
) -> None:
    # Quantity-only, placed and lost by this very adapter: nothing remembered, still unknown.
    request = OrderRequest(our_reference="pb-here", group_external_id=group, quantity=1)
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="502"))
    adapter = adapter_for(sandbox, faulty)
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(request)
    with pytest.raises(errors.OutcomeUnknown, match="no exact numbers"):
        adapter.find_order("pb-here", request=request)
    assert len(sandbox.state.assignments) == 1  # bought once; a person must match it
