"""Error bodies, retries, timeouts, broken bodies and pagination, served with respx."""

from __future__ import annotations

import copy
import json
import logging
from decimal import Decimal

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.types import (
    DestinationKind,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)

from .support import DOC, api, errors_body

BALANCE = {
    "data": {
        "id": "b-1",
        "type": "balances",
        "attributes": {"balance": "50.00", "credit": "10.00", "total_balance": "60.00"},
    }
}
REQUEST = OrderRequest(our_reference="item-7", group_external_id="g-1", sku_external_id="s-1")


def _order(status: str, *, qty: int = 1, ref: str = "item-7") -> dict:
    body = copy.deepcopy(DOC["order_response_sku"])
    body["data"]["attributes"]["status"] = status
    body["data"]["attributes"]["external_reference_id"] = ref
    body["data"]["attributes"]["items"][0]["attributes"]["qty"] = qty
    return body


def _did(did_id: str, number: str, **attrs) -> dict:
    return {
        "id": did_id,
        "type": "dids",
        "attributes": {
            "number": number,
            "blocked": False,
            "awaiting_registration": False,
            "terminated": False,
            "billing_cycles_count": None,
            "expires_at": "2026-04-18T11:41:20.443Z",
            **attrs,
        },
        "relationships": {"did_group": {"data": {"type": "did_groups", "id": "g-1"}}},
    }


def test_check_reads_the_balance_singleton(router, adapter):
    router.get("/v3/balance").mock(return_value=api(200, BALANCE))
    status = adapter.check()
    assert status.ok and status.balance == Decimal("50.00") and status.currency == "USD"
    assert "60.00" in status.detail


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_auth_failed(router, adapter, status):
    route = router.get("/v3/balance").mock(
        return_value=api(status, errors_body(status, "Unauthorized"))
    )
    with pytest.raises(errors.AuthFailed, match="DIDWW rejected the API key") as caught:
        adapter.check()
    assert caught.value.permanent
    assert route.call_count == 1  # not retried


def test_qty_exceeding_stock_is_invalid_request_with_the_field(router, adapter):
    body = errors_body(
        422,
        "items/0/qty - exceeds available DIDs count",
        code="100",
        pointer="/data/attributes/items/0/qty",
    )
    router.post("/v3/orders").mock(return_value=api(422, body))
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(REQUEST)
    assert caught.value.field == "items/0/qty"
    assert caught.value.code == "100"
    assert "exceeds available DIDs count" in str(caught.value)
    assert str(caught.value).startswith("DIDWW")


def test_field_comes_from_the_detail_when_there_is_no_pointer(router, adapter):
    body = errors_body(422, "items/0/qty - exceeds available DIDs count", code="100")
    router.post("/v3/orders").mock(return_value=api(422, body))
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(REQUEST)
    assert caught.value.field == "items/0/qty"


def test_insufficient_funds(router, adapter):
    router.post("/v3/orders").mock(return_value=api(400, errors_body(400, "Insufficient funds")))
    with pytest.raises(errors.InsufficientFunds, match="DIDWW: insufficient funds"):
        adapter.place_order(REQUEST)


def test_unknown_filter_is_invalid_request(router, adapter):
    body = errors_body(400, "foo is not allowed filter", code="102")
    router.get("/v3/orders").mock(return_value=api(400, body))
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.find_order("item-7")
    assert caught.value.code == "102"


def test_missing_order_is_not_found(router, adapter):
    router.get("/v3/orders/nope").mock(return_value=api(404, errors_body(404, "Record not found")))
    with pytest.raises(errors.NotFound, match="Record not found"):
        adapter.get_order("nope")


def test_429_with_retry_after_is_retried(router, adapter):
    limited = api(429, errors_body(429, "Too many requests"), **{"Retry-After": "0"})
    route = router.get("/v3/balance").mock(side_effect=[limited, api(200, BALANCE)])
    assert adapter.check().balance == Decimal("50.00")
    assert route.call_count == 2


def test_429_everywhere_ends_rate_limited(router, adapter):
    limited = api(429, errors_body(429, "Too many requests"), **{"Retry-After": "0"})
    router.get("/v3/balance").mock(return_value=limited)
    with pytest.raises(errors.RateLimited) as caught:
        adapter.check()
    assert caught.value.retry_after == 0.0
    assert not caught.value.permanent


def test_5xx_reads_are_retried(router, adapter):
    route = router.get("/v3/balance").mock(
        side_effect=[api(500, errors_body(500, "boom")), api(503), api(200, BALANCE)]
    )
    assert adapter.check().ok
    assert route.call_count == 3


