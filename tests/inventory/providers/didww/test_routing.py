"""DIDWW routing (issue #12): voice-in trunks per route, a trunk group for a failover, the DID's
relationship PATCH — against DIDWW's documented shapes (respx), the simulator, and lost answers."""

from __future__ import annotations

import json
from unittest.mock import ANY

import httpx
import pytest

from inventory.providers import errors
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.types import DestinationKind, Route, RouteTarget
from inventory.sandbox.didww import DidwwSandbox
from tests.inventory.providers.lossy import Lossy, Rule
from tests.inventory.upstream.sandboxes import plant_didww

from .support import BASE, api, errors_body, make_adapter

NUMBER = "+12125550100"
SIP = RouteTarget(DestinationKind.SIP_URI, "sip:desk@pbx.example.com:5062")
PSTN = RouteTarget(DestinationKind.PSTN, "+5585 4042 0024")
KEY = "sandbox-didww-key"

# The shapes of DIDWW's recorded examples (its SDKs' fixtures for API v3): a DID, a PSTN trunk
# as POST /v3/voice_in_trunks answers it, and a trunk group with two trunks.
DID_ID = "9df99644-f1a5-4a3c-99a4-559d758eb96b"
TRUNK_ID = "41b94706-325e-4704-a433-d65105758836"
DID_DOC = {
    "data": [
        {
            "id": DID_ID,
            "type": "dids",
            "attributes": {
                "blocked": False,
                "capacity_limit": 2,
                "description": "something",
                "terminated": False,
                "awaiting_registration": False,
                "created_at": "2018-12-27T09:59:55.015Z",
                "number": "12125550100",
                "expires_at": "2019-11-27T10:00:04.755Z",
                "channels_included_count": 0,
                "billing_cycles_count": None,
                "dedicated_channels_count": 0,
            },
            "relationships": {
                "voice_in_trunk": {"links": {}, "data": None},
                "voice_in_trunk_group": {"links": {}, "data": None},
            },
        }
    ],
    "meta": {"total_records": 1},
    "links": {"first": "x", "last": "x"},
}
TRUNK_DOC = {
    "data": {
        "id": TRUNK_ID,
        "type": "voice_in_trunks",
        "attributes": {
            "priority": 1,
            "capacity_limit": None,
            "weight": 65535,
            "name": "set by the test",
            "cli_format": "e164",
            "cli_prefix": None,
            "description": None,
            "ringing_timeout": None,
            "configuration": {
                "type": "pstn_configurations",
                "attributes": {"dst": "558540420024"},
            },
            "created_at": "2018-12-29T09:51:54.661Z",
        },
        "relationships": {"voice_in_trunk_group": {"links": {}}, "pop": {"links": {}}},
    }
}
EMPTY = {"data": [], "meta": {"total_records": 0}, "links": {"first": "x", "last": "x"}}


def sandboxed(*rules: Rule) -> tuple[DidwwSandbox, DidwwAdapter, Lossy]:
    sandbox = DidwwSandbox(credentials={"api_key": KEY})
    plant_didww(sandbox, NUMBER, trunk=None)
    lossy = Lossy(sandbox.handle, list(rules), error=sandbox.error_response)
    return sandbox, make_adapter(lossy, api_key=KEY), lossy


# --- the documented shapes (respx) ---------------------------------------------------------------


