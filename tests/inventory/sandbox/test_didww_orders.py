"""Buying from the DIDWW simulator through the adapter: orders, polls, back-orders, callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
import stamina

from inventory.providers import errors
from inventory.providers.didww.callbacks import verify
from inventory.providers.types import CoverageRecord, OrderRequest, OrderStatus
from inventory.sandbox.didww import DidwwSandbox

from .didww_support import KEY, adapter_for, make, stocked_nxx


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="module")
def walked() -> tuple[DidwwSandbox, list[CoverageRecord]]:
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    with stamina.set_testing(True, attempts=3):
        return sandbox, list(adapter_for(sandbox).coverage())


# --- buying -----------------------------------------------------------------------------------


def test_order_by_quantity_completes_on_poll_and_is_owned(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    sku = record.skus[0]
    placed = adapter.place_order(
        OrderRequest(
            our_reference="ref-1",
            group_external_id=record.external_id,
            sku_external_id=sku.external_id,
            quantity=2,
        )
    )
    assert placed.status is OrderStatus.PENDING
    charged = 2 * (sku.setup_price + sku.monthly_price)
    assert placed.charged == charged
    assert adapter.check().balance == Decimal("500.00") - charged  # charged at once

    done = adapter.get_order(placed.external_id)

    assert done.status is OrderStatus.COMPLETED
    assert len(done.numbers) == 2
    assert all(n.startswith(f"+1{record.npa}{record.nxx}") for n in done.numbers)
    owned = {o.number: o for o in adapter.owned_numbers()}
    assert set(owned) == set(done.numbers)
    assert all(o.status == "active" and o.group_external_id for o in owned.values())


def test_picked_number_is_delivered(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    picks = adapter.available_numbers(record.external_id, limit=3)
    assert len(picks) == 3 and all(p.external_id for p in picks)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-2",
            group_external_id=record.external_id,
            sku_external_id=record.skus[1].external_id,
            number_ids=(picks[1].external_id,),
        )
    )
    assert adapter.get_order(order.external_id).numbers == (picks[1].number,)
    assert picks[1].number not in {
        p.number for p in adapter.available_numbers(record.external_id, limit=50)
    }


def test_fulfilment_waits_the_configured_polls(walked):
    _shared, records = walked
    sandbox, adapter = make(fulfil_after_polls=2)
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-3",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
        )
    )
    statuses = [adapter.get_order(order.external_id).status for _ in range(3)]
    assert statuses == [OrderStatus.PENDING, OrderStatus.PENDING, OrderStatus.COMPLETED]


def test_completed_order_queues_a_signed_callback(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    url = "https://portal.example/hooks/didww"
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-4",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
            callback_url=url,
        )
    )
    assert sandbox.state.callbacks_due == []
    adapter.get_order(order.external_id)
    [due] = sandbox.state.callbacks_due
    assert (due.method, due.url) == ("POST", url)
    assert due.params == {"id": order.external_id, "status": "completed", "type": "orders"}
    assert verify(KEY, url, due.params, due.headers["X-DIDWW-Signature"])


def test_insufficient_balance():
    sandbox, adapter = make(balance=Decimal("0.10"))
    group = next(g for g in sandbox.catalog.groups if g.skus[0].monthly_price > 1)
    with pytest.raises(errors.InsufficientFunds):
        adapter.place_order(
            OrderRequest(
                our_reference="ref-5", group_external_id=group.id, sku_external_id=group.skus[0].id
            )
        )
    assert sandbox.state.orders == {} and sandbox.state.balance == Decimal("0.10")


def test_quantity_beyond_stock_needs_back_ordering(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    nanpa = sandbox.catalog.nanpa_by_id[record.external_id.split(":")[1]]
    request = OrderRequest(
        our_reference="ref-6",
        group_external_id=record.external_id,
        sku_external_id=record.skus[0].external_id,
        quantity=nanpa.pool.stock + 3,
    )
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(request)
    assert caught.value.field == "items/0/qty"

    order = adapter.place_order(replace(request, allow_backorder=True))
    polls = [adapter.get_order(order.external_id) for _ in range(3)]
    assert [p.status for p in polls] == [
        OrderStatus.PENDING,
        OrderStatus.PENDING,
        OrderStatus.COMPLETED,
    ]
    assert len(polls[-1].numbers) == nanpa.pool.stock + 3


def test_regulated_number_awaits_registration(walked):
    _shared, records = walked
    _sandbox, adapter = make()
    record = next(r for r in records if r.needs_registration and r.available_count)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-7",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
        )
    )
    adapter.get_order(order.external_id)
    assert [o.status for o in adapter.owned_numbers()] == ["awaiting_registration"]


def test_release_terminates_the_did(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-8",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
        )
    )
    [number] = adapter.get_order(order.external_id).numbers
    adapter.release(number)
    assert [o.status for o in adapter.owned_numbers()] == ["terminated"]
    with pytest.raises(errors.NotFound):
        adapter.release(number)


def test_timed_fulfilment_completes_without_a_status_poll(walked):
    _shared, records = walked
    sandbox, adapter = make(fulfil_after_polls=99, fulfil_after_seconds=0.0)
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-12",
            group_external_id=record.external_id,
            callback_url="https://portal.example/hooks/didww",
        )
    )
    adapter.check()  # any request lets the simulator's clock move orders on
    assert sandbox.state.orders[order.external_id].status == "completed"
    assert [c.params["status"] for c in sandbox.state.callbacks_due] == ["completed"]


def test_order_without_a_sku_uses_the_cheapest(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(our_reference="ref-13", group_external_id=record.external_id)
    )
    [item] = sandbox.state.orders[order.external_id].items
    assert item.sku.id == record.skus[0].external_id  # the 0-channel SKU is the cheaper one
    assert item.sku.monthly_price < record.skus[1].monthly_price