def test_persistent_5xx_is_unavailable(router, adapter):
    route = router.get("/v3/balance").mock(return_value=api(503))
    with pytest.raises(errors.Unavailable):
        adapter.check()
    assert route.call_count == 3  # the testing attempt budget


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_transport_failures_on_reads_are_retried(router, adapter, exc):
    route = router.get("/v3/balance").mock(side_effect=[exc("x"), api(200, BALANCE)])
    assert adapter.check().ok
    assert route.call_count == 2


def test_malformed_json_is_unavailable(router, adapter):
    router.get("/v3/balance").mock(
        return_value=httpx.Response(
            200, content=b"<html>oops", headers={"Content-Type": "text/html"}
        )
    )
    with pytest.raises(errors.Unavailable, match="not JSON"):
        adapter.check()


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("lost"), api(502), api(500)])
def test_purchase_is_never_retried_and_outcome_unknown(router, adapter, failure):
    kwargs = (
        {"side_effect": failure} if isinstance(failure, Exception) else {"return_value": failure}
    )
    route = router.post("/v3/orders").mock(**kwargs)
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(REQUEST)
    assert route.call_count == 1


def test_unreadable_purchase_answer_is_outcome_unknown(router, adapter):
    router.post("/v3/orders").mock(return_value=api(201, {"data": {"type": "orders"}}))
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(REQUEST)


def test_lost_order_is_found_by_our_reference(router, adapter):
    router.post("/v3/orders").mock(side_effect=httpx.ReadTimeout("lost"))
    listing = router.get("/v3/orders", params={"filter[external_reference_id]": "item-7"})
    found = _order("Completed")
    listing.mock(return_value=api(200, {"data": [found["data"]], "meta": {"total_records": 1}}))
    dids = router.get("/v3/dids", params={"filter[order.id]": found["data"]["id"]})
    dids.mock(return_value=api(200, {"data": [_did("d-1", "12125550123")]}))

    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(REQUEST)
    order = adapter.find_order("item-7")

    assert order is not None
    assert order.external_id == found["data"]["id"]
    assert order.our_reference == "item-7"
    assert order.status is OrderStatus.COMPLETED
    assert order.numbers == ("+12125550123",)


def test_find_order_without_a_match_is_none(router, adapter):
    router.get("/v3/orders").mock(return_value=api(200, {"data": []}))
    assert adapter.find_order("never-placed") is None


@pytest.mark.parametrize(
    ("status", "qty", "expected"),
    [
        ("Pending", 1, OrderStatus.PENDING),
        ("completed", 1, OrderStatus.COMPLETED),  # newer API versions write lower case
        ("Completed", 2, OrderStatus.PARTIAL),
        ("Canceled", 1, OrderStatus.CANCELED),
    ],
)
def test_order_statuses(router, adapter, status, qty, expected):
    router.get("/v3/orders/o-1").mock(return_value=api(200, _order(status, qty=qty)))
    router.get("/v3/dids").mock(return_value=api(200, {"data": [_did("d-1", "12125550123")]}))
    assert adapter.get_order("o-1").status is expected


def _page(rows: list[dict], next_query: str | None) -> dict:
    links = {"first": "https://api.didww.com/v3/dids?page%5Bnumber%5D=1"}
    if next_query:
        links["next"] = f"https://api.didww.com/v3/dids?{next_query}"
    return {"data": rows, "meta": {"total_records": 5}, "links": links}


def test_pagination_follows_links_next_including_a_short_page(router, adapter):
    page1 = _page(
        [_did("d-1", "12125550001"), _did("d-2", "12125550002")],
        "include=did_group&page%5Bnumber%5D=2&page%5Bsize%5D=1000",
    )
    page2 = _page(
        [_did("d-3", "12125550003")], "include=did_group&page%5Bnumber%5D=3&page%5Bsize%5D=1000"
    )
    page3 = _page([_did("d-4", "12125550004"), _did("d-5", "12125550005", terminated=True)], None)
    route = router.get("/v3/dids").mock(
        side_effect=[api(200, page1), api(200, page2), api(200, page3)]
    )

    owned = list(adapter.owned_numbers())

    assert [o.number for o in owned] == [f"+1212555000{i}" for i in range(1, 6)]
    assert owned[-1].status == "terminated"
    assert owned[0].group_external_id == "g-1"
    pages = [call.request.url.params["page[number]"] for call in route.calls]
    assert pages == ["1", "2", "3"]
    assert all(call.request.url.host == "api.didww.com" for call in route.calls)


