"""The IDT Express simulator at the HTTP level: shapes, auth, validation, paging, state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from inventory.providers.normalize import to_e164
from inventory.sandbox.idtexpress import IdtExpressSandbox

CREDENTIALS = {"api_key": "k", "api_secret": "s"}
AUTH = {"x-api-key": "k", "x-api-secret": "s"}
BASE = "https://sandbox-api.idtexpress.com"
EN_DASH = "\N{EN DASH}"


def make(**kw: Any) -> IdtExpressSandbox:
    return IdtExpressSandbox(credentials=CREDENTIALS, **kw)


def call(
    sandbox: IdtExpressSandbox,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(
        method,
        f"{BASE}{path}",
        params=params,
        json=body,
        headers=AUTH if headers is None else headers,
    )
    return sandbox.handle(request)


def order(sandbox: IdtExpressSandbox, group_id: int, quantity: int = 1, **extra: Any):
    body = {"order_items": [{"did_group_id": group_id, "quantity": quantity}], **extra}
    return call(sandbox, "POST", "/v1/dids/orders", body=body)


def first_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["api_request_id"], str) and body["api_request_id"]
    assert len(body["errors"]) == 1
    return body["errors"][0]


def us_group(sandbox: IdtExpressSandbox, index: int = 0):
    return [g for g in sandbox.catalog.groups("US") if not g.toll_free][index]


def test_construction_is_lazy_and_catalog_deterministic():
    sandbox = make()
    assert sandbox.catalog._groups == {}  # nothing generated until someone asks
    params = {"country_iso": "US", "region_code": "US-NY"}
    one = call(sandbox, "GET", "/v1/dids/coverage/did_groups", params=params).json()
    again = call(make(), "GET", "/v1/dids/coverage/did_groups", params=params).json()
    other = call(make(seed=2), "GET", "/v1/dids/coverage/did_groups", params=params).json()
    assert one == again
    assert one != other
    assert one["meta"]["total"] == len(one["did_groups"]) > 10


def test_scale_multiplies_us_groups():
    small = [g for g in make().catalog.groups("US") if not g.toll_free]
    large = [g for g in make(scale=3).catalog.groups("US") if not g.toll_free]
    assert (len(small), len(large)) == (3000, 9000)


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-api-key": "k"}, {"x-api-key": "k", "x-api-secret": "wrong"}],
)
def test_wrong_credentials_are_refused(headers: dict[str, str]):
    response = call(make(), "GET", "/v1/dids/coverage/countries", headers=headers)
    assert response.status_code == 403
    err = first_error(response)
    assert (err["code"], err["title"]) == (2000, "Access Denied")


def test_unknown_endpoint_is_404():
    response = call(make(), "GET", "/v1/dids/nothing")
    assert response.status_code == 404
    assert first_error(response)["code"] == 1003


def test_countries_and_regions():
    sandbox = make()
    body = call(sandbox, "GET", "/v1/dids/coverage/countries").json()
    by_iso = {c["iso"]: c for c in body["countries"]}
    assert body["meta"]["total"] == len(body["countries"]) == 22
    assert by_iso["US"] == {
        "name": "USA", "iso": "US", "has_regions": True, "supports_toll_free": True,
    }  # fmt: skip
    assert by_iso["PE"]["has_regions"] is False
    us = call(sandbox, "GET", "/v1/dids/coverage/countries/US/regions").json()
    assert us["meta"]["total"] == 51
    assert {"name": "New York", "code": "US-NY"} in us["regions"]
    ca = call(sandbox, "GET", "/v1/dids/coverage/countries/CA/regions").json()
    assert {"name": "Newfoundland and Labrador", "code": "CA-NF"} in ca["regions"]
    pe = call(sandbox, "GET", "/v1/dids/coverage/countries/PE/regions").json()
    assert pe == {"regions": [], "meta": {"total": 0}}
    unknown = call(sandbox, "GET", "/v1/dids/coverage/countries/ZZ/regions")
    assert (unknown.status_code, first_error(unknown)["code"]) == (422, 4003)


def test_did_group_shapes():
    sandbox = make()
    params = {"country_iso": "US", "region_code": "US-AK"}
    rows = call(sandbox, "GET", "/v1/dids/coverage/did_groups", params=params).json()["did_groups"]
    row = rows[0]
    assert set(row) == {
        "id", "name", "country_calling_code", "area_code", "nxx", "toll_free", "country",
        "region", "fees",
    }  # fmt: skip
    assert row["region"] == {"name": "Alaska", "code": "US-AK"}
    assert row["name"].endswith(f"({row['area_code']}) {row['nxx']}")
    assert set(row["fees"]) == {"setup_fee", "monthly_fee", "per_minute_rate"}
    assert Decimal("0") <= Decimal(row["fees"]["setup_fee"]) <= Decimal("1")
    assert Decimal("0.5") <= Decimal(row["fees"]["monthly_fee"]) <= Decimal("2")
    world = call(sandbox, "GET", "/v1/dids/coverage/did_groups", params={"country_iso": "BR"})
    groups = world.json()["did_groups"]
    assert all(g["nxx"] is None and "region" not in g and not g["toll_free"] for g in groups)
    toll_free = call(
        sandbox, "GET", "/v1/dids/coverage/did_groups",
        params={"country_iso": "US", "toll_free": "true"},
    ).json()["did_groups"]  # fmt: skip
    assert [g["area_code"] for g in toll_free] == ["800", "833", "844", "855", "866", "877", "888"]
    assert all(g["toll_free"] and "region" not in g for g in toll_free)


@pytest.mark.parametrize(
    ("params", "code", "field", "detail"),
    [
        ({"country_iso": "US"}, 1001, "region_code", "region_code is required for US"),
        ({}, 1001, "country_iso", "country_iso is required"),
        ({"country_iso": "ZZ"}, 4003, "country_iso", None),
        ({"country_iso": "US", "region_code": "US-XX"}, 4002, "region_code", None),
        ({"country_iso": "PE", "toll_free": "true"}, 4000, "toll_free", None),
        (
            {"country_iso": "US", "region_code": "US-NY", "toll_free": "true"},
            1002,
            "region_code",
            None,
        ),
        ({"country_iso": "US", "toll_free": "maybe"}, 1002, "toll_free", None),
    ],
)
def test_did_group_validation(params: dict, code: int, field: str, detail: str | None):
    response = call(make(), "GET", "/v1/dids/coverage/did_groups", params=params)
    assert response.status_code == 422
    err = first_error(response)
    assert (err["code"], err["field"]) == (code, field)
    assert "source" not in err  # never on GET requests, as documented
    if detail:
        assert err["detail"] == detail


@pytest.mark.parametrize(
    ("items", "code", "detail"),
    [
        ([{"did_group_id": 1000000, "quantity": 0}], 1002, "Quantity must be greater than 0"),
        ([{"did_group_id": 1000000, "quantity": 101}], 1002, None),
        ([{"did_group_id": 1000000, "quantity": 1}] * 2, 1002, None),
        ([{"quantity": 1}], 1001, None),
        ([{"did_group_id": "1000000", "quantity": 1}], 1002, None),
        ([{"did_group_id": 999, "quantity": 1}], 4004, None),
        ([], 1001, None),
    ],
)
def test_order_validation(items: list, code: int, detail: str | None):
    sandbox = make()
    response = call(sandbox, "POST", "/v1/dids/orders", body={"order_items": items})
    assert response.status_code == 422
    err = first_error(response)
    assert err["code"] == code
    assert err["source"].startswith("/order_items")
    if detail:
        assert err["detail"] == detail
    assert sandbox.state.orders == {}


def test_preview_spends_nothing_and_is_no_purchase():
    sandbox = make()
    group = us_group(sandbox)
    request = httpx.Request(
        "POST", f"{BASE}/v1/dids/orders", headers=AUTH,
        json={"preview": True, "order_items": [{"did_group_id": group.id, "quantity": 2}]},
    )  # fmt: skip
    assert sandbox.is_purchase(request) is False
    response = sandbox.handle(request)
    assert response.status_code == 200
    assert response.json()["order"]["order_items"][0]["status"] == "Preview"
    assert sandbox.state.orders == {}
    assert sandbox.state.balance == Decimal("500.00")
    items = {"order_items": [{"did_group_id": group.id, "quantity": 2}]}
    real = httpx.Request("POST", f"{BASE}/v1/dids/orders", headers=AUTH, json=items)
    assert sandbox.is_purchase(real) is True
    assert sandbox.is_purchase(httpx.Request("GET", f"{BASE}/v1/dids/orders")) is False


def test_insufficient_funds_error_shape():
    sandbox = make(balance=Decimal("0.31"))
    group = next(g for g in sandbox.catalog.groups("GB") if g.price > 1)
    response = order(sandbox, group.id, 3)
    assert response.status_code == 422
    err = first_error(response)
    assert (err["code"], err["title"], err["source"]) == (3001, "Insufficient Funds", "/")
    assert "account balance: 0.31" in err["detail"]
    assert sandbox.state.orders == {}


def test_order_lifecycle_numbers_and_balance():
    sandbox = make()
    group = us_group(sandbox)
    sandbox.set_stock(group.id, 10)
    created = order(sandbox, group.id, 3).json()["order"]
    assert created["status"] == "Created"
    assert created["order_items"][0]["numbers"] == []
    assert sandbox.state.balance == Decimal("500.00")
    done = call(sandbox, "GET", f"/v1/dids/orders/{created['id']}").json()["order"]
    item = done["order_items"][0]
    assert item["status"] == f"Fulfilled {EN_DASH} Complete"
    assert done["fulfilled"] == {"quantity": 3}
    numbers = [n["number"] for n in item["numbers"]]
    assert all(n.startswith(f"0111{group.area_code}{group.nxx}") for n in numbers)
    assert all(to_e164(n).startswith("+1") for n in numbers)
    assert sandbox.state.balance == Decimal("500.00") - group.price * 3
    listed = call(sandbox, "GET", "/v1/dids/numbers").json()
    assert [n["number"] for n in listed["numbers"]] == numbers
    assert listed["numbers"][0]["did_group"]["id"] == group.id


def test_partial_then_backorder_filled():
    sandbox = make(backorder_polls=1)
    group = us_group(sandbox, 1)
    sandbox.set_stock(group.id, 1)
    oid = order(sandbox, group.id, 4).json()["order"]["id"]
    first = call(sandbox, "GET", f"/v1/dids/orders/{oid}").json()["order"]
    assert first["order_items"][0]["status"] == f"Partially Fulfilled {EN_DASH} Backordered"
    assert first["order_items"][0]["cancelable"] is True
    assert first["fulfilled"]["quantity"] == 1
    assert first["status"] == "Backordered"
    second = call(sandbox, "GET", f"/v1/dids/orders/{oid}").json()["order"]
    assert second["order_items"][0]["status"] == f"Fulfilled {EN_DASH} Complete"
    assert second["fulfilled"]["quantity"] == 4
    assert len(set(sandbox.state.numbers)) == 4


def test_backorder_never_filled_when_disabled():
    sandbox = make(backorder_polls=None)
    group = us_group(sandbox, 2)
    sandbox.set_stock(group.id, 0)
    oid = order(sandbox, group.id, 2).json()["order"]["id"]
    for _ in range(5):
        item = call(sandbox, "GET", f"/v1/dids/orders/{oid}").json()["order"]["order_items"][0]
    assert item["status"] == "Backordered"
    assert item["numbers"] == []


def test_partial_funds_as_item_status():
    sandbox = make()
    group = us_group(sandbox, 3)
    sandbox.set_stock(group.id, 10)
    oid = order(sandbox, group.id, 3).json()["order"]["id"]
    sandbox.state.balance = group.price * 2  # enough for two of three by processing time
    item = call(sandbox, "GET", f"/v1/dids/orders/{oid}").json()["order"]["order_items"][0]
    assert item["status"] == f"Partially Fulfilled {EN_DASH} Insufficient Funds"
    assert item["fulfilled"]["quantity"] == 2
    assert sandbox.state.balance == Decimal("0")


def test_fulfil_after_seconds_uses_the_clock():
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    sandbox = make(fulfil_after_polls=99, fulfil_after_seconds=30, clock=lambda: now[0])
    group = us_group(sandbox, 4)
    sandbox.set_stock(group.id, 3)
    oid = order(sandbox, group.id).json()["order"]["id"]
    listed = call(sandbox, "GET", "/v1/dids/orders").json()["orders"][0]
    assert listed["fulfilled"]["quantity"] == 0
    now[0] += timedelta(seconds=31)
    listed = call(sandbox, "GET", "/v1/dids/orders").json()["orders"][0]
    assert (listed["id"], listed["status"], listed["fulfilled"]["quantity"]) == (oid, "Complete", 1)


def test_orders_listing_pages_newest_first_and_filters():
    sandbox = make(max_page_size=2)
    group = us_group(sandbox, 5)
    sandbox.set_stock(group.id, 20)
    ids = [order(sandbox, group.id).json()["order"]["id"] for _ in range(3)]
    call(sandbox, "GET", f"/v1/dids/orders/{ids[0]}")  # completes the oldest
    page1 = call(sandbox, "GET", "/v1/dids/orders", params={"page": "1", "page_size": "100"})
    body = page1.json()
    assert [o["id"] for o in body["orders"]] == [ids[2], ids[1]]
    assert body["meta"] == {"page": 1, "page_size": 2, "total": 3}  # page size capped
    page2 = call(sandbox, "GET", "/v1/dids/orders", params={"page": "2", "page_size": "100"})
    assert [o["id"] for o in page2.json()["orders"]] == [ids[0]]
    done = call(sandbox, "GET", "/v1/dids/orders", params={"filter_by_status": "complete"})
    assert [o["id"] for o in done.json()["orders"]] == [ids[0]]
    bad = call(sandbox, "GET", "/v1/dids/orders", params={"page": "0"})
    assert (bad.status_code, first_error(bad)["field"]) == (422, "page")


def test_delete_number_twice():
    sandbox = make()
    group = us_group(sandbox, 6)
    sandbox.set_stock(group.id, 2)
    oid = order(sandbox, group.id).json()["order"]["id"]
    number = call(sandbox, "GET", f"/v1/dids/orders/{oid}").json()["order"]["order_items"][0][
        "numbers"
    ][0]["number"]
    removed = call(sandbox, "DELETE", f"/v1/dids/numbers/{number}")
    assert removed.json() == {"number": number, "status": "removed"}
    listed = call(sandbox, "GET", "/v1/dids/numbers").json()["numbers"][0]
    assert listed["status"] == "removed" and "removed_at" in listed
    again = call(sandbox, "DELETE", f"/v1/dids/numbers/{number}")
    assert (again.status_code, first_error(again)["code"]) == (404, 4001)


@pytest.mark.parametrize(("status", "code"), [(429, 2002), (500, 1000), (503, 1000)])
def test_error_response_shape(status: int, code: int):
    response = make().error_response(status, "Too many requests")
    assert response.status_code == status
    err = first_error(response)
    assert err["code"] == code
    assert err["detail"] == "Too many requests"


def test_request_ids_differ():
    sandbox = make()
    a = call(sandbox, "GET", "/v1/dids/x").json()["api_request_id"]
    b = call(sandbox, "GET", "/v1/dids/x").json()["api_request_id"]
    assert a != b


def test_served_under_a_mount_prefix():
    # The HTTP server mounts simulators under /<kind>; the API root is found anywhere in the path.
    response = call(make(), "GET", "/idtexpress/v1/dids/coverage/countries")
    assert response.status_code == 200
    assert json.loads(response.content)["meta"]["total"] == 22
