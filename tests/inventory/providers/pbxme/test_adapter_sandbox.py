"""PbxmeAdapter against the PBXme sandbox (in-process transport)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from inventory.providers import errors
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.pbxme.groups import split_external_id
from inventory.providers.types import (
    CoverageRecord,
    DestinationKind,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)
from inventory.sandbox.faults import FaultConfig, FaultyTransport
from inventory.sandbox.pbxme import PbxmeSandbox

from .conftest import CREDENTIALS, make_config

COUNTRIES = ("US", "GB", "FR")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def adapter_for(sandbox: PbxmeSandbox, **overrides: object) -> PbxmeAdapter:
    values: dict = {"transport": sandbox.transport(), "countries": COUNTRIES}
    values.update(overrides)
    return PbxmeAdapter(make_config(**values))


@pytest.fixture
def sandbox() -> PbxmeSandbox:
    return PbxmeSandbox(credentials=CREDENTIALS)


@pytest.fixture
def adapter(sandbox: PbxmeSandbox) -> Iterator[PbxmeAdapter]:
    a = adapter_for(sandbox)
    yield a
    a.close()


@pytest.fixture(scope="module")
def walk() -> list[CoverageRecord]:
    sandbox = PbxmeSandbox(credentials=CREDENTIALS)
    return list(adapter_for(sandbox).coverage())


def local_group(records: list[CoverageRecord], country: str = "US") -> CoverageRecord:
    return next(r for r in records if r.country == country and r.available_count)


def test_check(adapter: PbxmeAdapter) -> None:
    status = adapter.check()
    assert (status.ok, status.balance, status.currency) == (True, Decimal("500.00"), "USD")


def test_full_coverage_walk(walk: list[CoverageRecord], sandbox: PbxmeSandbox) -> None:
    ids = [r.external_id for r in walk]
    assert len(ids) == len(set(ids))
    us = [r for r in walk if r.country == "US"]
    assert len(us) > 3000  # thousands of NPA-NXX groups
    assert all(len(r.npa) == 3 and len(r.nxx) == 3 for r in us)
    # NANP groups are the sandbox's own exchanges, one for one.
    assert len(us) == len({(d.type, d.area) for d in sandbox.catalog.country("US")})
    assert {r.country for r in walk} == set(COUNTRIES)
    catalog = sum(len(sandbox.catalog.country(c)) for c in COUNTRIES)
    assert sum(r.available_count or 0 for r in walk) == catalog  # every number, once
    for record in walk:
        assert record.available_count == len(record.available_numbers)
        assert all(n.startswith("+") for n in record.available_numbers)
        assert record.skus and all(s.monthly_price > 0 for s in record.skus)
        assert split_external_id(record.external_id)[0] == record.country
    types = {(r.country, r.number_type.value) for r in walk}
    assert ("GB", "mobile") in types and ("US", "local") in types


def test_coverage_is_deterministic(walk: list[CoverageRecord]) -> None:
    again = list(adapter_for(PbxmeSandbox(credentials=CREDENTIALS)).coverage())
    assert again == walk


def test_order_lifecycle(
    adapter: PbxmeAdapter, sandbox: PbxmeSandbox, walk: list[CoverageRecord]
) -> None:
    group = local_group(walk)
    offered = adapter.available_numbers(group.external_id, limit=10)
    assert [n.number for n in offered] == list(group.available_numbers)

    placed = adapter.place_order(
        OrderRequest(our_reference="ref-1", group_external_id=group.external_id, quantity=1)
    )
    assert placed.status is OrderStatus.COMPLETED
    assert placed.numbers == (offered[0].number,)
    polled = adapter.get_order(placed.external_id)
    assert (polled.status, polled.numbers) == (OrderStatus.COMPLETED, placed.numbers)

    sku = group.skus[0]
    assert adapter.check().balance == Decimal("500.00") - sku.setup_price - sku.monthly_price
    remaining = adapter.available_numbers(group.external_id, limit=10)
    assert placed.numbers[0] not in [n.number for n in remaining]

    owned = list(adapter.owned_numbers())
    assert [(o.number, o.group_external_id) for o in owned] == [
        (placed.numbers[0], group.external_id)
    ]

    desk = RouteTarget(DestinationKind.SIP_URI, "sip:desk@pbx.example.com")
    adapter.route_set(placed.numbers[0], Route(desk))
    (record,) = sandbox.state.owned.values()
    assert (record.forward_type, record.forward_destination) == ("sip", "desk@pbx.example.com")

    adapter.release(placed.numbers[0])
    assert list(adapter.owned_numbers()) == []
    assert adapter.get_order(placed.external_id).status is OrderStatus.CANCELED


def test_exact_numbers(adapter: PbxmeAdapter, walk: list[CoverageRecord]) -> None:
    group = next(r for r in walk if r.country == "GB" and (r.available_count or 0) >= 2)
    wanted = group.available_numbers[-2:]
    placed = adapter.place_order(
        OrderRequest(our_reference="ref-x", group_external_id=group.external_id, numbers=wanted)
    )
    assert (placed.status, placed.numbers) == (OrderStatus.COMPLETED, wanted)
    with pytest.raises(errors.NotFound):  # gone now
        adapter.place_order(
            OrderRequest(our_reference="ref-y", group_external_id=group.external_id, numbers=wanted)
        )


def test_wrong_credentials(sandbox: PbxmeSandbox) -> None:
    adapter = adapter_for(sandbox, credentials={"username": "YOUR_USERNAME", "password": "nope"})
    with pytest.raises(errors.AuthFailed, match="Invalid username or password"):
        adapter.check()


def test_insufficient_balance(walk: list[CoverageRecord]) -> None:
    sandbox = PbxmeSandbox(credentials=CREDENTIALS, balance=Decimal("0.10"))
    adapter = adapter_for(sandbox)
    group = local_group(walk, "GB")
    with pytest.raises(errors.InsufficientFunds):
        adapter.place_order(OrderRequest(our_reference="poor", group_external_id=group.external_id))
    assert sandbox.state.assignments == []
    assert sandbox.state.balance == Decimal("0.10")


def test_token_expiring_by_calls_is_renewed(walk: list[CoverageRecord]) -> None:
    sandbox = PbxmeSandbox(credentials=CREDENTIALS, token_max_calls=2)
    adapter = adapter_for(sandbox)
    group = local_group(walk)
    for _ in range(3):
        adapter.check()
    # The purchase meets an expired token; it is repeated once, and buys exactly once.
    placed = adapter.place_order(
        OrderRequest(our_reference="exp", group_external_id=group.external_id)
    )
    assert placed.status is OrderStatus.COMPLETED
    assert len(sandbox.state.assignments) == 1
    assert sandbox.state.logins >= 3
    assert adapter.client.logins == sandbox.state.logins


def test_token_expiring_by_time_is_renewed() -> None:
    clock = Clock()
    sandbox = PbxmeSandbox(credentials=CREDENTIALS, token_ttl=3600, clock=clock)
    adapter = adapter_for(sandbox)
    adapter.check()
    clock.now += 3601
    assert adapter.check().balance == Decimal("500.00")
    assert sandbox.state.logins == 2


@pytest.mark.parametrize("limit_status", [429, 200])
def test_hourly_limit(limit_status: int) -> None:
    clock = Clock()
    sandbox = PbxmeSandbox(
        credentials=CREDENTIALS, hourly_limit=3, limit_status=limit_status, clock=clock
    )
    adapter = adapter_for(sandbox)
    adapter.check()  # login + balance
    adapter.check()  # balance
    with pytest.raises(errors.RateLimited, match="hourly"):
        adapter.check()
    clock.now += 3600
    assert adapter.check().ok


@pytest.mark.parametrize("lost_mode", ["timeout", "502"])
def test_lost_purchase_is_resolved_by_find_order(
    walk: list[CoverageRecord], lost_mode: str
) -> None:
    sandbox = PbxmeSandbox(credentials=CREDENTIALS)
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode=lost_mode))
    adapter = adapter_for(sandbox, transport=faulty, name=f"lost-{lost_mode}")
    group = local_group(walk)
    # As provisioning does for PBXme: pick first, persist the picks, then buy them.
    (pick,) = adapter_for(sandbox, name=f"pick-{lost_mode}").available_numbers(
        group.external_id, limit=1
    )
    request = OrderRequest(
        our_reference="lost-1",
        group_external_id=group.external_id,
        numbers=(pick.number,),
        number_ids=(pick.external_id,),
    )
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(request)
    found = adapter.find_order("lost-1", request=request)
    assert found is not None
    assert found.status is OrderStatus.COMPLETED
    assert found.numbers == (group.available_numbers[0],)
    assert len(sandbox.state.assignments) == 1  # exactly one purchase upstream
    assert len(sandbox.state.owned) == 1
