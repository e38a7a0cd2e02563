"""The client and adapter against the examples of didww-v3-buy-flow.txt, served with respx."""

from __future__ import annotations

import copy
import json
import logging
from decimal import Decimal

from inventory.providers.didww import wire
from inventory.providers.types import Feature, NumberType, OrderRequest, OrderStatus

from .support import DOC, api

US_ID = "1f6fc2bd-f081-4202-9b1a-d9cb88d942b9"
NY_REGION = "ab7e83bc-814b-4cfa-a14c-d2df3de2a545"
NY_CITY = "368bf92f-c36e-473f-96fc-d53ed1b4028b"
GROUP_ID = "ef7c258f-19b9-478b-ab68-d6b30d00c9f9"
NANPA_ID = "48b91ed5-13db-4920-a4cb-d0260d692053"
SKU_2CH = "e2406add-fd8a-475c-b959-81e9619d7a4b"


def _groups_with_type_and_region() -> dict:
    """The did_groups example as DIDWW sends it when asked to include type and region too."""
    body = copy.deepcopy(DOC["did_groups_by_nanpa"])
    group = body["data"][0]
    group["relationships"]["did_group_type"]["data"] = {"type": "did_group_types", "id": "t-1"}
    group["relationships"]["region"]["data"] = {"type": "regions", "id": NY_REGION}
    group["relationships"]["city"]["data"] = {"type": "cities", "id": NY_CITY}
    body["included"] += [
        {"id": "t-1", "type": "did_group_types", "attributes": {"name": "Local"}},
        DOC["regions_new_york"]["data"][0],
        DOC["cities_new_york"]["data"][0],
    ]
    return body


def test_did_group_example_parses_with_skus_and_meta():
    body = DOC["did_groups_by_city"]
    group = wire.did_group(wire.resource(body["data"][0]), wire.included_index(body))
    assert group.id == GROUP_ID
    assert group.prefix == "212"
    assert group.area_name == "New York"
    assert group.features == ("voice_in",)
    assert [(s.id, s.setup_price, s.monthly_price, s.channels) for s in group.skus] == [
        ("a7ecfee0-693e-459c-8eff-244121847ac2", Decimal("4.0"), Decimal("4.00"), 0),
        (SKU_2CH, Decimal("4.0"), Decimal("4.0"), 2),
    ]
    assert group.needs_registration is False
    assert group.available_dids_enabled is True
    assert group.total_count == 620
    assert group.type_name is None  # did_group_type was not included in this example
    assert wire.next_page_params(body) is None  # links.first/last only: a single page


def test_catalog_examples_parse():
    countries = [wire.country(wire.resource(r)) for r in DOC["countries_available"]["data"]]
    assert [(c.iso, c.prefix, c.name) for c in countries] == [
        ("CA", "1", "Canada"),
        ("US", "1", "United States"),
    ]
    region = wire.region(wire.resource(DOC["regions_new_york"]["data"][0]))
    assert (region.id, region.iso, region.name) == (NY_REGION, "US-NY", "New York")
    prefix = wire.nanpa_prefix(wire.resource(DOC["nanpa_prefixes_ny"]["data"][0]))
    assert (prefix.id, prefix.npa, prefix.nxx) == (NANPA_ID, "212", "111")
    assert wire.city(wire.resource(DOC["cities_new_york"]["data"][0])).name == "New York"


def test_coverage_walk_joins_nanpa_prefixes_to_the_area_code_group(router, adapter):
    router.get("/v3/countries").mock(return_value=api(200, DOC["countries_us"]))
    groups = router.get("/v3/did_groups", params={"filter[country.id]": US_ID})
    groups.mock(return_value=api(200, _groups_with_type_and_region()))
    router.get("/v3/regions", params={"filter[country.id]": US_ID}).mock(
        return_value=api(200, DOC["regions_new_york"])
    )
    nanpa = router.get("/v3/nanpa_prefixes", params={"filter[region.id]": NY_REGION})
    nanpa.mock(return_value=api(200, DOC["nanpa_prefixes_ny"]))

    records = list(adapter.coverage())

    assert len(records) == 1
    record = records[0]
    assert record.external_id == f"{GROUP_ID}:{NANPA_ID}"
    assert (record.country, record.npa, record.nxx) == ("US", "212", "111")
    assert record.number_type is NumberType.LOCAL
    assert record.features == frozenset({Feature.VOICE})
    assert (record.region_code, record.region_name, record.city) == (
        "US-NY",
        "New York",
        "New York",
    )
    assert record.area_prefix == ""  # NANP: the prefix is the NPA
    assert [s.channels for s in record.skus] == [0, 2]
    assert record.skus[0].monthly_price == Decimal("4.00")
    requested = groups.calls.last.request.url.params
    assert requested["include"] == "stock_keeping_units,did_group_type,region,city"
    assert requested["page[size]"] == "1000"


