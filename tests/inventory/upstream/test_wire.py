"""What each adapter puts on the wire to suspend, restore and release, against the documented
shapes: DIDWW JSON:API ``PATCH /v3/dids/{id}`` (attributes + to-one relationships), PBXme's
form-encoded ``/api/did/forward`` and ``/api/did/release``, DIDfarm's JSON ``/portal/did-routing``,
IDT's ``DELETE /v1/dids/numbers/{number}``. respx records every request; a simulator answers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import respx

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.client import DidfarmClient
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.types import DestinationKind, OrderRequest, Route, RouteTarget
from inventory.sandbox.didfarm import DidfarmSandbox
from tests.inventory.providers.didfarm.conftest import KEY, make_config

from .sandboxes import (
    DIDWW_NUMBER,
    IDT_NUMBER,
    PBXME_NUMBER,
    config,
    didww,
    idt,
    pbxme,
    plant_didww,
    plant_idt,
    plant_pbxme,
)


class Recorder:
    def __init__(self, simulator) -> None:
        self.simulator = simulator
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.simulator.handle(request)

    def writes(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method in ("PATCH", "DELETE", "POST")]


def recorded(host: str, simulator):
    """An adapter's transport left unset: respx intercepts the real httpx transport."""
    recorder = Recorder(simulator)
    router = respx.mock(assert_all_called=False)
    router.route(host=host).mock(side_effect=recorder)
    return router, recorder


def test_didww_suspend_and_restore_bodies():
    sandbox, _ = didww()
    plant_didww(sandbox, cycles=None, trunk="b2a2a4b2-trunk")
    adapter = DidwwAdapter(config("didww", None))
    router, recorder = recorded("api.didww.com", sandbox)
    with router:
        snapshot = adapter.suspension_snapshot(DIDWW_NUMBER)
        adapter.suspend(DIDWW_NUMBER)
        adapter.restore(DIDWW_NUMBER, snapshot)
    lookup = recorder.requests[0]
    assert lookup.method == "GET" and lookup.url.path == "/v3/dids"
    assert lookup.url.params["filter[number]"] == DIDWW_NUMBER[1:]  # digits, no "+"
    assert lookup.url.params["include"] == "voice_in_trunk,voice_in_trunk_group"
    suspend, restore = recorder.writes()
    did_id = snapshot["did_id"]
    assert (suspend.method, suspend.url.path) == ("PATCH", f"/v3/dids/{did_id}")
    assert suspend.headers["Content-Type"] == "application/vnd.api+json"
    assert json.loads(suspend.content) == {
        "data": {
            "id": did_id,
            "type": "dids",
            "attributes": {"billing_cycles_count": 0},
            "relationships": {"voice_in_trunk": {"data": None}},
        }
    }
    assert json.loads(restore.content)["data"] == {
        "id": did_id,
        "type": "dids",
        "attributes": {"billing_cycles_count": None},
        "relationships": {
            "voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": "b2a2a4b2-trunk"}}
        },
    }


def test_didww_release_body_is_terminated_true():
    sandbox, _ = didww()
    did = plant_didww(sandbox)
    router, recorder = recorded("api.didww.com", sandbox)
    with router:
        DidwwAdapter(config("didww", None)).release(DIDWW_NUMBER)
    [release] = recorder.writes()
    assert json.loads(release.content) == {
        "data": {"id": did.id, "type": "dids", "attributes": {"terminated": True}}
    }


def test_pbxme_forward_and_release_forms():
    sandbox, _ = pbxme()
    owned = plant_pbxme(sandbox, forward=("pstn", "+33612345678"))
    adapter = PbxmeAdapter(config("pbxme", None))
    router, recorder = recorded("newsip.pbxme.com", sandbox)
    with router:
        snapshot = adapter.suspension_snapshot(PBXME_NUMBER)
        adapter.suspend(PBXME_NUMBER)
        adapter.restore(PBXME_NUMBER, snapshot)
        adapter.release(PBXME_NUMBER)
    forms = [
        (r.url.path, {k: v[-1] for k, v in parse_qs(r.content.decode(), True).items()})
        for r in recorder.requests
        if r.url.path in ("/api/did/forward", "/api/did/release")
    ]
    token = forms[0][1]["token"]
    did_id = str(owned.did.did_id)
    assert forms == [
        ("/api/did/forward", {"did_id": did_id, "destination": "", "type": "", "token": token}),
        (
            "/api/did/forward",
            {"did_id": did_id, "destination": "+33612345678", "type": "pstn", "token": token},
        ),
        ("/api/did/release", {"did_id": did_id, "token": token}),
    ]
    assert all(r.method == "POST" for r in recorder.requests)


def test_didfarm_routing_bodies():
    sandbox = DidfarmSandbox(credentials={"api_key": KEY, "webhook_secret": "w"}, seed=7)
    buyer = DidfarmAdapter(make_config(transport=sandbox.transport(), countries=("DE",)))
    order = buyer.place_order(
        OrderRequest(our_reference="oi-1", group_external_id="DE:local::Berlin")
    )
    [number] = buyer.get_order(order.external_id).numbers
    trunk = DidfarmClient(make_config(transport=sandbox.transport())).create_trunk("Acme")
    buyer.route_set(number, Route(RouteTarget(DestinationKind.TRUNK, trunk.uuid)))
    adapter = DidfarmAdapter(make_config())
    router, recorder = recorded("didfarm.com", sandbox)
    with router:
        snapshot = adapter.suspension_snapshot(number)
        adapter.suspend(number)
        adapter.restore(number, snapshot)
    bodies = [json.loads(r.content) for r in recorder.writes()]
    did_id = int(snapshot["did_number_id"])
    assert [r.url.path for r in recorder.writes()] == ["/api/v1/portal/did-routing"] * 2
    assert bodies == [
        {"did_number_id": did_id, "sip_trunk_id": None},
        {"did_number_id": did_id, "sip_trunk_id": int(trunk.id)},
    ]  # ids as numbers, as the Connect guide writes them


def test_idt_release_is_a_delete_of_the_011_number():
    sandbox, _ = idt()
    plant_idt(sandbox)
    router, recorder = recorded("api.idtexpress.com", sandbox)
    with router:
        IdtExpressAdapter(config("idtexpress", None)).release(IDT_NUMBER)
    [delete] = recorder.writes()
    assert (delete.method, delete.url.path) == ("DELETE", "/v1/dids/numbers/011" + IDT_NUMBER[1:])
