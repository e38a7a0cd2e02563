"""The adapter end to end against the IDT Express simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.types import (
    DestinationKind,
    NumberType,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)
from inventory.sandbox.faults import FaultConfig, FaultyTransport
from inventory.sandbox.idtexpress import IdtExpressSandbox
from tests.inventory.providers.lossy import Lossy

from .support import EN_DASH, make_adapter, make_sandbox

SANDBOX_URL = "https://sandbox-api.idtexpress.com"


@pytest.fixture
def sandbox() -> IdtExpressSandbox:
    return make_sandbox()


@pytest.fixture
def idt(sandbox: IdtExpressSandbox) -> Iterator[IdtExpressAdapter]:
    a = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    yield a
    a.close()


def _us_local(sandbox: IdtExpressSandbox, index: int = 0):
    return [g for g in sandbox.catalog.groups("US") if not g.toll_free][index]


def _order(group_id: int, quantity: int = 1, ref: str = "oi-1") -> OrderRequest:
    return OrderRequest(our_reference=ref, group_external_id=str(group_id), quantity=quantity)


def test_check(idt: IdtExpressAdapter, sandbox: IdtExpressSandbox):
    status = idt.check()
    assert status.ok is True
    assert f"{len(sandbox.catalog.countries)} countries" in status.detail


def test_wrong_credentials_are_auth_failed(sandbox: IdtExpressSandbox):
    bad = make_adapter(
        sandbox.transport(),
        base_url=SANDBOX_URL,
        credentials={"api_key": "test-idt-key", "api_secret": "wrong"},
    )
    with pytest.raises(errors.AuthFailed, match="IDT Express rejected"):
        bad.check()


def test_full_coverage_walk(idt: IdtExpressAdapter, sandbox: IdtExpressSandbox):
    records = list(idt.coverage())
    expected = sum(len(sandbox.catalog.groups(c.iso)) for c in sandbox.catalog.countries)
    assert len(records) == expected
    assert len({r.external_id for r in records}) == expected  # each group exactly once
    us = [r for r in records if r.country == "US" and r.number_type is NumberType.LOCAL]
    assert len(us) == 3000
    assert len({r.region_code for r in us}) == 51  # 50 states + DC, all ISO 3166-2
    assert all(r.region_code.startswith("US-") and r.npa and r.nxx and r.city for r in us)
    ca_regions = {r.region_code for r in records if r.country == "CA" and r.region_code}
    assert "CA-NL" in ca_regions and "CA-NF" not in ca_regions
    kinds = Counter((r.country, r.number_type) for r in records)
    assert kinds[("US", NumberType.TOLL_FREE)] == 7
    assert kinds[("GB", NumberType.TOLL_FREE)] == 2
    world = [r for r in records if r.country == "PE"]
    assert world and all(r.area_prefix and not r.nxx and not r.region_code for r in world)
    assert all(r.city == r.city.strip() for r in records)  # IDT's trailing spaces are gone
    assert all(r.skus[0].monthly_price > 0 for r in records)


def test_place_order_poll_completed_and_owned(idt: IdtExpressAdapter, sandbox: IdtExpressSandbox):
    group = _us_local(sandbox)
    sandbox.set_stock(group.id, 10)
    placed = idt.place_order(_order(group.id, 3))
    assert placed.status is OrderStatus.PENDING
    assert sandbox.state.balance == Decimal("500.00")  # nothing charged before processing
    done = idt.get_order(placed.external_id)
    assert done.status is OrderStatus.COMPLETED
    assert len(done.numbers) == 3
    assert all(n.startswith(f"+1{group.area_code}{group.nxx}") for n in done.numbers)
    assert done.our_reference == ""  # IDT keeps none of ours; the caller knows whose it polls
    assert sandbox.state.balance == Decimal("500.00") - group.price * 3
    owned = {n.number: n for n in idt.owned_numbers()}
    assert set(owned) == set(done.numbers)
    assert {n.group_external_id for n in owned.values()} == {str(group.id)}


def test_order_completes_after_configured_polls():
    sandbox = make_sandbox(fulfil_after_polls=2)
    idt = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    group = _us_local(sandbox, 1)
    sandbox.set_stock(group.id, 5)
    placed = idt.place_order(_order(group.id))
    statuses = [idt.get_order(placed.external_id).status for _ in range(3)]
    assert statuses == [OrderStatus.PENDING, OrderStatus.PENDING, OrderStatus.COMPLETED]


def test_partial_stock_backorders_then_fills(idt: IdtExpressAdapter, sandbox: IdtExpressSandbox):
    group = _us_local(sandbox, 2)
    sandbox.set_stock(group.id, 2)
    placed = idt.place_order(_order(group.id, 5))
    first = idt.get_order(placed.external_id)
    assert first.status is OrderStatus.BACKORDERED
    assert len(first.numbers) == 2
    assert first.detail == f"Partially Fulfilled {EN_DASH} Backordered"
    second = idt.get_order(placed.external_id)
    assert second.status is OrderStatus.BACKORDERED
    third = idt.get_order(placed.external_id)  # backorder_polls=2: supply has arrived
    assert third.status is OrderStatus.COMPLETED
    assert len(third.numbers) == 5
    assert sandbox.state.balance == Decimal("500.00") - group.price * 5


def test_group_that_cannot_backorder_is_partial_or_canceled(
    idt: IdtExpressAdapter, sandbox: IdtExpressSandbox
):
    toll_free = [g for g in sandbox.catalog.groups("US") if g.toll_free]
    sandbox.set_stock(toll_free[0].id, 1)
    sandbox.set_stock(toll_free[1].id, 0)
    short = idt.place_order(_order(toll_free[0].id, 3, ref="a"))
    empty = idt.place_order(_order(toll_free[1].id, 2, ref="b"))
    partial = idt.get_order(short.external_id)
    assert partial.status is OrderStatus.PARTIAL
    assert len(partial.numbers) == 1
    assert partial.numbers[0].startswith(f"+1{toll_free[0].area_code}")
    canceled = idt.get_order(empty.external_id)
    assert canceled.status is OrderStatus.CANCELED
    assert "stock" in canceled.detail and "Insufficient Inventory" in canceled.detail


def test_insufficient_balance_is_refused_by_the_preview():
    sandbox = make_sandbox(balance=Decimal("0.10"))
    idt = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    group = next(g for g in sandbox.catalog.groups("GB") if g.price > 1)
    with pytest.raises(errors.InsufficientFunds, match="Insufficient Funds"):
        idt.place_order(_order(group.id, 2))
    assert sandbox.state.orders == {}
    assert sandbox.state.balance == Decimal("0.10")


def test_funds_gone_before_processing_is_a_canceled_item(
    idt: IdtExpressAdapter, sandbox: IdtExpressSandbox
):
    group = _us_local(sandbox, 3)
    sandbox.set_stock(group.id, 5)
    placed = idt.place_order(_order(group.id, 2))
    sandbox.state.balance = Decimal("0")  # spent elsewhere meanwhile
    order = idt.get_order(placed.external_id)
    assert order.status is OrderStatus.CANCELED
    assert "insufficient funds" in order.detail
    assert f"Canceled {EN_DASH} Insufficient Funds" in order.detail
    assert list(idt.owned_numbers()) == []


def test_release_and_release_again(idt: IdtExpressAdapter, sandbox: IdtExpressSandbox):
    group = _us_local(sandbox, 4)
    sandbox.set_stock(group.id, 3)
    placed = idt.place_order(_order(group.id, 2))
    numbers = idt.get_order(placed.external_id).numbers
    idt.release(numbers[0])
    states = {n.number: n.status for n in idt.owned_numbers()}
    assert states == {numbers[0]: "terminated", numbers[1]: "active"}
    with pytest.raises(errors.NotFound):
        idt.release(numbers[0])


def test_routing_and_number_picking_are_not_offered(
    idt: IdtExpressAdapter, sandbox: IdtExpressSandbox
):
    assert idt.routing.mode == "manual"
    lossy = Lossy(sandbox.handle)
    manual = make_adapter(lossy)
    sip = RouteTarget(DestinationKind.SIP_URI, "sip:pbx@example.com")
    with pytest.raises(errors.InvalidRequest, match="no routing") as caught:
        manual.route_set("+12125550100", Route(sip))
    assert caught.value.field == "kind"
    for call in (
        lambda: manual.trunk_create("acme"),
        lambda: manual.trunk_regenerate("x"),
        lambda: manual.trunk_delete("x"),
    ):
        with pytest.raises(errors.InvalidRequest, match="no SIP trunks"):
            call()
    assert not lossy.seen  # refused here, never a silent call upstream
    with pytest.raises(errors.InvalidRequest, match="does not list numbers"):
        idt.available_numbers(str(_us_local(sandbox).id), limit=5)
    assert "pick_number" not in idt.capabilities
    assert "forwarding" not in idt.capabilities


def test_lost_purchase_is_found_exactly_once(sandbox: IdtExpressSandbox):
    lossy = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="timeout"))
    idt = make_adapter(lossy, base_url=SANDBOX_URL)
    group = _us_local(sandbox, 5)
    sandbox.set_stock(group.id, 5)
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        idt.place_order(_order(group.id, 2, ref="oi-lost"))
    assert len(sandbox.state.orders) == 1  # the purchase took effect upstream
    found = idt.find_order(
        "oi-lost", request=_order(group.id, 2, ref="oi-lost"), placed_after=started
    )
    assert found is not None
    assert found.external_id == next(iter(sandbox.state.orders))
    assert found.our_reference == "oi-lost"
    assert len(sandbox.state.orders) == 1  # finding it bought nothing


def test_lost_purchase_matches_the_right_one_of_twins(sandbox: IdtExpressSandbox):
    group = _us_local(sandbox, 6)
    sandbox.set_stock(group.id, 10)
    idt = make_adapter(sandbox.transport(), base_url=SANDBOX_URL)
    started = datetime.now(UTC)
    first = idt.place_order(_order(group.id, 2, ref="oi-first"))
    lossy = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="502"))
    idt_lossy = make_adapter(lossy, base_url=SANDBOX_URL)
    with pytest.raises(errors.OutcomeUnknown):
        idt_lossy.place_order(_order(group.id, 2, ref="oi-second"))
    assert len(sandbox.state.orders) == 2
    # oi-first's order row holds its upstream id: provisioning passes it as claimed.
    found = idt.find_order(
        "oi-second",
        request=_order(group.id, 2, ref="oi-second"),
        placed_after=started,
        claimed=frozenset({first.external_id}),
    )
    assert found is not None
    assert found.external_id != first.external_id  # the first is claimed by oi-first
    assert set(sandbox.state.orders) == {first.external_id, found.external_id}


def test_purchase_that_never_arrived_is_not_found(sandbox: IdtExpressSandbox):
    def refuse_purchases(request: httpx.Request) -> httpx.Response:
        if sandbox.is_purchase(request):
            raise httpx.ConnectError("connection refused")
        return sandbox.handle(request)

    idt = make_adapter(httpx.MockTransport(refuse_purchases), base_url=SANDBOX_URL)
    group = _us_local(sandbox, 7)
    started = datetime.now(UTC)
    with pytest.raises(errors.OutcomeUnknown):
        idt.place_order(_order(group.id, 1, ref="oi-none"))
    assert sandbox.state.orders == {}
    assert (
        idt.find_order("oi-none", request=_order(group.id, 1, ref="oi-none"), placed_after=started)
        is None
    )
