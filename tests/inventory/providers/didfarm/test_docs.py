"""(a) Client and adapter against the documents' own examples, served with respx."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.client import DidfarmClient
from inventory.providers.errors import InsufficientFunds
from inventory.providers.types import (
    DestinationKind,
    Feature,
    NumberType,
    OrderRequest,
    OrderStatus,
    Route,
    RouteTarget,
)

from . import docs_examples as doc
from .conftest import KEY, make_config

EMPTY = {"data": [], "meta": {"total": 0, "page": 1}}


def _search_routes(api: respx.MockRouter, country: str, first_page: dict) -> respx.Route:
    """The documented page for ``local``, an empty page 2, and nothing for the other types."""
    api.get("/numbers/search", params={"country": country, "type": "local", "page": "2"}).mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total": 48, "page": 2}})
    )
    route = api.get(
        "/numbers/search", params={"country": country, "type": "local", "page": "1"}
    ).mock(return_value=httpx.Response(200, json=first_page))
    api.get("/numbers/search").mock(return_value=httpx.Response(200, json=EMPTY))
    return route


def test_connect_search_example_becomes_one_group(api: respx.MockRouter) -> None:
    route = _search_routes(api, "NL", doc.CONNECT_SEARCH)
    records = list(DidfarmAdapter(make_config(countries=("NL",))).coverage())

    assert len(records) == 1
    record = records[0]
    assert record.external_id == "NL:local::Amsterdam"
    assert record.country == "NL"
    assert record.number_type is NumberType.LOCAL
    assert record.city == "Amsterdam"
    assert record.area_prefix == "20"
    assert record.skus[0].monthly_price == Decimal("1.50")  # 150 EUR cents
    assert record.skus[0].setup_price == Decimal("0.00")
    assert record.features == frozenset({Feature.VOICE})  # sms_enabled: false
    assert record.needs_registration is True
    assert record.available_numbers == ("+31201234567",)
    assert record.available_count == 1
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.url.params["limit"] == "100"


def test_older_search_example_decimal_prices_and_spaced_number(api: respx.MockRouter) -> None:
    _search_routes(api, "GB", doc.LEGACY_SEARCH)
    records = list(DidfarmAdapter(make_config(countries=("GB",))).coverage())

    assert [r.external_id for r in records] == ["GB:local:20:"]  # no city: the area code
    record = records[0]
    assert record.available_numbers == ("+442079460831",)
    assert record.skus[0].monthly_price == Decimal("2.0")
    assert record.skus[0].setup_price == Decimal("1.0")
    assert record.features == frozenset({Feature.VOICE, Feature.SMS})
    assert record.area_prefix == "20"
    assert record.needs_registration is False


def test_balance_example(api: respx.MockRouter, adapter: DidfarmAdapter) -> None:
    api.get("/wallet/balance").mock(return_value=httpx.Response(200, json=doc.BALANCE))
    status = adapter.check()
    assert status.ok is True
    assert status.balance == Decimal("142.50")
    assert status.currency == "EUR"


def test_balance_in_another_currency_is_not_ok(api: respx.MockRouter) -> None:
    api.get("/wallet/balance").mock(
        return_value=httpx.Response(200, json={"balance": "10.00", "currency": "USD"})
    )
    status = DidfarmAdapter(make_config()).check()
    assert status.ok is False
    assert "USD" in status.detail


def test_error_example_is_insufficient_funds(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.post("/wallet/checkout").mock(return_value=httpx.Response(422, json=doc.ERROR_INSUFFICIENT))
    request = OrderRequest(
        our_reference="oi-1", group_external_id="NL:local::Amsterdam", numbers=("+31201234567",)
    )
    with pytest.raises(InsufficientFunds) as caught:
        adapter.place_order(request)
    assert "DIDfarm" in str(caught.value)
    assert "Wallet balance too low" in str(caught.value)
    assert caught.value.code == "insufficient_balance"
    assert caught.value.status == 422


def test_checkout_request_and_documented_answer(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    route = api.post("/wallet/checkout").mock(
        return_value=httpx.Response(201, json=doc.CHECKOUT_MINIMAL)
    )
    order = adapter.place_order(
        OrderRequest(
            our_reference="oi-77",
            group_external_id="NL:local::Amsterdam",
            numbers=("+31 20 123 4567",),
        )
    )
    assert order.external_id == "1042"
    assert order.status is OrderStatus.PENDING  # no item status yet: provisioning
    assert order.our_reference == "oi-77"
    assert order.quantity_ordered == 1
    body = json.loads(route.calls.last.request.content)
    assert body["items"] == [
        {"number": "+31201234567", "country": "NL", "type": "local", "billing_cycle": "monthly"}
    ]
    assert body["metadata"] == {"reference": "oi-77"}


def test_trunk_creation_example(api: respx.MockRouter) -> None:
    route = api.post("/portal/sip-trunks").mock(
        return_value=httpx.Response(201, json=doc.TRUNK_CREATED)
    )
    trunk = DidfarmClient(make_config()).create_trunk("Acme Corp")
    assert trunk.uuid == "trk_a1b2c3d4"
    assert trunk.password == "Rn8kP2mQ..."
    assert trunk.username == "acme_xk9f2"
    assert trunk.status == "provisioning"
    assert json.loads(route.calls.last.request.content) == {
        "name": "Acme Corp",
        "auth_type": "digest",
    }


def test_routing_request_has_the_documented_body(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.get("/numbers").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [{"id": 42, "number": "+31201234567", "status": "active"}],
                "meta": {"total": 1, "page": 1},
            },
        )
    )
    route = api.post("/portal/did-routing").mock(return_value=httpx.Response(200, json={}))
    made = adapter.route_set("+31201234567", Route(RouteTarget(DestinationKind.TRUNK, "7")))
    assert made == {"did_number_id": "42", "sip_trunk_id": "7"}
    assert json.loads(route.calls.last.request.content) == {
        "did_number_id": 42,
        "sip_trunk_id": 7,
    }


def test_message_request_has_the_documented_body(api: respx.MockRouter) -> None:
    route = api.post("/messages/send").mock(
        return_value=httpx.Response(201, json={"data": {"id": "m1", "status": "queued"}})
    )
    message = DidfarmClient(make_config()).send_message(
        sender="+31612345678",
        to="+31687654321",
        body="Your appointment is confirmed for tomorrow at 10:00.",
    )
    assert message.status == "queued"
    assert json.loads(route.calls.last.request.content) == {
        "from": "+31612345678",
        "to": "+31687654321",
        "body": "Your appointment is confirmed for tomorrow at 10:00.",
    }
