"""Picking with DIDWW: available DIDs listed with their ids, ordered by ``available_did_id``."""

from __future__ import annotations

import json

import pytest
import respx

from inventory.providers import errors
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.types import OrderRequest

from .support import api, errors_body

GROUP = "ef7c258f-19b9-478b-ab68-d6b30d00c9f9"
SKU = "e2406add-fd8a-475c-b959-81e9619d7a4b"
DID_ID = "7c5a9c4c-3c31-4a5e-9b0f-2c8f3c7f1a11"


def available(did_id: str, number: str) -> dict:
    return {
        "data": {
            "id": did_id,
            "type": "available_dids",
            "attributes": {"number": number},
            "relationships": {},
        }
    }


def placed(status: str = "Pending") -> dict:
    return {
        "data": {
            "id": "eb23b1a4-f4fd-4960-9f46-750ec920cde8",
            "type": "orders",
            "attributes": {
                "amount": "8.0", "status": status, "created_at": "2026-03-18T11:41:20.443Z",
                "description": "DID", "reference": "RNQ-961086", "external_reference_id": "R-1",
                "items": [{"type": "did_order_items", "attributes": {
                    "qty": 1, "setup_price": "4.0", "monthly_price": "4.0", "did_group_id": GROUP,
                }}],
            },
        }
    }  # fmt: skip


def request(**kw) -> OrderRequest:
    return OrderRequest(our_reference="R-1", group_external_id=GROUP, sku_external_id=SKU, **kw)


def test_available_numbers_carry_their_ids(adapter: DidwwAdapter, router: respx.MockRouter):
    listed = router.get("/v3/available_dids").mock(
        return_value=api(200, {"data": [available(DID_ID, "12125550123")["data"]],
                               "links": {"first": "x", "last": "x"}})
    )  # fmt: skip
    found = adapter.available_numbers(GROUP, limit=20)
    assert [(n.number, n.external_id) for n in found] == [("+12125550123", DID_ID)]
    assert listed.calls.last.request.url.params["filter[did_group.id]"] == GROUP


def test_a_pick_is_checked_then_ordered_by_its_available_did_id(adapter, router):
    router.get(f"/v3/available_dids/{DID_ID}").mock(
        return_value=api(200, available(DID_ID, "12125550123"))
    )
    create = router.post("/v3/orders").mock(return_value=api(201, placed()))
    order = adapter.place_order(request(numbers=("+12125550123",), number_ids=(DID_ID,)))
    sent = json.loads(create.calls.last.request.content)["data"]["attributes"]
    assert sent["items"] == [
        {"type": "did_order_items", "attributes": {"sku_id": SKU, "available_did_id": DID_ID}}
    ]
    assert sent["external_reference_id"] == "R-1" and order.our_reference == "R-1"


def test_an_id_that_now_names_another_number_buys_nothing(adapter, router):
    router.get(f"/v3/available_dids/{DID_ID}").mock(
        return_value=api(200, available(DID_ID, "12125550999"))
    )
    create = router.post("/v3/orders").mock(return_value=api(201, placed()))
    with pytest.raises(errors.InvalidRequest, match="not \\+12125550123"):
        adapter.place_order(request(numbers=("+12125550123",), number_ids=(DID_ID,)))
    assert not create.called


def test_a_pick_taken_meanwhile_buys_nothing(adapter, router):
    router.get(f"/v3/available_dids/{DID_ID}").mock(
        return_value=api(404, errors_body(404, "Record not found"))
    )
    create = router.post("/v3/orders").mock(return_value=api(201, placed()))
    with pytest.raises(errors.NotFound):
        adapter.place_order(request(numbers=("+12125550123",), number_ids=(DID_ID,)))
    assert not create.called


def test_numbers_without_ids_are_refused_before_any_call(adapter, router):
    create = router.post("/v3/orders").mock(return_value=api(201, placed()))
    with pytest.raises(errors.InvalidRequest, match="available DID id"):
        adapter.place_order(request(numbers=("+12125550123",)))
    assert not create.called


def test_an_on_request_order_allows_back_ordering(adapter, router):
    create = router.post("/v3/orders").mock(return_value=api(201, placed()))
    adapter.place_order(request(quantity=3, allow_backorder=True))
    sent = json.loads(create.calls.last.request.content)["data"]["attributes"]
    assert sent["allow_back_ordering"] is True
    assert sent["items"][0]["attributes"] == {"sku_id": SKU, "qty": 3}
