"""(c) Fault cases: error bodies, retries, timeouts, broken JSON, paging, lost purchases."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest
import respx

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.client import DidfarmClient
from inventory.providers.errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Unavailable,
)
from inventory.providers.types import NumberType, OrderRequest, OrderStatus
from inventory.sandbox.didfarm import DidfarmSandbox
from inventory.sandbox.faults import FaultConfig, FaultyTransport

from .conftest import KEY, make_config

BALANCE = {"balance": "10.00", "currency": "EUR"}
ORDER = OrderRequest(
    our_reference="oi-lost", group_external_id="NL:local::Amsterdam", numbers=("+31201234567",)
)


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message, "status": status}}
    )


def _record(i: int) -> dict:
    return {
        "number": f"+3120{i:07d}",
        "country": "NL",
        "type": "local",
        "city": "Amsterdam",
        "monthly_rate": 150 + (i % 3) * 10,
        "setup_fee": 0,
        "sms_enabled": False,
        "requires_regulatory": True,
    }


def _page(start: int, count: int, total: int, page: int) -> httpx.Response:
    data = [_record(i) for i in range(start, start + count)]
    return httpx.Response(200, json={"data": data, "meta": {"total": total, "page": page}})


# --- error bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, AuthFailed, "rejected the API key"),
        (403, AuthFailed, "lacks permission"),
        (404, NotFound, "DIDfarm"),
    ],
)
def test_auth_and_missing(api: respx.MockRouter, status: int, kind: type, words: str) -> None:
    route = api.get("/wallet/balance").mock(
        return_value=_error(status, "unauthenticated", "Invalid or missing API key.")
    )
    with pytest.raises(kind) as caught:
        DidfarmClient(make_config()).balance()
    assert words in str(caught.value)
    assert caught.value.permanent is True
    assert route.call_count == 1  # permanent errors are not retried


def test_validation_error_names_the_field(api: respx.MockRouter) -> None:
    api.get("/numbers/search").mock(
        return_value=_error(422, "validation_error", "The country field is required.")
    )
    with pytest.raises(InvalidRequest) as caught:
        DidfarmClient(make_config()).search_page(country="NL", number_type=NumberType.LOCAL, page=1)
    assert caught.value.field == "country"
    assert caught.value.code == "validation_error"
    assert "DIDfarm rejected the request" in str(caught.value)


def test_checkout_unavailable_number_names_the_number_field(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.post("/wallet/checkout").mock(
        return_value=_error(422, "number_unavailable", "The number is no longer available.")
    )
    with pytest.raises(InvalidRequest) as caught:
        adapter.place_order(ORDER)
    assert caught.value.field == "number"


def test_older_400_without_the_error_shape(api: respx.MockRouter) -> None:
    api.get("/numbers/search").mock(return_value=httpx.Response(400, text="Bad Request"))
    with pytest.raises(InvalidRequest) as caught:
        DidfarmClient(make_config()).search_page(country="NL", number_type=NumberType.LOCAL, page=1)
    assert caught.value.status == 400
    assert "DIDfarm" in str(caught.value)


def test_coverage_skips_a_type_didfarm_refuses(api: respx.MockRouter) -> None:
    api.get("/numbers/search", params={"type": "shared_cost"}).mock(
        return_value=_error(422, "validation_error", "The selected type is invalid.")
    )
    api.get("/numbers/search", params={"type": "local"}).mock(return_value=_page(0, 3, 3, 1))
    api.get("/numbers/search").mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total": 0, "page": 1}})
    )
    records = list(DidfarmAdapter(make_config()).coverage())
    assert [r.available_count for r in records] == [3]


# --- retries ------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(api: respx.MockRouter) -> None:
    limited = _error(429, "rate_limited", "Too many requests.")
    limited.headers["Retry-After"] = "1"
    route = api.get("/wallet/balance").mock(
        side_effect=[limited, httpx.Response(200, json=BALANCE)]
    )
    assert DidfarmClient(make_config()).balance().amount == Decimal("10.00")
    assert route.call_count == 2


def test_429_that_never_ends_raises_rate_limited(api: respx.MockRouter) -> None:
    limited = _error(429, "rate_limited", "Too many requests.")
    limited.headers["Retry-After"] = "7"
    route = api.get("/wallet/balance").mock(return_value=limited)
    with pytest.raises(RateLimited) as caught:
        DidfarmClient(make_config()).balance()
    assert caught.value.retry_after == 7.0
    assert caught.value.permanent is False
    assert route.call_count == 5


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_reads_are_retried(api: respx.MockRouter, status: int) -> None:
    route = api.get("/wallet/balance").mock(
        side_effect=[
            _error(status, "server_error", "Server error."),
            httpx.Response(status, text="<html>gateway</html>"),
            httpx.Response(200, json=BALANCE),
        ]
    )
    assert DidfarmClient(make_config()).balance().currency == "EUR"
    assert route.call_count == 3


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_transport_failures_on_reads_are_retried(api: respx.MockRouter, exc: type) -> None:
    route = api.get("/wallet/balance").mock(
        side_effect=[exc("boom"), httpx.Response(200, json=BALANCE)]
    )
    assert DidfarmClient(make_config()).balance().amount == Decimal("10.00")
    assert route.call_count == 2


def test_read_timeouts_that_persist_are_unavailable(api: respx.MockRouter) -> None:
    route = api.get("/wallet/balance").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Unavailable) as caught:
        DidfarmClient(make_config()).balance()
    assert "did not answer in time" in str(caught.value)
    assert route.call_count == 5


def test_malformed_json_on_a_read(api: respx.MockRouter) -> None:
    api.get("/wallet/balance").mock(return_value=httpx.Response(200, text="{not json"))
    with pytest.raises(Unavailable) as caught:
        DidfarmClient(make_config()).balance()
    assert "not JSON" in str(caught.value)


# --- purchases are never retried ----------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ReadTimeout("lost"),
        httpx.ConnectError("reset"),
        _error(500, "server_error", "Server error."),
        httpx.Response(502, text="Bad gateway"),
        httpx.Response(201, text="{truncated"),
    ],
)
def test_checkout_with_a_lost_answer_is_outcome_unknown(
    api: respx.MockRouter, adapter: DidfarmAdapter, answer: object
) -> None:
    route = api.post("/wallet/checkout").mock(side_effect=[answer])
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.place_order(ORDER)
    assert "DIDfarm" in str(caught.value)
    assert route.call_count == 1


def test_find_order_resolves_through_transactions(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.get("/wallet/transactions", params={"page": "1"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"id": 9, "amount": -150, "reference_type": "order", "reference_id": 1041},
                    {
                        "id": 8,
                        "amount": -150,
                        "reference_type": "order",
                        "reference_id": 1042,
                        "metadata": {"reference": "oi-lost"},
                    },
                ],
                "meta": {"total": 2, "page": 1},
            },
        )
    )
    api.get("/numbers").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"id": 42, "number": "+31201234567", "status": "active", "order_id": 1042},
                    {"id": 43, "number": "+31201234568", "status": "active", "order_id": 1041},
                ],
                "meta": {"total": 2, "page": 1},
            },
        )
    )
    order = adapter.find_order("oi-lost")
    assert order is not None
    assert order.external_id == "1042"
    assert order.status is OrderStatus.COMPLETED
    assert order.numbers == ("+31201234567",)
    assert order.charged == Decimal("1.50")
    assert order.our_reference == "oi-lost"


@pytest.mark.parametrize("mode", ["timeout", "502"])
def test_lost_checkout_against_the_sandbox_finds_exactly_one_order(mode: str) -> None:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY})
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode=mode))
    adapter = DidfarmAdapter(make_config(transport=faulty, countries=("NL",)))
    request = OrderRequest(our_reference="oi-x", group_external_id="NL:local::Amsterdam")
    with pytest.raises(OutcomeUnknown):
        adapter.place_order(request)
    assert len(sandbox.state.orders) == 1  # it went through upstream, once

    found = adapter.find_order("oi-x")
    assert found is not None
    (upstream,) = sandbox.state.orders.values()
    assert found.external_id == str(upstream.id)
    assert found.charged == Decimal(upstream.total) / 100
    assert found.quantity_ordered == 1
    assert adapter.find_order("oi-other") is None
    assert len(sandbox.state.orders) == 1


# --- pagination ---------------------------------------------------------------------------


def test_search_walks_every_page_including_a_short_one(api: respx.MockRouter) -> None:
    route = api.get("/numbers/search", params={"type": "local"}).mock(
        side_effect=[
            _page(0, 100, 250, 1),
            _page(100, 60, 250, 2),  # shorter than asked
            _page(160, 90, 250, 3),
        ]
    )
    found = list(DidfarmClient(make_config()).search(country="NL", number_type=NumberType.LOCAL))
    assert len(found) == 250
    assert len({n.number for n in found}) == 250
    assert [c.request.url.params["page"] for c in route.calls] == ["1", "2", "3"]


def test_many_pages_into_one_group(api: respx.MockRouter) -> None:
    pages = [_page(i * 20, 20, 400, i + 1) for i in range(20)]
    api.get("/numbers/search", params={"type": "local"}).mock(side_effect=pages)
    api.get("/numbers/search").mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total": 0, "page": 1}})
    )
    (record,) = DidfarmAdapter(make_config()).coverage()
    assert record.available_count == 400
    assert len(record.available_numbers) == 100  # kept per group; the count stays exact
    assert record.skus[0].monthly_price == Decimal("1.50")


def test_broken_records_are_skipped_not_fatal(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    data = [
        _record(1),
        {"number": "not a number", "monthly_rate": 100},
        {"number": "+31201234999"},  # no price
        "junk",
        _record(2) | {"monthly_rate": 1.5},  # Connect prices are integer cents
        _record(3),
    ]
    api.get("/numbers/search").mock(
        return_value=httpx.Response(200, json={"data": data, "meta": {"total": 6, "page": 1}})
    )
    with caplog.at_level(logging.WARNING, logger="didhub.providers"):
        found = list(
            DidfarmClient(make_config()).search(country="NL", number_type=NumberType.LOCAL)
        )
    assert [n.number for n in found] == ["+31200000001", "+31200000003"]
    assert sum("unexpected shape" in r.message for r in caplog.records) == 4


def test_server_ignoring_page_does_not_loop(api: respx.MockRouter) -> None:
    route = api.get("/numbers/search").mock(return_value=_page(0, 20, 48, 1))
    found = list(DidfarmClient(make_config()).search(country="NL", number_type=NumberType.LOCAL))
    assert len(found) == 20
    assert route.call_count == 2


def test_search_response_without_data_is_unavailable(api: respx.MockRouter) -> None:
    api.get("/numbers/search").mock(return_value=httpx.Response(200, json={"numbers": []}))
    with pytest.raises(Unavailable):
        list(DidfarmClient(make_config()).search(country="NL", number_type=NumberType.LOCAL))


def test_unordered_search_is_walked_again_buffered(api: respx.MockRouter) -> None:
    shuffled = [_record(5), _record(1), _record(3)]
    route = api.get("/numbers/search", params={"type": "local"}).mock(
        return_value=httpx.Response(200, json={"data": shuffled, "meta": {"total": 3, "page": 1}})
    )
    api.get("/numbers/search").mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total": 0, "page": 1}})
    )
    records = list(DidfarmAdapter(make_config()).coverage())
    assert [(r.external_id, r.available_count) for r in records] == [("NL:local::Amsterdam", 3)]
    assert route.call_count == 2  # the streamed walk, then the buffered one


def test_a_picked_number_sold_meanwhile_is_picked_again(api: respx.MockRouter) -> None:
    search = api.get("/numbers/search").mock(side_effect=[_page(1, 1, 1, 1), _page(2, 1, 1, 1)])
    checkout = api.post("/wallet/checkout").mock(
        side_effect=[
            _error(422, "number_unavailable", "The number is no longer available."),
            httpx.Response(201, json={"data": {"order_id": 7, "items": []}}),
        ]
    )
    order = DidfarmAdapter(make_config()).place_order(
        OrderRequest(our_reference="oi-r", group_external_id="NL:local::Amsterdam")
    )
    assert order.external_id == "7"
    assert search.call_count == 2
    sent = [json.loads(c.request.content)["items"][0]["number"] for c in checkout.calls]
    assert sent == ["+31200000001", "+31200000002"]


def test_exact_numbers_that_are_gone_are_not_swapped(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    checkout = api.post("/wallet/checkout").mock(
        return_value=_error(422, "number_unavailable", "The number is no longer available.")
    )
    with pytest.raises(InvalidRequest):
        adapter.place_order(ORDER)
    assert checkout.call_count == 1


def test_disorder_after_streaming_never_repeats_a_group(api: respx.MockRouter) -> None:
    def us(number: str) -> dict:
        return _record(0) | {"number": number, "country": "US", "city": "New York"}

    numbers = ["+12125550001", "+12125560001", "+12125550002"]
    api.get("/numbers/search", params={"country": "US", "type": "local"}).mock(
        return_value=httpx.Response(
            200, json={"data": [us(n) for n in numbers], "meta": {"total": 3, "page": 1}}
        )
    )
    api.get("/numbers/search").mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total": 0, "page": 1}})
    )
    records = list(DidfarmAdapter(make_config(countries=("US",))).coverage())
    ids = [r.external_id for r in records]
    assert ids == ["US:local:212-555:New York", "US:local:212-556:New York"]
    assert records[1].available_count == 1