def test_a_pstn_route_makes_a_trunk_and_assigns_it_as_documented(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    lookup = router.get("/v3/voice_in_trunks").mock(return_value=api(200, EMPTY))
    made = router.post("/v3/voice_in_trunks").mock(return_value=api(201, TRUNK_DOC))
    assigned = router.patch(f"/v3/dids/{DID_ID}").mock(return_value=api(200, {"data": {}}))

    result = adapter.route_set(NUMBER, Route(PSTN))

    assert result == {
        "did_id": DID_ID,
        "voice_in_trunk_id": TRUNK_ID,
        "voice_in_trunk_group_id": None,
        "trunk_ids": [TRUNK_ID],
        "trunk_names": [ANY],
        "group_name": None,
    }
    name = json.loads(made.calls.last.request.content)["data"]["attributes"]["name"]
    assert lookup.calls.last.request.url.params["filter[name]"] == name
    assert result["trunk_names"] == [name]  # a restarted demo sandbox plants it by this name
    assert name.startswith("didhub 12125550100 ")
    body = json.loads(made.calls.last.request.content)
    assert body["data"]["type"] == "voice_in_trunks"
    assert body["data"]["attributes"]["configuration"] == {
        "type": "pstn_configurations",
        "attributes": {"dst": "558540420024"},  # digits, as DIDWW writes numbers
    }
    assert made.calls.last.request.headers["Content-Type"] == "application/vnd.api+json"
    # The relationship update of DIDWW's examples: the trunk, and the group cleared.
    assert json.loads(assigned.calls.last.request.content) == {
        "data": {
            "id": DID_ID,
            "type": "dids",
            "attributes": {},
            "relationships": {
                "voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": TRUNK_ID}},
                "voice_in_trunk_group": {"data": None},
            },
        }
    }


