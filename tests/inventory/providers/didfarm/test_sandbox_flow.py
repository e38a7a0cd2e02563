"""(b) The adapter against the in-process DIDfarm sandbox."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.errors import AuthFailed, InsufficientFunds, InvalidRequest, NotFound
from inventory.providers.types import (
    DestinationKind,
    Feature,
    NumberType,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)
from inventory.sandbox.didfarm import DidfarmSandbox

from .conftest import KEY, make_config


def _first_us_group(adapter: DidfarmAdapter) -> str:
    return next(r.external_id for r in adapter.coverage() if r.country == "US")


def test_check_reports_the_wallet(live: DidfarmAdapter) -> None:
    status = live.check()
    assert status.ok is True
    assert status.balance == Decimal("500.00")
    assert status.currency == "EUR"


def test_full_coverage_walk(live: DidfarmAdapter, sandbox: DidfarmSandbox) -> None:
    records = list(live.coverage())
    ids = [r.external_id for r in records]
    assert len(ids) == len(set(ids))  # every group once
    by_country = Counter(r.country for r in records)
    assert by_country["US"] >= 2000  # NPA-NXX groups across the states
    assert {"NL", "DE", "GB"} <= set(by_country)
    # Every sandbox number of the searched countries is accounted for, none twice.
    expected = sum(
        len(sandbox.stock(c, t).offers)
        for c in ("US", "NL", "DE", "GB")
        for t in ("local", "mobile", "national", "toll_free", "shared_cost")
    )
    assert sum(r.available_count or 0 for r in records) == expected
    us_local = next(r for r in records if r.country == "US" and r.number_type is NumberType.LOCAL)
    assert us_local.npa and us_local.nxx and us_local.region_code.startswith("US-")
    assert us_local.features == frozenset({Feature.VOICE, Feature.SMS})
    berlin = next(r for r in records if r.external_id == "DE:local::Berlin")
    assert berlin.needs_registration is True
    assert berlin.area_prefix == "30"
    assert all(n.startswith("+4930") for n in berlin.available_numbers)
    assert {r.region_code[:2] for r in records if r.region_code} <= {"US"}
    assert all(r.skus[0].monthly_price > 0 for r in records)


def test_group_price_is_the_cheapest_number(live: DidfarmAdapter, sandbox: DidfarmSandbox) -> None:
    records = {r.external_id: r for r in live.coverage()}
    for record in records.values():
        if record.country == "US" or record.number_type is not NumberType.LOCAL:
            continue
        offers = [o for o in sandbox.stock(record.country, "local").offers if o.city == record.city]
        cheapest = min((o.monthly, o.setup) for o in offers)
        assert record.skus[0].monthly_price == Decimal(cheapest[0]) / 100
        assert record.available_count == len(offers)


def test_available_numbers_of_a_group(live: DidfarmAdapter) -> None:
    found = live.available_numbers("DE:local::Berlin", limit=3)
    assert len(found) == 3
    assert all(n.number.startswith("+4930") for n in found)
    assert all(n.group_external_id == "DE:local::Berlin" for n in found)
    us_group = _first_us_group(live)
    area = us_group.split(":")[2].replace("-", "")
    assert all(n.number.startswith("+1" + area) for n in live.available_numbers(us_group, limit=9))


def test_unknown_group_id_is_invalid(live: DidfarmAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        live.available_numbers("no-such-group", limit=3)
    assert caught.value.field == "group_external_id"


def test_order_poll_complete_then_route_and_release(
    live: DidfarmAdapter, sandbox: DidfarmSandbox
) -> None:
    group = "DE:local::Berlin"
    order = live.place_order(
        OrderRequest(our_reference="oi-1", group_external_id=group, quantity=2)
    )
    assert order.status is OrderStatus.PENDING
    assert order.quantity_ordered == 2
    assert order.charged is not None and order.charged > 0
    assert sandbox.state.balance == Decimal("500.00") - order.charged

    polled = live.get_order(order.external_id)
    assert polled.status is OrderStatus.COMPLETED
    assert len(polled.numbers) == 2
    assert polled.our_reference == "oi-1"
    # Delivered, but held by DIDfarm until their documents are approved (didhub charges then).
    assert sorted(polled.awaiting_registration) == sorted(polled.numbers)
    # Bought numbers left the shelf.
    assert not set(polled.numbers) & {n.number for n in live.available_numbers(group, limit=100)}

    owned = {n.number: n for n in live.owned_numbers()}
    assert set(polled.numbers) <= set(owned)
    number = polled.numbers[0]
    assert owned[number].status == "awaiting_registration"  # German numbers are regulated
    assert owned[number].group_external_id == group

    trunk = live.trunk_create("Acme")
    live.route_set(number, Route(RouteTarget(DestinationKind.TRUNK, trunk.external_id)))
    did = next(d for d in sandbox.state.numbers.values() if d.offer.number == number)
    assert sandbox.state.trunks[did.sip_trunk_id].uuid == trunk.external_id

    live.release(number)
    assert did.status == "released"
    assert {n.number: n.status for n in live.owned_numbers()}[number] == "terminated"
    live.release(number)  # idempotent
    assert [w.event for w in sandbox.state.webhooks_due] == ["number.released"]


def test_us_order_completes_active_with_webhook(
    live: DidfarmAdapter, sandbox: DidfarmSandbox
) -> None:
    group = _first_us_group(live)
    order = live.place_order(OrderRequest(our_reference="oi-2", group_external_id=group))
    assert live.get_order(order.external_id).status is OrderStatus.COMPLETED
    owned = list(live.owned_numbers())
    assert [o.status for o in owned] == ["active"]
    assert [w.event for w in sandbox.state.webhooks_due] == ["number.activated"]


def test_order_stays_pending_until_the_configured_poll() -> None:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY}, fulfil_after_polls=2)
    adapter = DidfarmAdapter(make_config(transport=sandbox.transport(), countries=("NL",)))
    group = next(r.external_id for r in adapter.coverage())
    order = adapter.place_order(OrderRequest(our_reference="oi-3", group_external_id=group))
    statuses = [adapter.get_order(order.external_id).status for _ in range(3)]
    assert statuses == [OrderStatus.PENDING, OrderStatus.PENDING, OrderStatus.COMPLETED]


def test_exact_numbers_are_bought(live: DidfarmAdapter, sandbox: DidfarmSandbox) -> None:
    picked = [n.number for n in live.available_numbers("NL:local::Amsterdam", limit=2)]
    order = live.place_order(
        OrderRequest(
            our_reference="oi-4", group_external_id="NL:local::Amsterdam", numbers=tuple(picked)
        )
    )
    assert sorted(live.get_order(order.external_id).numbers) == sorted(picked)
    assert set(picked) <= sandbox.state.taken


def test_number_outside_the_group_is_refused(live: DidfarmAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        live.place_order(
            OrderRequest(
                our_reference="oi-5", group_external_id="GB:local:20:", numbers=("+4930123456",)
            )
        )
    assert caught.value.field == "numbers"


def test_more_than_available_is_refused(live: DidfarmAdapter, sandbox: DidfarmSandbox) -> None:
    with pytest.raises(InvalidRequest) as caught:
        live.place_order(
            OrderRequest(our_reference="oi-6", group_external_id="DE:local::Berlin", quantity=500)
        )
    assert caught.value.field == "quantity"
    assert sandbox.state.orders == {}


def test_wrong_credentials(sandbox: DidfarmSandbox) -> None:
    adapter = DidfarmAdapter(make_config(transport=sandbox.transport(), key="df_live_wrong"))
    with pytest.raises(AuthFailed) as caught:
        adapter.check()
    assert "DIDfarm rejected the API key" in str(caught.value)
    with pytest.raises(AuthFailed):
        list(adapter.coverage())


def test_insufficient_balance_charges_nothing() -> None:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY}, balance=Decimal("1.00"))
    adapter = DidfarmAdapter(make_config(transport=sandbox.transport(), countries=("DE",)))
    with pytest.raises(InsufficientFunds):
        adapter.place_order(
            OrderRequest(our_reference="oi-7", group_external_id="DE:toll_free::", quantity=1)
        )
    assert sandbox.state.balance == Decimal("1.00")
    assert sandbox.state.orders == {}
    assert adapter.find_order("oi-7") is None


def test_routing_needs_a_trunk(live: DidfarmAdapter) -> None:
    order = live.place_order(OrderRequest(our_reference="oi-8", group_external_id="GB:mobile::"))
    number = live.get_order(order.external_id).numbers[0]
    sip = RouteTarget(DestinationKind.SIP_URI, "sip:user@pbx.example.com")
    with pytest.raises(InvalidRequest) as caught:
        live.route_set(number, Route(sip))
    assert caught.value.field == "kind"
    with pytest.raises(InvalidRequest) as caught:
        live.route_set(number, Route(RouteTarget(DestinationKind.TRUNK, "trk_nope")))
    assert caught.value.field == "address"
    with pytest.raises(NotFound):
        live.route_set(number, Route(RouteTarget(DestinationKind.TRUNK, "999")))


def test_release_of_a_number_we_do_not_own(live: DidfarmAdapter) -> None:
    with pytest.raises(NotFound):
        live.release("+31201234567")


def test_get_order_unknown(live: DidfarmAdapter) -> None:
    with pytest.raises(NotFound):
        live.get_order("9999")
