"""PbxmeAdapter against document-shaped answers (respx)."""

from __future__ import annotations

import copy
import logging
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.pbxme.forwarding import forward_target
from inventory.providers.types import (
    DestinationKind,
    Feature,
    NumberType,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
    Shortfall,
)

from . import doc_examples as doc
from .conftest import make_config


def sent(route: respx.Route) -> list[dict[str, str]]:
    return [
        {k: v[-1] for k, v in parse_qs(c.request.content.decode()).items()} for c in route.calls
    ]


@pytest.fixture
def logged_in(api: respx.MockRouter) -> respx.MockRouter:
    api.post("/login").respond(json=doc.LOGIN)
    return api


def test_check(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/balance").respond(json=doc.BALANCE)
    status = adapter.check()
    assert (status.ok, status.balance, status.currency) == (True, Decimal("123.45"), "USD")


def test_coverage_groups_numbers(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    body = copy.deepcopy(doc.AVAILABLE_FR)
    body["dids"].append({"did_id": 999, "did_number": "0033153110101", "country": "FR"})  # no type
    body["dids"].append(
        {
            "did_id": 998,
            "did_number": "12",
            "country": "FR",
            "type": "Landline",
            "monthly_cost": "1",
            "setup_fee": "1",
        }
    )  # not a number
    body["dids"].append("garbage")
    logged_in.post("/did/available").respond(json=body)
    with caplog.at_level(logging.WARNING, logger="didhub.providers"):
        records = list(adapter.coverage())
    assert [r.external_id for r in records] == [
        "FR:landline:1",
        "FR:mobile_sms:6",
        "FR:voice_sms:4",
    ]
    landline, mobile, voice_sms = records
    assert landline.country == "FR"
    assert landline.number_type is NumberType.LOCAL
    assert landline.features == frozenset({Feature.VOICE})
    assert landline.available_numbers == ("+33153110098", "+33153110099", "+33153110100")
    assert landline.available_count == 3
    assert landline.area_prefix == "1"
    assert [(s.external_id, s.setup_price, s.monthly_price) for s in landline.skus] == [
        ("0.00/3.50", Decimal("0"), Decimal("3.5")),
        ("0.92/2.80", Decimal("0.92"), Decimal("2.80")),
    ]
    assert mobile.number_type is NumberType.MOBILE
    assert mobile.features == frozenset({Feature.SMS})
    assert mobile.available_numbers == ("+33612345670",)
    assert voice_sms.features == frozenset({Feature.VOICE, Feature.SMS})
    assert voice_sms.city == "Marseille"
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 3


def test_coverage_walks_every_country_and_skips_a_refused_one(
    logged_in: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    us = {
        "status": True,
        "dids": [
            {
                "did_id": 10 + i,
                "did_number": f"001{212 + i // 1500}{200 + i // 3 % 500}{i:04d}",
                "country": "US",
                "type": "Landline",
                "monthly_cost": "1.00",
                "setup_fee": "0.50",
            }
            for i in range(3000)
        ],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        country = parse_qs(request.content.decode())["country"][0]
        return {
            "US": httpx.Response(200, json=us),
            "FR": httpx.Response(200, json=doc.AVAILABLE_FR),
        }.get(country, httpx.Response(200, json=doc.BAD_COUNTRY))

    route = logged_in.post("/did/available").mock(side_effect=answer)
    adapter = PbxmeAdapter(make_config(countries=("US", "ZZ", "FR")))
    records = list(adapter.coverage())
    us_groups = [r for r in records if r.country == "US"]
    assert len(us_groups) == 1000  # 3 numbers per NPA-NXX
    assert us_groups[0].external_id == "US:landline:212-200"
    assert (us_groups[0].npa, us_groups[0].nxx, us_groups[0].available_count) == ("212", "200", 3)
    assert sum(r.available_count or 0 for r in us_groups) == 3000
    assert [r.country for r in records[-3:]] == ["FR"] * 3
    assert route.call_count == 3
    assert "ZZ" in caplog.text


def test_coverage_needs_countries(adapter: PbxmeAdapter) -> None:
    adapter = PbxmeAdapter(make_config(countries=()))
    with pytest.raises(errors.InvalidRequest) as caught:
        list(adapter.coverage())
    assert caught.value.field == "countries"


def test_available_numbers(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    found = adapter.available_numbers("FR:landline:1", limit=2)
    assert [(n.number, n.external_id, n.group_external_id) for n in found] == [
        ("+33153110098", "501", "FR:landline:1"),
        ("+33153110099", "502", "FR:landline:1"),
    ]
    with pytest.raises(errors.InvalidRequest):
        adapter.available_numbers("nonsense", limit=1)


def order(**kw: object) -> OrderRequest:
    values: dict = {"our_reference": "ord-1", "group_external_id": "FR:landline:1"}
    values.update(kw)
    return OrderRequest(**values)


def test_place_order_exact_number(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    placed = adapter.place_order(order(numbers=("+33 1 53 11 00 99",)))
    assert placed.status is OrderStatus.COMPLETED
    assert placed.numbers == ("+33153110099",)
    assert placed.external_id == "assign:502"
    assert placed.our_reference == "ord-1"
    assert [f["did_id"] for f in sent(assign)] == ["502"]


def test_place_order_with_ids_skips_the_search(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    available = logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    placed = adapter.place_order(order(numbers=("+33153110098",), number_ids=("501",)))
    assert placed.status is OrderStatus.COMPLETED
    assert available.call_count == 0


def test_place_order_by_quantity_picks_fresh_numbers(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    placed = adapter.place_order(order(quantity=2, sku_external_id="0.92/2.80"))
    assert placed.numbers == ("+33153110098", "+33153110099")
    assert placed.status is OrderStatus.COMPLETED
    assert [f["did_id"] for f in sent(assign)] == ["501", "502"]


def test_place_order_more_than_available_is_partial(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    placed = adapter.place_order(order(quantity=5))
    assert placed.status is OrderStatus.PARTIAL
    assert (len(placed.numbers), placed.quantity_ordered) == (3, 5)


def test_place_order_nothing_available(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/available").respond(json=doc.EMPTY_LIST)
    assign = logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    placed = adapter.place_order(order(quantity=1))
    assert placed.status is OrderStatus.CANCELED
    assert placed.shortfall is Shortfall.OUT_OF_STOCK  # told to clients as "ran out"
    assert assign.call_count == 0


def test_place_order_number_gone_buys_nothing(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = logged_in.post("/did/assign").respond(json=doc.ASSIGN)
    with pytest.raises(errors.NotFound, match=r"\+33153119999"):
        adapter.place_order(order(numbers=("+33153110098", "+33153119999")))
    assert assign.call_count == 0


def test_place_order_insufficient_funds(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    logged_in.post("/did/assign").respond(json=doc.NO_BALANCE)
    with pytest.raises(errors.InsufficientFunds, match="PBXme"):
        adapter.place_order(order(quantity=1))


def test_funds_running_out_mid_order_is_partial(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = logged_in.post("/did/assign").mock(
        side_effect=[httpx.Response(200, json=doc.ASSIGN), httpx.Response(200, json=doc.NO_BALANCE)]
    )
    placed = adapter.place_order(order(quantity=3))
    assert placed.status is OrderStatus.PARTIAL
    assert placed.numbers == ("+33153110098",)
    assert "Insufficient balance" in placed.detail
    assert assign.call_count == 2  # stopped at the refusal


def test_non_monthly_billing_is_refused(adapter: PbxmeAdapter) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.place_order(order(billing_cycle="annual"))
    assert caught.value.field == "billing_cycle"


def test_lost_answer_then_find_order(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = logged_in.post("/did/assign").mock(side_effect=httpx.ReadTimeout("lost"))
    request = order(our_reference="ord-lost", numbers=("+33153110098",))  # as persisted
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(request)
    assert assign.call_count == 1
    logged_in.post("/did/list").respond(json=doc.LIST)  # PBXme did assign 501
    found = adapter.find_order("ord-lost", request=request)
    assert found is not None
    assert (found.status, found.numbers, found.our_reference) == (
        OrderStatus.COMPLETED,
        ("+33153110098",),
        "ord-lost",
    )
    # Any adapter resolves it from the persisted request; none from memory.
    assert PbxmeAdapter(make_config()).find_order("ord-lost", request=request) is not None
    with pytest.raises(errors.OutcomeUnknown):
        adapter.find_order("ord-lost")


def test_find_order_when_nothing_was_bought(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    logged_in.post("/did/available").respond(json=doc.AVAILABLE_FR)
    logged_in.post("/did/assign").mock(side_effect=httpx.ReadTimeout("lost"))
    request = order(our_reference="ord-none", numbers=("+33153110099",))
    with pytest.raises(errors.OutcomeUnknown):
        adapter.place_order(request)
    logged_in.post("/did/list").respond(json=doc.LIST)
    assert adapter.find_order("ord-none", request=request) is None


def test_find_order_of_an_unknown_reference_stays_unknown(adapter: PbxmeAdapter) -> None:
    with pytest.raises(errors.OutcomeUnknown, match="no order reference"):
        adapter.find_order("never-placed-here")


@pytest.mark.parametrize(
    ("external_id", "status", "numbers"),
    [
        ("assign:501", OrderStatus.COMPLETED, ("+33153110098",)),
        ("assign:501,502", OrderStatus.PARTIAL, ("+33153110098",)),
        ("assign:502", OrderStatus.CANCELED, ()),
    ],
)
def test_get_order(
    logged_in: respx.MockRouter,
    adapter: PbxmeAdapter,
    external_id: str,
    status: OrderStatus,
    numbers: tuple[str, ...],
) -> None:
    logged_in.post("/did/list").respond(json=doc.LIST)
    got = adapter.get_order(external_id)
    assert (got.status, got.numbers) == (status, numbers)


def test_get_order_of_a_foreign_id(adapter: PbxmeAdapter) -> None:
    with pytest.raises(errors.NotFound):
        adapter.get_order("12345")


def test_owned_numbers(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    body = copy.deepcopy(doc.LIST)
    body["dids"].append({"did_number": "0033100000000"})  # no did_id: skipped
    logged_in.post("/did/list").respond(json=body)
    owned = list(adapter.owned_numbers())
    assert [(o.number, o.external_id, o.group_external_id) for o in owned] == [
        ("+33153110098", "501", "FR:landline:1"),
        ("+12125550123", "777", ""),
    ]
    assert owned[0].extra["forward_destination"] == "+33612345678"
    assert owned[0].status == "active"


def test_route_set_and_release(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/list").respond(json=doc.LIST)
    forward = logged_in.post("/did/forward").respond(json=doc.FORWARD)
    release = logged_in.post("/did/release").respond(json=doc.RELEASE)
    pstn = Route(RouteTarget(DestinationKind.PSTN, "+33 6 12 34 56 78"))
    assert adapter.route_set("+12125550123", pstn) == {
        "did_id": "777",
        "forward_type": "pstn",
        "forward_destination": "+33612345678",
    }
    # The document's step 5, field for field.
    assert sent(forward)[-1] == {
        "token": "d0c-t0ken-1",
        "did_id": "777",
        "destination": "+33612345678",
        "type": "pstn",
    }
    adapter.route_set("+33153110098", pstn)  # already forwarded there (did/list): no call
    assert forward.call_count == 1
    adapter.release("0033153110098")
    assert sent(release)[-1]["did_id"] == "501"
    with pytest.raises(errors.NotFound):
        adapter.release("+33153119999")
    assert release.call_count == 1


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("+33612345678", ("pstn", "+33612345678")),
        ("sip:alice@pbx.example.com", ("sip", "alice@pbx.example.com")),
        ("bob@10.0.0.1", ("sip", "bob@10.0.0.1")),
        ("203.0.113.7", ("ip", "203.0.113.7")),
        ("101", ("extension", "101")),
        ("ext:2001", ("extension", "2001")),
        ("access:+12125550100", ("access_number", "+12125550100")),
    ],
)
def test_forward_target(destination: str, expected: tuple[str, str]) -> None:
    assert forward_target(destination) == expected


@pytest.mark.parametrize("destination", ["", "not a destination"])
def test_forward_target_refuses(destination: str) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        forward_target(destination)
    assert caught.value.field == "destination"
