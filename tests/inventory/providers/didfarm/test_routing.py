"""DIDfarm routing and client SIP trunks (issue #12): the Connect guide's examples (respx), the
simulator, and lost answers (a retried trunk_create or route_set applies once)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.types import DestinationKind, OrderRequest, Route, RouteTarget
from inventory.sandbox.didfarm import DidfarmSandbox
from tests.inventory.providers.lossy import Lossy, Rule

from . import docs_examples as doc
from .conftest import KEY, make_config

NUMBERS = {
    "data": [{"id": 42, "number": "+31201234567", "status": "active", "sip_trunk_id": None}],
    "meta": {"total": 1, "page": 1},
}
LISTED = {
    "data": [
        {
            "id": 7,
            "uuid": "trk_a1b2c3d4",
            "name": "Acme Corp",
            "sip_server": "sip.didfarm.com",
            "username": "acme_xk9f2",
            "status": "active",
        }
    ],
    "meta": {"total": 1, "page": 1},
}
NOTHING = {"data": [], "meta": {"total": 0, "page": 1}}


def trunk(address: str) -> Route:
    return Route(RouteTarget(DestinationKind.TRUNK, address))


# --- the Connect guide's examples (respx) --------------------------------------------------------


def test_trunk_create_returns_the_guide_s_credentials(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.get("/portal/sip-trunks").mock(return_value=httpx.Response(200, json=NOTHING))
    made = api.post("/portal/sip-trunks").mock(
        return_value=httpx.Response(201, json=doc.TRUNK_CREATED)
    )
    creds = adapter.trunk_create("Acme Corp")
    assert (creds.external_id, creds.name, creds.sip_server, creds.username, creds.password) == (
        "trk_a1b2c3d4",
        "Acme Corp",
        "sip.didfarm.com",
        "acme_xk9f2",
        "Rn8kP2mQ...",
    )
    assert json.loads(made.calls.last.request.content) == {
        "name": "Acme Corp",
        "auth_type": "digest",
    }


def test_trunk_create_of_an_existing_name_regenerates_instead(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.get("/portal/sip-trunks").mock(return_value=httpx.Response(200, json=LISTED))
    made = api.post("/portal/sip-trunks")
    regenerated = api.post("/portal/sip-trunks/trk_a1b2c3d4/regenerate-credentials").mock(
        return_value=httpx.Response(200, json={"data": {"password": "new-secret"}})
    )
    creds = adapter.trunk_create("Acme Corp")
    assert not made.called and regenerated.call_count == 1
    # The answer carried the password alone: the rest comes from the listing.
    assert (creds.external_id, creds.username, creds.password) == (
        "trk_a1b2c3d4",
        "acme_xk9f2",
        "new-secret",
    )


def test_route_set_resolves_the_uuid_to_the_id_did_routing_takes(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    api.get("/numbers").mock(return_value=httpx.Response(200, json=NUMBERS))
    api.get("/portal/sip-trunks").mock(return_value=httpx.Response(200, json=LISTED))
    routed = api.post("/portal/did-routing").mock(return_value=httpx.Response(200, json={}))
    assert adapter.route_set("+31 20 123 4567", trunk("trk_a1b2c3d4")) == {
        "did_number_id": "42",
        "sip_trunk_id": "7",
    }
    # The guide's body: ids as numbers.
    assert json.loads(routed.calls.last.request.content) == {"did_number_id": 42, "sip_trunk_id": 7}


def test_route_set_to_the_trunk_already_routed_makes_no_call(
    api: respx.MockRouter, adapter: DidfarmAdapter
) -> None:
    routed_numbers = {**NUMBERS, "data": [{**NUMBERS["data"][0], "sip_trunk_id": 7}]}
    api.get("/numbers").mock(return_value=httpx.Response(200, json=routed_numbers))
    routed = api.post("/portal/did-routing")
    assert adapter.route_set("+31201234567", trunk("7"))["sip_trunk_id"] == "7"
    assert not routed.called


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (Route(RouteTarget(DestinationKind.SIP_URI, "sip:a@b.example")), "kind"),
        (Route(RouteTarget(DestinationKind.PSTN, "+31612345678")), "kind"),
        (Route(RouteTarget(DestinationKind.TRUNK, "7"), trunk("8").target), "failover"),
    ],
)
def test_routes_didfarm_cannot_ring_are_refused_before_any_call(
    api: respx.MockRouter, adapter: DidfarmAdapter, route: Route, field: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.route_set("+31201234567", route)
    assert caught.value.field == field
    assert not api.calls


def test_trunk_delete_is_not_documented(api: respx.MockRouter, adapter: DidfarmAdapter) -> None:
    with pytest.raises(errors.InvalidRequest, match="portal"):
        adapter.trunk_delete("trk_a1b2c3d4")
    assert not api.calls


def test_an_unknown_trunk_is_not_found(api: respx.MockRouter, adapter: DidfarmAdapter) -> None:
    api.post("/portal/sip-trunks/trk_x/regenerate-credentials").mock(
        return_value=httpx.Response(
            404, json={"error": {"code": "not_found", "message": "SIP trunk not found."}}
        )
    )
    with pytest.raises(errors.NotFound):
        adapter.trunk_regenerate("trk_x")


# --- the simulator ------------------------------------------------------------------------------


def _bought(sandbox: DidfarmSandbox, adapter: DidfarmAdapter) -> str:
    order = adapter.place_order(OrderRequest(our_reference="oi-r", group_external_id="GB:mobile::"))
    return adapter.get_order(order.external_id).numbers[0]


def sandboxed(*rules: Rule) -> tuple[DidfarmSandbox, DidfarmAdapter, Lossy]:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY, "webhook_secret": "w"}, seed=7)
    lossy = Lossy(sandbox.handle, list(rules), error=sandbox.error_response)
    return sandbox, DidfarmAdapter(make_config(transport=lossy, countries=("GB",))), lossy


def test_sandbox_trunk_life():
    sandbox, adapter, _ = sandboxed()
    number = _bought(sandbox, adapter)
    creds = adapter.trunk_create("client-17")
    made = sandbox.state.trunks[max(sandbox.state.trunks)]
    assert (made.uuid, made.password, made.username) == (
        creds.external_id,
        creds.password,
        creds.username,
    )
    assert creds.sip_server == "sip.didfarm.com"

    result = adapter.route_set(number, trunk(creds.external_id))
    did = next(d for d in sandbox.state.numbers.values() if d.offer.number == number)
    assert did.sip_trunk_id == made.id
    assert result == {"did_number_id": str(did.id), "sip_trunk_id": str(made.id)}
    assert adapter.suspension_snapshot(number)["sip_trunk_id"] == str(made.id)

    fresh = adapter.trunk_regenerate(creds.external_id)
    assert fresh.password != creds.password and made.password == fresh.password
    assert (fresh.external_id, fresh.username, fresh.name) == (
        creds.external_id,
        creds.username,
        "client-17",
    )


def test_sandbox_lists_trunks_page_by_page():
    sandbox, adapter, _ = sandboxed()
    for i in range(3):
        adapter.trunk_create(f"client-{i}")
    client = httpx.Client(
        transport=sandbox.transport(),
        base_url="https://didfarm.com/api/v1",
        headers={"Authorization": f"Bearer {KEY}"},
    )
    body = client.get("/portal/sip-trunks", params={"limit": 2, "page": 2}).json()
    assert [t["name"] for t in body["data"]] == ["client-2"] and body["meta"]["total"] == 3
    assert all("password" not in t for t in body["data"])
    assert [t.name for t in adapter.client.trunks()] == ["client-0", "client-1", "client-2"]


# --- faults: retried after a lost answer, applied once -------------------------------------------


@pytest.mark.parametrize("how", ["lost", "500", "503"])
def test_trunk_create_retried_makes_one_trunk_with_a_working_password(how: str):
    sandbox, adapter, _ = sandboxed(Rule("POST", "/portal/sip-trunks", how))
    with pytest.raises(errors.Unavailable):
        adapter.trunk_create("client-9")
    creds = adapter.trunk_create("client-9")  # the job's retry
    [made] = sandbox.state.trunks.values()
    assert made.name == "client-9" and made.password == creds.password


def test_a_lost_regenerate_answer_is_retried_to_a_password_that_works():
    sandbox, adapter, _ = sandboxed()
    creds = adapter.trunk_create("client-3")
    lossy = Lossy(
        sandbox.handle,
        [Rule("POST", "/regenerate-credentials", "lost")],
        error=sandbox.error_response,
    )
    flaky = DidfarmAdapter(make_config(transport=lossy))
    with pytest.raises(errors.Unavailable):
        flaky.trunk_regenerate(creds.external_id)
    fresh = flaky.trunk_regenerate(creds.external_id)
    [made] = sandbox.state.trunks.values()
    assert made.password == fresh.password != creds.password


@pytest.mark.parametrize("how", ["lost", "503"])
def test_route_set_retried_after_a_failure_routes_once(how: str):
    sandbox, adapter, lossy = sandboxed()
    number = _bought(sandbox, adapter)
    creds = adapter.trunk_create("client-4")
    lossy.rules.append(Rule("POST", "/portal/did-routing", how))
    with pytest.raises(errors.Unavailable):
        adapter.route_set(number, trunk(creds.external_id))
    before = len([r for r in lossy.seen if r.url.path.endswith("/did-routing")])
    adapter.route_set(number, trunk(creds.external_id))
    after = len([r for r in lossy.seen if r.url.path.endswith("/did-routing")])
    did = next(d for d in sandbox.state.numbers.values() if d.offer.number == number)
    assert sandbox.state.trunks[did.sip_trunk_id].uuid == creds.external_id
    # A lost answer had routed it already: the retry sees that and sends nothing.
    assert after - before == (0 if how == "lost" else 1)


def test_reads_are_retried_through_429():
    sandbox, adapter, lossy = sandboxed()
    adapter.trunk_create("client-5")
    lossy.rules.append(Rule("GET", "/portal/sip-trunks", "429", times=2))
    assert adapter.trunk_create("client-5").external_id == sandbox.state.trunks[7].uuid
    assert len(sandbox.state.trunks) == 1
