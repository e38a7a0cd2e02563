"""find_order's full contract: DIDWW resolves by external_reference_id and ignores the rest."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.types import OrderRequest, OrderStatus

from .support import DOC, api, make_adapter

REQUEST = OrderRequest(our_reference="item-7", group_external_id="g-1", sku_external_id="s-1")


def test_orders_carry_our_reference():
    assert "reference" in DidwwAdapter.capabilities


def test_a_new_process_finds_the_lost_order_with_the_new_arguments(router, adapter):
    started = datetime.now(UTC)
    router.post("/v3/orders").mock(side_effect=httpx.ReadTimeout("lost"))
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(REQUEST)

    found = copy.deepcopy(DOC["order_response_sku"])
    found["data"]["attributes"]["status"] = "Pending"
    found["data"]["attributes"]["external_reference_id"] = "item-7"
    listing = router.get("/v3/orders", params={"filter[external_reference_id]": "item-7"})
    listing.mock(return_value=api(200, {"data": [found["data"]], "meta": {"total_records": 1}}))

    elsewhere = make_adapter()  # DIDWW needs no memory of the attempt
    order = elsewhere.find_order(
        "item-7",
        request=REQUEST,
        placed_after=started,
        claimed=frozenset({"some-other-order"}),
    )
    assert order is not None
    assert (order.external_id, order.status) == (found["data"]["id"], OrderStatus.PENDING)
    assert listing.call_count == 1


def test_none_with_the_new_arguments_too(router, adapter):
    router.get("/v3/orders").mock(return_value=api(200, {"data": []}))
    assert adapter.find_order("item-7", request=REQUEST, placed_after=datetime.now(UTC)) is None