def test_a_sip_route_sends_a_sip_configuration(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    router.get("/v3/voice_in_trunks").mock(return_value=api(200, EMPTY))
    made = router.post("/v3/voice_in_trunks").mock(return_value=api(201, TRUNK_DOC))
    router.patch(f"/v3/dids/{DID_ID}").mock(return_value=api(200, {"data": {}}))
    target = RouteTarget(DestinationKind.SIP_URI, "sip:pbx.example.com;transport=tcp")

    adapter.route_set(NUMBER, Route(target))

    config = json.loads(made.calls.last.request.content)["data"]["attributes"]["configuration"]
    assert config["type"] == "sip_configurations"
    assert config["attributes"]["host"] == "pbx.example.com"
    assert config["attributes"]["username"] == "{DID}"  # no user part: DIDWW puts the DID there
    assert config["attributes"]["transport_protocol_id"] == 2
    assert "port" not in config["attributes"]  # DIDWW then resolves SRV records


def test_an_existing_trunk_of_the_same_name_is_reused(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    made = router.post("/v3/voice_in_trunks").mock(return_value=api(201, TRUNK_DOC))
    router.patch(f"/v3/dids/{DID_ID}").mock(return_value=api(200, {"data": {}}))
    names: list[str] = []

    def listing(request: httpx.Request) -> httpx.Response:
        names.append(request.url.params["filter[name]"])
        found = {**TRUNK_DOC["data"], "attributes": {**TRUNK_DOC["data"]["attributes"]}}
        found["attributes"]["name"] = names[-1]
        return api(200, {**EMPTY, "data": [found], "meta": {"total_records": 1}})

    router.get("/v3/voice_in_trunks").mock(side_effect=listing)
    assert adapter.route_set(NUMBER, Route(PSTN))["trunk_ids"] == [TRUNK_ID]
    assert not made.called


def test_an_unknown_trunk_is_a_field_error(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    router.get("/v3/voice_in_trunks").mock(return_value=api(200, EMPTY))
    router.post("/v3/voice_in_trunks").mock(return_value=api(201, TRUNK_DOC))
    body = errors_body(
        422,
        "is invalid",
        detail="voice_in_trunk - is invalid",
        code="100",
        pointer="/data/attributes/voice_in_trunk_id",
    )
    router.patch(f"/v3/dids/{DID_ID}").mock(return_value=api(422, body))
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.route_set(NUMBER, Route(PSTN))
    assert caught.value.field == "voice_in_trunk_id"


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (Route(RouteTarget(DestinationKind.TRUNK, "trk_1")), "kind"),
        (Route(SIP, RouteTarget(DestinationKind.TRUNK, "trk_1")), "failover"),
        (Route(RouteTarget(DestinationKind.SIP_URI, "pbx.example.com")), "address"),
        (Route(RouteTarget(DestinationKind.SIP_URI, "sip:desk@bad_host!")), "address"),
        (Route(RouteTarget(DestinationKind.PSTN, "not a number")), "address"),
    ],
)
def test_a_route_didww_cannot_ring_is_refused_before_any_call(adapter, router, route, field):
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.route_set(NUMBER, route)
    assert caught.value.field == field
    assert not router.calls


def test_didww_makes_no_client_trunks(adapter, router):
    for call in (
        lambda: adapter.trunk_create("acme"),
        lambda: adapter.trunk_regenerate("x"),
        lambda: adapter.trunk_delete("x"),
    ):
        with pytest.raises(errors.InvalidRequest):
            call()
    assert not router.calls


# --- the simulator ------------------------------------------------------------------------------


def test_sandbox_route_then_failover_then_back():
    sandbox, adapter, _ = sandboxed()
    did = sandbox.state.dids["did-0100"]

    first = adapter.route_set(NUMBER, Route(SIP))
    assert did.voice_in_trunk_id == first["voice_in_trunk_id"]
    trunk = sandbox.voice_in.trunks[first["voice_in_trunk_id"]]
    assert trunk.configuration["attributes"]["host"] == "pbx.example.com"
    assert trunk.configuration["attributes"]["port"] == 5062
    assert trunk.configuration["attributes"]["username"] == "desk"

    both = adapter.route_set(NUMBER, Route(SIP, failover=PSTN))
    group = sandbox.voice_in.groups[both["voice_in_trunk_group_id"]]
    assert (did.voice_in_trunk_id, did.voice_in_trunk_group_id) == (None, group.id)
    members = sorted(
        (t for t in sandbox.voice_in.trunks.values() if t.group_id == group.id),
        key=lambda t: t.priority,
    )
    assert [t.id for t in members] == both["trunk_ids"]
    assert [t.priority for t in members] == [1, 2]  # the failover is tried second
    assert members[1].configuration == {
        "type": "pstn_configurations",
        "attributes": {"dst": "558540420024"},
    }

    again = adapter.route_set(NUMBER, Route(SIP))  # back to the first route: nothing new
    assert again == first
    assert did.voice_in_trunk_id == first["voice_in_trunk_id"]
    assert len(sandbox.voice_in.trunks) == 3 and len(sandbox.voice_in.groups) == 1


def test_sandbox_repeating_a_route_changes_nothing():
    sandbox, adapter, lossy = sandboxed()
    first = adapter.route_set(NUMBER, Route(SIP, failover=PSTN))
    writes = len(lossy.writes())
    assert adapter.route_set(NUMBER, Route(SIP, failover=PSTN)) == first
    assert len(lossy.writes()) == writes  # found by name, already assigned: no write at all
    assert len(sandbox.voice_in.trunks) == 2


def test_sandbox_suspension_keeps_the_route_made_by_route_set():
    sandbox, adapter, _ = sandboxed()
    made = adapter.route_set(NUMBER, Route(SIP, failover=PSTN))
    snapshot = adapter.suspension_snapshot(NUMBER)
    assert snapshot["voice_in_trunk_group_id"] == made["voice_in_trunk_group_id"]
    adapter.suspend(NUMBER)
    did = sandbox.state.dids["did-0100"]
    assert (did.voice_in_trunk_id, did.voice_in_trunk_group_id) == (None, None)
    adapter.restore(NUMBER, snapshot)
    assert did.voice_in_trunk_group_id == made["voice_in_trunk_group_id"]


def test_sandbox_refuses_a_route_for_a_number_not_owned():
    _sandbox, adapter, lossy = sandboxed()
    with pytest.raises(errors.NotFound):
        adapter.route_set("+12125550999", Route(SIP))
    assert not lossy.writes()


def test_sandbox_trunk_endpoints_speak_json_api():
    sandbox, adapter, _ = sandboxed()
    made = adapter.route_set(NUMBER, Route(SIP, failover=PSTN))
    client = httpx.Client(
        transport=sandbox.transport(),
        base_url=BASE,
        headers={"Api-Key": KEY, "Accept": "application/vnd.api+json"},
    )
    group = client.get(
        f"/v3/voice_in_trunk_groups/{made['voice_in_trunk_group_id']}",
        params={"include": "voice_in_trunks"},
    ).json()
    assert [d["id"] for d in group["data"]["relationships"]["voice_in_trunks"]["data"]] == made[
        "trunk_ids"
    ]
    assert {i["type"] for i in group["included"]} == {"voice_in_trunks"}
    listing = client.get("/v3/voice_in_trunks", params={"filter[configuration.type]": "x"})
    assert listing.json()["data"] == [] and listing.json()["meta"]["total_records"] == 0
    unknown = client.get("/v3/voice_in_trunks", params={"filter[colour]": "red"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "102"
    # A group still routing a DID cannot be deleted; once unrouted it goes with its trunks.
    path = f"/v3/voice_in_trunk_groups/{made['voice_in_trunk_group_id']}"
    assert client.delete(path).status_code == 422
    adapter.suspend(NUMBER)
    assert client.delete(path).status_code == 204
    assert not sandbox.voice_in.trunks and not sandbox.voice_in.groups
    nameless = client.post(
        "/v3/voice_in_trunks",
        json={"data": {"type": "voice_in_trunks", "attributes": {"name": "x"}}},
        headers={"Content-Type": "application/vnd.api+json"},
    )
    assert nameless.status_code == 422


def test_sandbox_refuses_a_did_route_to_an_unknown_trunk():
    sandbox, adapter, _ = sandboxed()
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.client.patch(
            "/v3/dids/did-0100",
            "dids",
            "did-0100",
            {},
            {"voice_in_trunk": {"type": "voice_in_trunks", "id": "nope"}},
        )
    assert caught.value.field == "voice_in_trunk_id"
    assert sandbox.state.dids["did-0100"].voice_in_trunk_id is None


# --- faults: retried after a lost answer, applied once -------------------------------------------


@pytest.mark.parametrize("step", ["/v3/voice_in_trunks", "/v3/voice_in_trunk_groups", "/v3/dids"])
def test_a_lost_answer_then_a_retry_makes_each_thing_once(step):
    method = "PATCH" if step == "/v3/dids" else "POST"
    sandbox, adapter, _ = sandboxed(Rule(method, step, "lost"))
    route = Route(SIP, failover=PSTN)
    with pytest.raises(errors.Unavailable):
        adapter.route_set(NUMBER, route)
    result = adapter.route_set(NUMBER, route)  # the job's retry
    assert len(sandbox.voice_in.trunks) == 2 and len(sandbox.voice_in.groups) == 1
    did = sandbox.state.dids["did-0100"]
    assert did.voice_in_trunk_group_id == result["voice_in_trunk_group_id"]


@pytest.mark.parametrize("status", ["500", "503"])
def test_a_server_error_on_a_write_fails_the_call_and_the_retry_completes(status):
    sandbox, adapter, _ = sandboxed(Rule("POST", "/v3/voice_in_trunks", status))
    with pytest.raises(errors.Unavailable):
        adapter.route_set(NUMBER, Route(PSTN))
    assert not sandbox.voice_in.trunks  # refused before anything happened
    made = adapter.route_set(NUMBER, Route(PSTN))
    assert list(sandbox.voice_in.trunks) == made["trunk_ids"]


def test_reads_are_retried_through_429_and_5xx():
    sandbox, adapter, lossy = sandboxed(
        Rule("GET", "/v3/dids", "429"), Rule("GET", "/v3/voice_in_trunks", "503")
    )
    made = adapter.route_set(NUMBER, Route(PSTN))
    assert sandbox.state.dids["did-0100"].voice_in_trunk_id == made["voice_in_trunk_id"]
    assert [r.method for r in lossy.seen].count("GET") == 4  # two failed, two answered


def test_a_write_rate_limited_says_when_to_retry(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    router.get("/v3/voice_in_trunks").mock(return_value=api(200, EMPTY))
    router.post("/v3/voice_in_trunks").mock(
        return_value=api(429, errors_body(429, "Too Many Requests"), **{"Retry-After": "7"})
    )
    with pytest.raises(errors.RateLimited) as caught:
        adapter.route_set(NUMBER, Route(PSTN))
    assert caught.value.retry_after == 7


def test_a_timeout_on_a_write_is_unavailable(adapter, router):
    router.get("/v3/dids").mock(return_value=api(200, DID_DOC))
    router.get("/v3/voice_in_trunks").mock(return_value=api(200, EMPTY))
    router.post("/v3/voice_in_trunks").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.Unavailable):
        adapter.route_set(NUMBER, Route(PSTN))
