"""The DIDWW adapter against the DIDWW simulator: account, catalog, faults, API details."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import stamina

from inventory.providers import errors
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.http import AccountConfig
from inventory.providers.types import (
    CoverageRecord,
    DestinationKind,
    NumberType,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.faults import FaultConfig, FaultyTransport

from .didww_support import BASE, KEY, adapter_for, make, raw, stocked_nxx


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="module")
def walked() -> tuple[DidwwSandbox, list[CoverageRecord]]:
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    with stamina.set_testing(True, attempts=3):
        return sandbox, list(adapter_for(sandbox).coverage())


# --- account and catalog ----------------------------------------------------------------------


def test_check_reports_the_balance():
    _sandbox, adapter = make(balance=Decimal("123.45"))
    status = adapter.check()
    assert status.ok and status.balance == Decimal("123.45") and status.currency == "USD"


def test_wrong_key_is_auth_failed():
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    with pytest.raises(errors.AuthFailed, match="DIDWW rejected the API key"):
        adapter_for(sandbox, key="wrong").check()
    response = raw(sandbox, "GET", "/v3/balance", headers={"Api-Key": "wrong"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["status"] == "401"


def test_full_coverage_walk(walked):
    _sandbox, records = walked
    kinds = Counter((r.country, r.number_type) for r in records)
    assert kinds[("US", NumberType.LOCAL)] == 3000  # one record per NPA-NXX exchange
    assert kinds[("CA", NumberType.LOCAL)] == 400
    assert kinds[("US", NumberType.TOLL_FREE)] == 7
    assert {r.country for r in records} >= {"US", "CA", "GB", "DE", "FR", "JP", "BR"}
    assert {r.number_type for r in records} == set(NumberType)
    assert len({r.external_id for r in records}) == len(records)
    us = [r for r in records if r.country == "US" and r.number_type is NumberType.LOCAL]
    assert all(len(r.npa) == 3 and len(r.nxx) == 3 and r.region_code.startswith("US-") for r in us)
    assert len({r.region_code for r in us}) == 51  # every state and DC
    assert all(r.skus and r.skus[0].monthly_price > 0 for r in records)
    gb = next(r for r in records if r.country == "GB" and r.city == "London")
    assert gb.area_prefix == "20" and gb.region_code == "GB-ENG" and gb.npa == ""
    assert any(r.needs_registration for r in records)
    assert not any(r.needs_registration for r in us)


def test_catalog_is_deterministic_per_seed(walked):
    _sandbox, records = walked
    again = list(adapter_for(DidwwSandbox(credentials={"api_key": KEY})).coverage())
    assert [r.external_id for r in again] == [r.external_id for r in records]
    other = DidwwSandbox(credentials={"api_key": KEY}, seed=2)
    assert (
        other.catalog.groups[0].id
        != DidwwSandbox(credentials={"api_key": KEY}).catalog.groups[0].id
    )


def test_pages_are_capped_so_clients_follow_links(walked):
    sandbox, _records = walked
    body = raw(sandbox, "GET", "/v3/nanpa_prefixes", params={"page[size]": "1000"}).json()
    assert len(body["data"]) == 500
    assert body["meta"]["total_records"] == 3400
    assert "page%5Bnumber%5D=2" in body["links"]["next"]
    last = raw(
        sandbox, "GET", "/v3/nanpa_prefixes", params={"page[size]": "1000", "page[number]": "7"}
    )
    assert len(last.json()["data"]) == 400 and "next" not in last.json()["links"]


def test_unknown_filter_is_400_code_102(walked):
    sandbox, _records = walked
    response = raw(sandbox, "GET", "/v3/did_groups", params={"filter[colour]": "red"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "102"


def test_routing_a_number_not_owned_is_not_found_and_makes_no_trunk():
    sandbox, adapter = make()
    target = RouteTarget(DestinationKind.SIP_URI, "sip:pbx@example.com")
    with pytest.raises(errors.NotFound):
        adapter.route_set("+12125550100", Route(target))
    assert not sandbox.voice_in.trunks


def test_lost_answer_is_resolved_by_reference_without_a_second_order(walked):
    _shared, records = walked
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="timeout"))
    adapter = adapter_for(sandbox, transport=faulty)
    record = stocked_nxx(sandbox, records)
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(
            OrderRequest(
                our_reference="ref-9",
                group_external_id=record.external_id,
                sku_external_id=record.skus[0].external_id,
            )
        )
    found = adapter.find_order("ref-9")
    assert found is not None and found.our_reference == "ref-9"
    assert len(sandbox.state.orders) == 1
    assert adapter.find_order("ref-unknown") is None


def test_cancel_refunds_a_pending_order(walked):
    _shared, records = walked
    sandbox, adapter = make(fulfil_after_polls=5)
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-10",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
        )
    )
    assert sandbox.state.balance < Decimal("500.00")
    assert raw(sandbox, "DELETE", f"/v3/orders/{order.external_id}").status_code == 204
    assert sandbox.state.balance == Decimal("500.00")
    assert adapter.get_order(order.external_id).status is OrderStatus.CANCELED


def test_api_details_the_adapter_relies_on(walked):
    sandbox, _records = walked
    assert sandbox.is_purchase(httpx.Request("POST", f"{BASE}/v3/orders"))
    assert not sandbox.is_purchase(httpx.Request("GET", f"{BASE}/v3/orders"))
    wrong_type = raw(
        sandbox, "POST", "/v3/orders", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415
    body = {"data": {"type": "orders", "attributes": {"items": []}}}
    empty = raw(
        sandbox,
        "POST",
        "/v3/orders",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/vnd.api+json"},
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["source"]["pointer"] == "/data/attributes/items"
    error = sandbox.error_response(503, "Service Unavailable")
    assert error.status_code == 503 and error.json()["errors"][0]["title"] == "Service Unavailable"


def test_statuses_are_lower_case_without_the_version_header(walked):
    _shared, records = walked
    sandbox, adapter = make()
    record = stocked_nxx(sandbox, records)
    order = adapter.place_order(
        OrderRequest(
            our_reference="ref-11",
            group_external_id=record.external_id,
            sku_external_id=record.skus[0].external_id,
        )
    )
    titled = raw(
        sandbox,
        "GET",
        f"/v3/orders/{order.external_id}",
        headers={"X-DIDWW-API-Version": "2022-05-10"},
    )
    plain = raw(sandbox, "GET", f"/v3/orders/{order.external_id}")
    assert titled.json()["data"]["attributes"]["status"] == "Completed"
    assert plain.json()["data"]["attributes"]["status"] == "completed"


def test_served_over_real_http(walked):
    from threading import Thread

    from inventory.sandbox.server import make_server

    _shared, records = walked
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    server = make_server({"didww": sandbox}, port=0)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        adapter = DidwwAdapter(
            AccountConfig(
                name="http",
                kind="didww",
                base_url=server.base_url("didww"),
                currency="USD",
                credentials={"api_key": KEY},
            )
        )
        record = stocked_nxx(sandbox, records)
        order = adapter.place_order(
            OrderRequest(our_reference="ref-14", group_external_id=record.external_id)
        )
        assert adapter.get_order(order.external_id).status is OrderStatus.COMPLETED
        assert len(list(adapter.owned_numbers())) == 1
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("parts", [("grp", "US", "212"), ("sku", "é€", ""), ("",), ("a:b", "c")])
def test_catalog_ids_are_the_uuid5_of_their_parts(parts):
    import uuid

    from inventory.sandbox.didww_catalog import Catalog

    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "didhub-sandbox-didww:7")
    assert Catalog(seed=7, scale=1).uid(*parts) == str(uuid.uuid5(namespace, ":".join(parts)))
