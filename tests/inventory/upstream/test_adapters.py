"""Suspend, restore and release as each adapter does them, against its simulator.

Each provider's shapes come from its documents (DIDWW: billing_cycles_count and the voice-in
trunk relationship of ``/v3/dids``; PBXme: ``/api/did/forward``; DIDfarm: ``/portal/did-routing``)
and the simulator keeps the state a person would look at upstream.
"""

from __future__ import annotations

import pytest

from inventory.providers import errors
from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.client import DidfarmClient
from inventory.providers.registry import ADAPTERS, adapter_class
from inventory.providers.types import (
    UPSTREAM_KINDS,
    UPSTREAM_MODES,
    DestinationKind,
    OrderRequest,
    Route,
    RouteTarget,
)
from inventory.sandbox.didfarm import DidfarmSandbox
from tests.inventory.providers.didfarm.conftest import KEY, make_config

from .sandboxes import (
    DIDWW_NUMBER,
    IDT_NUMBER,
    PBXME_NUMBER,
    didww,
    idt,
    pbxme,
    plant_didww,
    plant_idt,
    plant_pbxme,
)


@pytest.mark.parametrize("kind", sorted(ADAPTERS))
def test_every_adapter_declares_how_it_does_each_action(kind: str) -> None:
    cls = adapter_class(kind)
    assert set(cls.upstream_actions) == set(UPSTREAM_KINDS)
    assert set(cls.upstream_actions.values()) <= set(UPSTREAM_MODES)
    for action in ("suspension_snapshot", "suspend", "restore", "release"):
        assert callable(getattr(cls, action))


def test_declared_modes_are_the_issue_s() -> None:
    modes = {kind: dict(adapter_class(kind).upstream_actions) for kind in ADAPTERS}
    assert modes["didww"] == {"suspend": "api", "restore": "api", "release": "api"}
    assert modes["pbxme"] == {"suspend": "api", "restore": "api", "release": "api"}
    assert modes["idtexpress"] == {"suspend": "local", "restore": "local", "release": "api"}
    assert modes["didfarm"] == {"suspend": "api", "restore": "api", "release": "manual"}


# --- DIDWW --------------------------------------------------------------------------------------


def test_didww_suspend_stops_renewal_and_unroutes_then_restore_puts_both_back() -> None:
    sandbox, adapter = didww()
    did = plant_didww(sandbox, cycles=5, trunk="trunk-7")
    snapshot = adapter.suspension_snapshot(DIDWW_NUMBER)
    assert snapshot == {
        "did_id": did.id,
        "billing_cycles_count": 5,
        "voice_in_trunk_id": "trunk-7",
        "voice_in_trunk_group_id": None,
    }
    adapter.suspend(DIDWW_NUMBER)
    assert did.billing_cycles_count == 0
    assert did.voice_in_trunk_id is None
    assert not did.terminated  # suspended, not cancelled
    adapter.suspend(DIDWW_NUMBER)  # harmless twice
    assert did.billing_cycles_count == 0

    adapter.restore(DIDWW_NUMBER, snapshot)
    assert did.billing_cycles_count == 5
    assert did.voice_in_trunk_id == "trunk-7"


def test_didww_restore_of_a_trunk_group_and_forever_renewal() -> None:
    sandbox, adapter = didww()
    did = plant_didww(sandbox, trunk=None)
    did.voice_in_trunk_group_id = "grp-3"
    sandbox.voice_in.plant_group("grp-3")
    snapshot = adapter.suspension_snapshot(DIDWW_NUMBER)
    assert snapshot["voice_in_trunk_group_id"] == "grp-3"
    assert snapshot["billing_cycles_count"] is None
    adapter.suspend(DIDWW_NUMBER)
    assert (did.billing_cycles_count, did.voice_in_trunk_group_id) == (0, None)
    adapter.restore(DIDWW_NUMBER, snapshot)
    assert did.billing_cycles_count is None  # renews forever again
    assert did.voice_in_trunk_group_id == "grp-3"
    assert did.voice_in_trunk_id is None


def test_didww_restore_without_a_snapshot_only_renews_again() -> None:
    sandbox, adapter = didww()
    did = plant_didww(sandbox, cycles=0, trunk=None)
    adapter.restore(DIDWW_NUMBER, {})
    assert did.billing_cycles_count is None
    assert did.voice_in_trunk_id is None