def test_group_without_its_type_is_logged_and_skipped(router, adapter, caplog):
    router.get("/v3/countries").mock(return_value=api(200, DOC["countries_us"]))
    router.get("/v3/did_groups").mock(return_value=api(200, DOC["did_groups_by_city"]))
    caplog.set_level(logging.WARNING, logger="didhub.providers")

    assert list(adapter.coverage()) == []
    assert GROUP_ID in caplog.text


def test_place_order_sends_the_documented_body_and_reads_the_answer(router, adapter):
    route = router.post("/v3/orders").mock(return_value=api(201, DOC["order_response_sku"]))

    order = adapter.place_order(
        OrderRequest(
            our_reference="item-42",
            group_external_id=GROUP_ID,
            sku_external_id=SKU_2CH,
            quantity=1,
            allow_backorder=True,
        )
    )

    sent = json.loads(route.calls.last.request.content)
    expected = copy.deepcopy(DOC["order_request_sku"])
    expected["data"]["attributes"]["external_reference_id"] = "item-42"
    assert sent == expected
    headers = route.calls.last.request.headers
    assert headers["Content-Type"] == "application/vnd.api+json"
    assert headers["Accept"] == "application/vnd.api+json"
    assert headers["Api-Key"] == "test-didww-key"
    assert headers["X-DIDWW-API-Version"] == "2022-05-10"
    assert order.external_id == "eb23b1a4-f4fd-4960-9f46-750ec920cde8"
    assert order.status is OrderStatus.PENDING
    assert order.charged == Decimal("8.0")
    assert order.quantity_ordered == 1
    assert order.numbers == ()
    assert "RNQ-961086" in order.detail


def test_nanpa_order_carries_the_nanpa_prefix_id(router, adapter):
    route = router.post("/v3/orders").mock(return_value=api(201, DOC["order_response_nanpa"]))

    order = adapter.place_order(
        OrderRequest(
            our_reference="item-43",
            group_external_id=f"{GROUP_ID}:{NANPA_ID}",
            sku_external_id=SKU_2CH,
        )
    )

    sent = json.loads(route.calls.last.request.content)
    expected = copy.deepcopy(DOC["order_request_nanpa"])
    expected["data"]["attributes"]["external_reference_id"] = "item-43"
    assert sent == expected
    assert order.charged == Decimal("0.09")
    assert order.status is OrderStatus.PENDING


def test_groups_sharing_an_area_code_are_told_apart_by_the_nanpa_filter(router, adapter):
    body = _groups_with_type_and_region()
    twin = copy.deepcopy(body["data"][0])
    twin["id"] = "twin-group"
    twin["attributes"]["area_name"] = "Manhattan"
    body["data"].append(twin)
    router.get("/v3/countries").mock(return_value=api(200, DOC["countries_us"]))
    by_prefix = router.get("/v3/did_groups", params={"filter[nanpa_prefix.id]": NANPA_ID})
    by_prefix.mock(return_value=api(200, DOC["did_groups_by_nanpa"]))  # only the original group
    router.get("/v3/did_groups", params={"filter[country.id]": US_ID}).mock(
        return_value=api(200, body)
    )
    router.get("/v3/regions").mock(return_value=api(200, DOC["regions_new_york"]))
    router.get("/v3/nanpa_prefixes").mock(return_value=api(200, DOC["nanpa_prefixes_ny"]))

    records = {r.external_id: r for r in adapter.coverage()}

    assert by_prefix.call_count == 1
    # The original group gets the exchange; its twin, which no prefix points at, stays NPA-level.
    assert set(records) == {f"{GROUP_ID}:{NANPA_ID}", "twin-group"}
    assert records["twin-group"].npa == "212" and records["twin-group"].nxx == ""
    assert records["twin-group"].available_count == 620


def test_a_nanpa_record_is_its_group_record_with_the_exchange():
    """``with_nanpa`` builds the record field by field: every other field is the group's."""
    import dataclasses

    from inventory.providers.didww.coverage import with_nanpa
    from inventory.providers.types import CoverageRecord, Sku

    values = {
        f.name: f"v-{f.name}" for f in dataclasses.fields(CoverageRecord) if f.type in ("str", str)
    }
    # A new field would need copying in ``with_nanpa`` too: this list makes that noticed.
    assert len(dataclasses.fields(CoverageRecord)) == len(values) + 6
    group = CoverageRecord(
        **values,
        number_type=NumberType.LOCAL,
        features=frozenset({Feature.VOICE}),
        skus=(Sku("s", Decimal("1"), Decimal("2"), 2),),
        needs_registration=True,
        available_count=7,
        available_numbers=("+12125550100",),
    )
    prefix = wire.NanpaPrefix(id="p-1", npa="212", nxx="555")
    assert with_nanpa(group, prefix) == dataclasses.replace(
        group, external_id="v-external_id:p-1", npa="212", nxx="555", available_count=None
    )
