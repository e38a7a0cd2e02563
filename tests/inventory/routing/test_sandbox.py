"""The route job against the real adapters and the sandbox simulators, with respx faults in
between (500, 503, 429, timeouts, answers lost after the change took effect): the route lands
once, the provider ends up ringing it, and nothing is made twice upstream.

These need the adapters' ``route_set``/``trunk_*`` (issue #12's "trunks" change); without them
(this branch on its own) they are skipped.
"""

from __future__ import annotations

import pytest
import stamina

from inventory.destinations import destination_create
from inventory.models import NumberRoute, UpstreamAction
from inventory.providers.registry import adapter_class
from inventory.routing import number_route_request
from tests.inventory.upstream.conftest import make_account, make_number, simulator
from tests.inventory.upstream.faults import ScriptedProvider, scripted
from tests.inventory.upstream.sandboxes import plant_didww, plant_pbxme

from .conftest import run_action, run_trunk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not hasattr(adapter_class("didww"), "route_set"),
        reason="the adapters' route_set is not on this branch yet",
    ),
]


@pytest.fixture(autouse=True)
def _one_attempt_per_run(monkeypatch):
    stamina.set_testing(True, attempts=1)  # the job's own retries are what these tests watch
    monkeypatch.setattr("inventory.routing._enqueue_action", lambda action_id: None)
    monkeypatch.setattr("inventory.destinations._enqueue_trunk", lambda destination_id: None)
    monkeypatch.setattr("inventory.upstream_run._enqueue_now", lambda action_id: None)
    yield
    stamina.set_testing(False)


def sip(admin, address="sip:office@pbx.example.com"):
    return destination_create(actor=admin, kind="sip_uri", label="Office", address=address)


@pytest.fixture
def admin(db):
    from tests.factories import ClientFactory, client_member

    return client_member(ClientFactory(billing_country="US"))


@pytest.mark.parametrize(
    "script",
    [
        ["500", "503", None, None, None, None],
        ["429", "timeout", None, None, None, None],
        [None, None, "lost", None, None, None, None],
        [None, "lost", None, None, None, None, None],
    ],
)
def test_didww_route_lands_once_through_faults(admin, script):
    from inventory.accounts import provider_account_create
    from inventory.sandbox.didww import DidwwSandbox
    from inventory.sandbox.registry import SANDBOX_CREDENTIALS

    account = provider_account_create(
        kind="didww", name="didww-live", credentials=dict(SANDBOX_CREDENTIALS["didww"])
    )
    sandbox = DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    did = plant_didww(sandbox, "+12125550100", trunk=None)
    number = make_number(account, "+12125550100", client=admin.client)
    number_route_request(actor=admin, numbers=[number], destination=sip(admin))
    action = UpstreamAction.objects.get(kind="route")
    with scripted("api.didww.com", ScriptedProvider(sandbox, script)):
        results = run_action(action)
    assert results[-1] == "done", results
    assert len(sandbox.voice_in.trunks) == 1  # retries found the trunk they had made
    trunk_id = next(iter(sandbox.voice_in.trunks))
    assert sandbox.state.dids[did.id].voice_in_trunk_id == trunk_id
    assert action.details["made"]["voice_in_trunk_id"] == trunk_id
    assert NumberRoute.objects.get().applied["route"]["target"]["kind"] == "sip_uri"


def test_pbxme_forward_through_the_sandbox(admin):
    account = make_account("pbxme")
    plant_pbxme(simulator(account), "+12125550177")
    number = make_number(account, "+12125550177", client=admin.client)
    mobile = destination_create(actor=admin, kind="pstn", label="Mobile", address="+12025550123")
    number_route_request(actor=admin, numbers=[number], destination=mobile)
    action = UpstreamAction.objects.get(kind="route")
    assert run_action(action) == ["done"]
    owned = simulator(account).state.owned[int("+12125550177"[-6:])]
    assert "2025550123" in owned.forward_destination


def test_didfarm_trunk_is_made_and_rung_through_the_sandbox(admin):
    account = make_account("didfarm")
    make_number(account, "+31201234567", client=admin.client)
    trunk = destination_create(actor=admin, kind="trunk", label="PBX trunk")
    assert run_trunk(trunk) == ["done"]
    assert trunk.state == "ready" and trunk.address and trunk.secret["password"]
    assert trunk.provider_account == account


def test_pbxme_sip_forward_through_the_sandbox(admin):
    account = make_account("pbxme")
    plant_pbxme(simulator(account), "+12125550177")
    number = make_number(account, "+12125550177", client=admin.client)
    number_route_request(actor=admin, numbers=[number], destination=sip(admin))
    action = UpstreamAction.objects.get(kind="route")
    assert run_action(action) == ["done"]
    owned = simulator(account).state.owned[int("+12125550177"[-6:])]
    assert "office@pbx.example.com" in owned.forward_destination
