"""Orders over respx: refusals before any call, previews, lost answers, item statuses."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.types import OrderRequest, OrderStatus

from .support import api, error, order_body

ORDERS = "/v1/dids/orders"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 101}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"numbers": ("+12125550100",)}, "numbers"),
        ({"billing_cycle": "annual"}, "billing_cycle"),
        ({"group_external_id": "abc"}, "group_external_id"),
    ],
)
def test_refused_before_any_http_call(
    adapter: IdtExpressAdapter, router: respx.MockRouter, change: dict, field: str
):
    base = OrderRequest(our_reference="oi", group_external_id="16847", quantity=1)
    request = replace(base, **change)
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(request)
    assert caught.value.field == field
    assert str(caught.value).startswith("IDT Express")
    assert len(router.calls) == 0


def test_purchase_is_never_retried_and_lost_answer_is_found(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    def create(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["preview"]:
            return api(200, order_body(status="Preview", item_status="Preview", ordered=2))
        raise httpx.ReadTimeout("answer lost")

    post = router.post(ORDERS).mock(side_effect=create)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    summary = {"id": "aaa-bbb-cccc", "created_at": now, "status": "Processing",
               "ordered": {"quantity": 2}, "fulfilled": {"quantity": 0}}  # fmt: skip
    old = {**summary, "id": "old-old-0000", "created_at": "2020-01-01T00:00:00.000Z"}
    router.get(ORDERS).mock(
        return_value=api(200, {"orders": [summary, old], "meta": {"page": 1, "total": 2}})
    )
    router.get(f"{ORDERS}/aaa-bbb-cccc").mock(
        return_value=api(200, order_body("aaa-bbb-cccc", ordered=2, created_at=now))
    )
    request = OrderRequest(our_reference="oi-lost", group_external_id="16847", quantity=2)
    started = datetime.now(UTC)  # what provisioning persists before the call
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(request)
    assert post.call_count == 2  # one preview, one purchase: the purchase was not repeated
    found = adapter.find_order("oi-lost", request=request, placed_after=started)
    assert found is not None
    assert found.external_id == "aaa-bbb-cccc"
    assert found.status is OrderStatus.PENDING
    assert found.our_reference == "oi-lost"


@pytest.mark.parametrize("answer", [api(502, {}), api(200, text="not json"), api(200, {"x": 1})])
def test_purchase_5xx_or_unreadable_answer_is_outcome_unknown(
    adapter: IdtExpressAdapter, router: respx.MockRouter, answer: httpx.Response
):
    def create(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["preview"]:
            return api(200, order_body(status="Preview", item_status="Preview"))
        return answer

    post = router.post(ORDERS).mock(side_effect=create)
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(OrderRequest(our_reference="oi-5", group_external_id="16847"))
    assert post.call_count == 2


def test_preview_is_retried_but_purchase_is_not(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    calls: list[bool] = []

    def create(request: httpx.Request) -> httpx.Response:
        preview = json.loads(request.content)["preview"]
        calls.append(preview)
        if preview and calls.count(True) == 1:
            return api(503, {})
        return api(200, order_body(status="Created", ordered=1))

    router.post(ORDERS).mock(side_effect=create)
    adapter.place_order(OrderRequest(our_reference="oi-6", group_external_id="16847"))
    assert calls == [True, True, False]


def test_find_order_without_the_persisted_request_refuses(adapter: IdtExpressAdapter):
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.find_order("never-placed-here")
    assert caught.value.field == "our_reference"
    assert caught.value.permanent is True


def test_refused_purchase_leaves_nothing_to_find(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    def create(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["preview"]:
            return api(200, order_body(status="Preview", item_status="Preview"))
        return api(422, error(422, 4004, "Invalid DID Group"))

    router.post(ORDERS).mock(side_effect=create)
    with pytest.raises(errors.InvalidRequest):
        adapter.place_order(OrderRequest(our_reference="oi-7", group_external_id="16847"))
    with pytest.raises(errors.InvalidRequest, match="no reference"):
        adapter.find_order("oi-7")


def test_item_status_insufficient_funds_is_a_canceled_order(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    body = order_body(
        "x1", status="Complete", item_status="Canceled \N{EN DASH} Insufficient Funds", ordered=2
    )
    router.get(f"{ORDERS}/x1").mock(return_value=api(200, body))
    order = adapter.get_order("x1")
    assert order.status is OrderStatus.CANCELED
    assert "insufficient funds" in order.detail
    assert order.numbers == ()


def test_short_fulfilment_is_partial(adapter: IdtExpressAdapter, router: respx.MockRouter):
    body = order_body(
        "x2",
        status="Complete",
        item_status="Partially Fulfilled \N{EN DASH} Complete",
        ordered=3,
        fulfilled=1,
        numbers=("0115571350015",),
    )
    router.get(f"{ORDERS}/x2").mock(return_value=api(200, body))
    order = adapter.get_order("x2")
    assert order.status is OrderStatus.PARTIAL
    assert order.numbers == ("+5571350015",)
    assert order.quantity_ordered == 3