def test_next_link_to_another_host_keeps_the_key_at_home(router, adapter):
    page1 = {
        "data": [_did("d-1", "12125550001")],
        "links": {"next": "https://evil.example/v3/dids?page%5Bnumber%5D=2&page%5Bsize%5D=1000"},
    }
    route = router.get("/v3/dids").mock(side_effect=[api(200, page1), api(200, _page([], None))])
    assert len(list(adapter.owned_numbers())) == 1
    assert route.calls[1].request.url.host == "api.didww.com"
    assert route.calls[1].request.url.params["page[number]"] == "2"


def test_broken_records_are_logged_and_skipped(router, adapter, caplog):
    rows = [_did("d-1", "12125550001"), {"id": "d-2", "type": "dids", "attributes": {"number": 5}}]
    rows.append(_did("d-3", "12125550003"))
    router.get("/v3/dids").mock(return_value=api(200, _page(rows, None)))
    caplog.set_level(logging.WARNING, logger="didhub.providers")
    assert [o.external_id for o in adapter.owned_numbers()] == ["d-1", "d-3"]
    assert "number is not a string" in caplog.text


def test_coverage_maps_types_and_skips_global(router, adapter):
    country = {
        "id": "c-de",
        "type": "countries",
        "attributes": {"name": "Germany", "prefix": "49", "iso": "DE"},
    }
    router.get("/v3/countries").mock(return_value=api(200, {"data": [country]}))

    def group(gid: str, type_name: str, prefix: str) -> tuple[dict, list[dict]]:
        rel = {
            "did_group_type": {"data": {"type": "did_group_types", "id": f"t-{gid}"}},
            "stock_keeping_units": {"data": [{"type": "stock_keeping_units", "id": f"s-{gid}"}]},
            "region": {"data": None},
            "city": {"data": None},
        }
        data = {
            "id": gid,
            "type": "did_groups",
            "attributes": {
                "prefix": prefix,
                "features": ["voice_in", "sms_out"],
                "area_name": type_name,
            },
            "relationships": rel,
            "meta": {"needs_registration": True, "available_dids_enabled": False, "total_count": 3},
        }
        included = [
            {"id": f"t-{gid}", "type": "did_group_types", "attributes": {"name": type_name}},
            {
                "id": f"s-{gid}",
                "type": "stock_keeping_units",
                "attributes": {
                    "setup_price": "1.5",
                    "monthly_price": "2",
                    "channels_included_count": 2,
                },
            },
        ]
        return data, included

    rows, included = [], []
    for gid, name, prefix in [
        ("g1", "Toll-free", "800"),
        ("g2", "Shared Cost", "1801"),
        ("g3", "Global", ""),
        ("g4", "Mobile", "151"),
    ]:
        data, inc = group(gid, name, prefix)
        rows.append(data)
        included += inc
    router.get("/v3/did_groups").mock(return_value=api(200, {"data": rows, "included": included}))

    records = {r.external_id: r for r in adapter.coverage()}

    assert set(records) == {"g1", "g2", "g4"}  # Global is skipped
    assert records["g1"].number_type.value == "toll_free"
    assert records["g2"].number_type.value == "shared_cost"
    assert records["g4"].number_type.value == "mobile"
    assert records["g4"].area_prefix == "151" and records["g4"].npa == ""
    assert records["g4"].needs_registration and records["g4"].available_count == 3
    assert {f.value for f in records["g4"].features} == {"voice", "sms"}


def test_release_patches_terminated(router, adapter):
    lookup = router.get("/v3/dids", params={"filter[number]": "12125550001"})
    lookup.mock(return_value=api(200, _page([_did("d-1", "12125550001")], None)))
    patch = router.patch("/v3/dids/d-1").mock(
        return_value=api(200, {"data": _did("d-1", "12125550001")})
    )

    adapter.release("+12125550001")

    sent = json.loads(patch.calls.last.request.content)
    assert sent == {"data": {"id": "d-1", "type": "dids", "attributes": {"terminated": True}}}
    assert patch.calls.last.request.headers["Content-Type"] == "application/vnd.api+json"


def test_release_of_an_unknown_number_is_not_found(router, adapter):
    router.get("/v3/dids").mock(return_value=api(200, _page([], None)))
    with pytest.raises(errors.NotFound):
        adapter.release("+12125550009")


def test_a_client_trunk_route_is_not_offered(adapter, router):
    assert "trunks" not in adapter.capabilities
    trunk = RouteTarget(DestinationKind.TRUNK, "trk_1")
    with pytest.raises(errors.InvalidRequest, match="cannot ring a trunk") as caught:
        adapter.route_set("+12125550001", Route(trunk))
    assert caught.value.field == "kind"
    assert not router.calls
