"""PBXme routing (issue #12): ``/api/did/forward`` from a route — the document's example (respx),
the simulator, and failures (a retried route_set forwards once)."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.types import DestinationKind, Route, RouteTarget
from inventory.sandbox.pbxme import PbxmeSandbox
from tests.inventory.providers.lossy import Lossy, Rule
from tests.inventory.upstream.sandboxes import plant_pbxme

from . import doc_examples as doc
from .conftest import CREDENTIALS, make_config

NUMBER = "+12125550177"
SIP = RouteTarget(DestinationKind.SIP_URI, "sip:desk@pbx.example.com:5080")
PSTN = RouteTarget(DestinationKind.PSTN, "+44 20 7946 0831")


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


@pytest.fixture
def logged_in(api: respx.MockRouter) -> respx.MockRouter:
    api.post("/login").respond(json=doc.LOGIN)
    api.post("/did/list").respond(json=doc.LIST)
    return api


def test_a_sip_route_is_a_sip_forward_without_the_scheme(
    logged_in: respx.MockRouter, adapter: PbxmeAdapter
) -> None:
    forward = logged_in.post("/did/forward").respond(json=doc.FORWARD)
    made = adapter.route_set("+33153110098", Route(SIP))
    assert made == {
        "did_id": "501",
        "forward_type": "sip",
        "forward_destination": "desk@pbx.example.com:5080",
    }
    body = form(forward.calls.last.request)
    assert (body["type"], body["destination"], body["did_id"]) == (
        "sip",
        "desk@pbx.example.com:5080",
        "501",
    )


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (Route(RouteTarget(DestinationKind.TRUNK, "trk_1")), "kind"),
        (Route(SIP, failover=PSTN), "failover"),
        (Route(RouteTarget(DestinationKind.SIP_URI, "sip:pbx.example.com")), "address"),
        (Route(RouteTarget(DestinationKind.SIP_URI, "desk@pbx.example.com")), "address"),
        (Route(RouteTarget(DestinationKind.PSTN, "12")), "address"),
    ],
)
def test_routes_pbxme_cannot_ring_are_refused_before_any_call(
    api: respx.MockRouter, adapter: PbxmeAdapter, route: Route, field: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.route_set("+33153110098", route)
    assert caught.value.field == field
    assert not api.calls


def test_pbxme_makes_no_trunks(api: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    for call in (
        lambda: adapter.trunk_create("acme"),
        lambda: adapter.trunk_regenerate("x"),
        lambda: adapter.trunk_delete("x"),
    ):
        with pytest.raises(errors.InvalidRequest):
            call()
    assert not api.calls


def test_a_refused_forward_is_an_error(logged_in: respx.MockRouter, adapter: PbxmeAdapter) -> None:
    logged_in.post("/did/forward").respond(
        json={"status": False, "error": "Invalid parameter: destination"}
    )
    with pytest.raises(errors.ProviderError):
        adapter.route_set("+33153110098", Route(SIP))


# --- the simulator ------------------------------------------------------------------------------


def sandboxed(*rules: Rule) -> tuple[PbxmeSandbox, PbxmeAdapter, Lossy]:
    sandbox = PbxmeSandbox(credentials=CREDENTIALS)
    plant_pbxme(sandbox, NUMBER)
    lossy = Lossy(sandbox.handle, list(rules), error=sandbox.error_response)
    return sandbox, PbxmeAdapter(make_config(transport=lossy)), lossy


def test_sandbox_forward_follows_the_route():
    sandbox, adapter, _ = sandboxed()
    owned = next(iter(sandbox.state.owned.values()))
    adapter.route_set(NUMBER, Route(SIP))
    assert (owned.forward_type, owned.forward_destination) == ("sip", "desk@pbx.example.com:5080")
    adapter.route_set(NUMBER, Route(PSTN))
    assert (owned.forward_type, owned.forward_destination) == ("pstn", "+442079460831")
    snapshot = adapter.suspension_snapshot(NUMBER)
    adapter.suspend(NUMBER)
    assert owned.forward_destination == ""
    adapter.restore(NUMBER, snapshot)
    assert (owned.forward_type, owned.forward_destination) == ("pstn", "+442079460831")


def test_sandbox_refuses_a_destination_it_could_not_dial():
    sandbox, _adapter, _ = sandboxed()
    did_id = str(next(iter(sandbox.state.owned)))
    client = httpx.Client(transport=sandbox.transport(), base_url="https://newsip.pbxme.com/api")
    token = client.post("/login", data=CREDENTIALS).json()["account_token"]
    for kind, destination in (("sip", "no-at-sign"), ("pstn", "12"), ("ip", "999.1.1.1")):
        answer = client.post(
            "/did/forward",
            data={"token": token, "did_id": did_id, "destination": destination, "type": kind},
        ).json()
        assert answer["status"] is False, (kind, destination)
    assert next(iter(sandbox.state.owned.values())).forward_type == ""


def test_sandbox_unknown_number_is_not_found():
    _sandbox, adapter, lossy = sandboxed()
    with pytest.raises(errors.NotFound):
        adapter.route_set("+12125550999", Route(SIP))
    assert not [r for r in lossy.seen if r.url.path.endswith("/did/forward")]


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["lost", "500", "503"])
def test_a_failed_forward_retried_forwards_once(how: str):
    sandbox, adapter, lossy = sandboxed(Rule("POST", "/did/forward", how))
    with pytest.raises(errors.Unavailable):
        adapter.route_set(NUMBER, Route(PSTN))
    adapter.route_set(NUMBER, Route(PSTN))
    owned = next(iter(sandbox.state.owned.values()))
    assert (owned.forward_type, owned.forward_destination) == ("pstn", "+442079460831")
    forwards = [r for r in lossy.seen if r.url.path.endswith("/did/forward")]
    # After a lost answer the forward had landed: the retry reads did/list and sends nothing.
    assert len(forwards) == (1 if how == "lost" else 2)


def test_the_listing_read_is_retried_through_429():
    sandbox, adapter, _ = sandboxed(Rule("POST", "/did/list", "429", times=2))
    adapter.route_set(NUMBER, Route(SIP))
    assert next(iter(sandbox.state.owned.values())).forward_type == "sip"