def test_didww_release_terminates_and_a_second_release_is_not_found() -> None:
    sandbox, adapter = didww()
    did = plant_didww(sandbox)
    adapter.release(DIDWW_NUMBER)
    assert did.terminated is True
    with pytest.raises(errors.NotFound):
        adapter.release(DIDWW_NUMBER)
    with pytest.raises(errors.NotFound):
        adapter.suspension_snapshot(DIDWW_NUMBER)


def test_didww_sandbox_refuses_a_trunk_of_the_wrong_type() -> None:
    sandbox, adapter = didww()
    did = plant_didww(sandbox)
    with pytest.raises(errors.InvalidRequest) as caught:
        adapter.client.patch(
            f"/v3/dids/{did.id}",
            "dids",
            did.id,
            {},
            {"voice_in_trunk": {"type": "voice_in_trunk_groups", "id": "x"}},
        )
    # DIDWW's recorded answer points at the id attribute: /data/attributes/voice_in_trunk_id.
    assert caught.value.field == "voice_in_trunk_id"
    assert did.voice_in_trunk_id == "trunk-7"  # nothing changed


# --- PBXme --------------------------------------------------------------------------------------


def test_pbxme_suspend_forwards_to_nothing_and_restore_re_forwards() -> None:
    sandbox, adapter = pbxme()
    owned = plant_pbxme(sandbox, forward=("sip", "office@pbx.example.com"))
    snapshot = adapter.suspension_snapshot(PBXME_NUMBER)
    assert snapshot["forward_type"] == "sip"
    assert snapshot["forward_destination"] == "office@pbx.example.com"
    adapter.suspend(PBXME_NUMBER)
    assert (owned.forward_type, owned.forward_destination) == ("", "")
    adapter.restore(PBXME_NUMBER, snapshot)
    assert (owned.forward_type, owned.forward_destination) == ("sip", "office@pbx.example.com")


def test_pbxme_suspend_to_the_announcement_and_back_to_nothing() -> None:
    sandbox, adapter = pbxme(suspended_forward="sip:closed@announce.example.com")
    owned = plant_pbxme(sandbox)
    snapshot = adapter.suspension_snapshot(PBXME_NUMBER)
    adapter.suspend(PBXME_NUMBER)
    assert (owned.forward_type, owned.forward_destination) == (
        "sip",
        "closed@announce.example.com",
    )
    adapter.restore(PBXME_NUMBER, snapshot)  # it forwarded nowhere before
    assert (owned.forward_type, owned.forward_destination) == ("", "")


def test_pbxme_release_then_not_found() -> None:
    sandbox, adapter = pbxme()
    owned = plant_pbxme(sandbox)
    adapter.release(PBXME_NUMBER)
    assert owned.did.did_id in sandbox.state.releases
    assert owned.did.did_id not in sandbox.state.owned
    with pytest.raises(errors.NotFound):
        adapter.release(PBXME_NUMBER)


# --- IDT Express --------------------------------------------------------------------------------


def test_idt_release_deletes_the_number_and_has_no_routing() -> None:
    sandbox, adapter = idt()
    record = plant_idt(sandbox)
    adapter.release(IDT_NUMBER)
    assert record.status == "removed"
    with pytest.raises(errors.NotFound):
        adapter.release(IDT_NUMBER)
    with pytest.raises(errors.InvalidRequest):
        adapter.suspend(IDT_NUMBER)  # local only: callers never call it (mode "local")


# --- DIDfarm ------------------------------------------------------------------------------------


def test_didfarm_suspend_unroutes_and_restore_routes_back() -> None:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY, "webhook_secret": "w"}, seed=7)
    adapter = DidfarmAdapter(make_config(transport=sandbox.transport(), countries=("DE",)))
    order = adapter.place_order(
        OrderRequest(our_reference="oi-9", group_external_id="DE:local::Berlin")
    )
    [number] = adapter.get_order(order.external_id).numbers
    trunk = DidfarmClient(make_config(transport=sandbox.transport())).create_trunk("Acme")
    adapter.route_set(number, Route(RouteTarget(DestinationKind.TRUNK, trunk.uuid)))
    did = next(d for d in sandbox.state.numbers.values() if d.offer.number == number)

    snapshot = adapter.suspension_snapshot(number)
    assert snapshot == {"did_number_id": str(did.id), "sip_trunk_id": str(trunk.id)}
    adapter.suspend(number)
    assert did.sip_trunk_id is None
    adapter.suspend(number)  # nothing left to remove: no call, no error
    adapter.restore(number, snapshot)
    assert did.sip_trunk_id == int(trunk.id)
    adapter.restore(number, {"sip_trunk_id": ""})  # was never routed: leaves it alone
    assert did.sip_trunk_id == int(trunk.id)
