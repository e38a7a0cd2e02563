"""The client and adapter against the document's own example responses, served with respx."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.types import Feature, NumberType, OrderRequest, OrderStatus

from . import doc_examples as doc
from .support import CREDENTIALS, EN_DASH, api, order_body

GROUPS = "/v1/dids/coverage/did_groups"


def test_check_sends_both_auth_headers(adapter: IdtExpressAdapter, router: respx.MockRouter):
    route = router.get("/v1/dids/coverage/countries").mock(
        return_value=api(200, text=doc.COUNTRIES)
    )
    status = adapter.check()
    assert status.ok is True
    assert status.balance is None  # IDT has no balance endpoint
    assert status.currency == "USD"
    assert "3 countries" in status.detail
    sent = route.calls.last.request
    assert sent.headers["x-api-key"] == CREDENTIALS["api_key"]
    assert sent.headers["x-api-secret"] == CREDENTIALS["api_secret"]


def test_coverage_walks_countries_regions_and_toll_free(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    router.get("/v1/dids/coverage/countries").mock(return_value=api(200, text=doc.COUNTRIES))
    regions = router.get("/v1/dids/coverage/countries/US/regions").mock(
        return_value=api(200, {"regions": [{"name": "Alaska", "code": "US-AK"}], "meta": {}})
    )
    empty = {"did_groups": [], "meta": {"total": 0}}
    alaska = router.get(GROUPS, params__contains={"country_iso": "US", "region_code": "US-AK"})
    alaska.mock(return_value=api(200, text=doc.DID_GROUPS))
    toll_free = router.get(GROUPS, params__contains={"country_iso": "US", "toll_free": "true"})
    toll_free.mock(return_value=api(200, empty))
    poland = router.get(GROUPS, params={"country_iso": "PL"}).mock(return_value=api(200, empty))
    puerto_rico = router.get(GROUPS, params={"country_iso": "PR"})
    puerto_rico.mock(return_value=api(200, empty))

    records = list(adapter.coverage())

    assert [r.external_id for r in records] == ["2992", "4884"]
    first = records[0]
    assert first.country == "US"
    assert first.number_type is NumberType.LOCAL
    assert first.features == frozenset({Feature.VOICE})
    assert first.region_code == "US-AK"
    assert first.region_name == "Alaska"
    assert first.city == "FANWOOD"
    assert (first.npa, first.nxx, first.area_prefix) == ("908", "312", "")
    assert first.skus[0].external_id == "2992"
    assert first.skus[0].setup_price == Decimal("0.00")
    assert first.skus[0].monthly_price == Decimal("5.00")
    assert records[1].city == "Monroe"
    # Every documented branch was asked once: regions for US only, toll-free without a region.
    assert regions.call_count == 1
    assert "region_code" not in toll_free.calls.last.request.url.params
    assert (poland.call_count, puerto_rico.call_count, toll_free.call_count) == (1, 1, 1)


def test_regions_example_maps_to_iso_3166_2(adapter: IdtExpressAdapter, router: respx.MockRouter):
    countries = {
        "countries": [
            {"name": "Canada", "iso": "CA", "has_regions": True, "supports_toll_free": False}
        ],
        "meta": {"total": 1},
    }
    router.get("/v1/dids/coverage/countries").mock(return_value=api(200, countries))
    router.get("/v1/dids/coverage/countries/CA/regions").mock(
        return_value=api(200, text=doc.REGIONS)
    )
    group = json.loads(doc.DID_GROUPS)["did_groups"][0]
    group.update(
        name="ST JOHNS (709) 722",
        area_code="709",
        nxx="722",
        country={"name": "Canada", "iso": "CA", "has_regions": True, "supports_toll_free": False},
        region={"name": "Newfoundland and Labrador", "code": "CA-NF"},
    )
    asked: list[str] = []

    def groups(request: httpx.Request) -> httpx.Response:
        code = request.url.params["region_code"]
        asked.append(code)
        rows = [group] if code == "CA-NF" else []
        return api(200, {"did_groups": rows, "meta": {"total": len(rows)}})

    router.get(GROUPS).mock(side_effect=groups)
    records = list(adapter.coverage())
    # IDT's own code goes back upstream; ours is the current ISO code for the province.
    assert asked == ["CA-AB", "CA-BC", "CA-MB", "CA-NF", "CA-NS", "CA-ON", "CA-QC"]
    assert [(r.region_code, r.city, r.npa, r.nxx) for r in records] == [
        ("CA-NL", "ST JOHNS", "709", "722")
    ]


def test_numbers_example_as_owned_numbers(adapter: IdtExpressAdapter, router: respx.MockRouter):
    route = router.get("/v1/dids/numbers").mock(return_value=api(200, text=doc.GET_NUMBERS))
    owned = list(adapter.owned_numbers())
    assert [n.number for n in owned] == [
        "+5117304800",
        "+557135001442",
        "+557135001540",
        "+557135001580",
    ]
    assert owned[0].external_id == "0115117304800"  # what Delete Number takes
    assert owned[0].group_external_id == "11895"
    assert owned[1].group_external_id == "16847"
    assert {n.status for n in owned} == {"active"}
    assert owned[0].extra["added_at"].startswith("2020-06-24T19:02:30")
    assert route.call_count == 1  # meta.total 4: one page
    assert route.calls.last.request.url.params["page"] == "1"


def test_place_order_previews_then_orders_the_example(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    bodies: list[dict] = []

    def create(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return api(200, text=doc.CREATE_ORDER)

    route = router.post("/v1/dids/orders").mock(side_effect=create)
    placed = adapter.place_order(
        OrderRequest(our_reference="oi-1", group_external_id="16847", quantity=3)
    )
    assert route.call_count == 2
    assert [b["preview"] for b in bodies] == [True, False]
    assert bodies[1]["order_items"] == [{"did_group_id": 16847, "quantity": 3}]
    assert placed.external_id == "f52-6d9-261b"
    assert placed.status is OrderStatus.PENDING
    assert placed.our_reference == "oi-1"
    assert placed.quantity_ordered == 3
    assert placed.numbers == ()


def test_get_order_example_is_completed(adapter: IdtExpressAdapter, router: respx.MockRouter):
    router.get("/v1/dids/orders/9c2-2e2-4b6f").mock(return_value=api(200, text=doc.GET_ORDER))
    order = adapter.get_order("9c2-2e2-4b6f")
    assert order.status is OrderStatus.COMPLETED
    assert order.numbers == ("+48448881015",)
    assert order.quantity_ordered == 1
    assert order.detail == f"Fulfilled {EN_DASH} Complete"


def test_orders_example_parsed(adapter: IdtExpressAdapter, router: respx.MockRouter):
    route = router.get("/v1/dids/orders").mock(return_value=api(200, text=doc.GET_ORDERS))
    orders = list(adapter.client.orders())
    assert [(o.id, o.status, o.ordered, o.fulfilled) for o in orders] == [
        ("710-1be-a8d7", "Processing", 2, 0),
        ("929-bcc-ed00", "Complete", 17, 17),
        ("018-7cb-5832", "Complete", 2, 0),
    ]
    assert orders[0].created_at == datetime(2020, 7, 5, 22, 58, 23, tzinfo=UTC)
    assert route.call_count == 1


def test_match_order_walks_the_example_order_list(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    router.get("/v1/dids/orders").mock(return_value=api(200, text=doc.GET_ORDERS))
    detail = router.get("/v1/dids/orders/710-1be-a8d7").mock(
        return_value=api(200, order_body("710-1be-a8d7", ordered=2, group_id=16847))
    )
    other = router.get("/v1/dids/orders/018-7cb-5832")
    found = adapter.match_order(
        "oi-9",
        group_external_id="16847",
        quantity=2,
        placed_after=datetime(2020, 7, 5, 22, 50, tzinfo=UTC),
    )
    assert found is not None
    assert found.external_id == "710-1be-a8d7"
    assert found.our_reference == "oi-9"
    assert detail.call_count == 1
    assert other.call_count == 0  # created long before the attempt: never fetched
    # find_order with the persisted request matches the same order again (nothing remembered).
    request = OrderRequest(our_reference="oi-9", group_external_id="16847", quantity=2)
    again = adapter.find_order(
        "oi-9", request=request, placed_after=datetime(2020, 7, 5, 22, 50, tzinfo=UTC)
    )
    assert again is not None and again.external_id == "710-1be-a8d7"


def test_release_sends_idt_number_form(adapter: IdtExpressAdapter, router: respx.MockRouter):
    route = router.delete("/v1/dids/numbers/01133975182372").mock(
        return_value=api(200, text=doc.DELETE_NUMBER)
    )
    adapter.release("+33975182372")
    assert route.call_count == 1


def test_insufficient_funds_example_stops_at_preview(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    route = router.post("/v1/dids/orders").mock(
        return_value=api(422, text=doc.ERROR_INSUFFICIENT_FUNDS)
    )
    with pytest.raises(errors.InsufficientFunds) as caught:
        adapter.place_order(OrderRequest(our_reference="oi-2", group_external_id="16847"))
    assert "IDT Express" in str(caught.value)
    assert "cost: 6.39, account balance: 0.31" in str(caught.value)
    assert caught.value.code == "3001"
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content)["preview"] is True


def test_invalid_field_example_in_ruby_notation(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    router.post("/v1/dids/orders").mock(return_value=api(422, text=doc.ERROR_INVALID_FIELD))
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(OrderRequest(our_reference="oi-3", group_external_id="16847"))
    assert caught.value.field == "quantity"
    assert caught.value.code == "1002"
    assert str(caught.value) == "IDT Express: Quantity must be greater than 0"
