"""Routes survive a restart of the demo's sandbox (issue #12): the simulators keep their state
in memory, so ``demo_numbers_plant`` gives each restarted one the routes our database says the
provider confirmed (``NumberRoute.applied``) under the same ids, and the client trunks made at
DIDfarm. After the restart the numbers ring where they did, a suspension's snapshot still
restores, a re-route works without touching another number's trunk, new trunks get new ids,
and every account reconciles clean."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from billing.reconcile.services import reconcile_account
from customers.models import Membership
from inventory.accounts import adapter_for
from inventory.demo import demo_numbers_plant
from inventory.destinations import destination_create
from inventory.models import Number, NumberRoute, NumberStatus, ProviderAccount, UpstreamAction
from inventory.providers.registry import PROVIDERS
from inventory.routing import number_route_request
from inventory.sandbox.registry import reset_sandboxes, sandbox_for
from tests.inventory.routing.conftest import run_action, run_trunk

pytestmark = pytest.mark.django_db

DIDWW, PBXME, DIDFARM = "+12125550141", "+12064574710", "+16172625428"


@pytest.fixture(autouse=True)
def demo(settings, monkeypatch):
    settings.DEMO_MODE = True
    monkeypatch.setattr("inventory.routing._enqueue_action", lambda action_id: None)
    monkeypatch.setattr("inventory.destinations._enqueue_trunk", lambda destination_id: None)
    monkeypatch.setattr("inventory.upstream_run._enqueue_now", lambda action_id: None)
    call_command("seed_demo", "--no-sync", stdout=StringIO())
    for account in ProviderAccount.objects.filter(name__endswith="-sandbox"):
        # In-process simulators, as the demo serves them over HTTP.
        account.sandbox, account.base_url = True, PROVIDERS[account.kind].default_base_url
        account.save(update_fields=["sandbox", "base_url"])
    restart()
    yield
    reset_sandboxes()


def restart() -> dict[str, int]:
    """The sandbox process starts again: empty simulators, then the demo's plant."""
    reset_sandboxes()
    accounts = ProviderAccount.objects.filter(name__endswith="-sandbox")
    return demo_numbers_plant({a.kind: sandbox_for(a.kind, a.name) for a in accounts})


def sim(kind: str):
    return sandbox_for(kind, f"{kind}-sandbox")


def number(e164: str) -> Number:
    return Number.objects.select_related("provider_account").get(e164=e164)


def snapshot(e164: str) -> dict:
    n = number(e164)
    return adapter_for(n.provider_account).suspension_snapshot(e164)


def route(admin, numbers, destination, failover=None) -> None:
    number_route_request(
        actor=admin,
        numbers=[number(n) for n in numbers],
        destination=destination,
        failover=failover,
    )
    for action in UpstreamAction.objects.filter(kind="route").exclude(state="done"):
        assert run_action(action)[-1] == "done", action.last_error


@pytest.fixture
def admin() -> Membership:
    return Membership.objects.get(user__email="client@example.com")


def test_routes_and_trunks_are_back_after_a_restart(admin):
    office = destination_create(
        actor=admin, kind="sip_uri", label="Office", address="sip:office@pbx.example.com"
    )
    desk = destination_create(actor=admin, kind="pstn", label="Desk", address="+442079460958")
    trunk = destination_create(actor=admin, kind="trunk", label="Boston trunk")
    run_trunk(trunk)
    trunk.refresh_from_db()
    route(admin, [DIDWW, PBXME], office, failover=None)
    route(admin, [DIDFARM], trunk)
    before = {e164: snapshot(e164) for e164 in (DIDWW, PBXME, DIDFARM)}
    assert before[DIDWW]["voice_in_trunk_id"] and before[PBXME]["forward_type"] == "sip"
    assert before[DIDFARM]["sip_trunk_id"]

    restart()

    assert {e164: snapshot(e164) for e164 in before} == before  # rings where it did, same ids
    didfarm = adapter_for(number(DIDFARM).provider_account)
    # The client's trunk is there under its uuid: new credentials can be made for it.
    fresh = didfarm.trunk_regenerate(trunk.address)
    assert fresh.external_id == trunk.address and fresh.username == trunk.username
    # A trunk made after the restart is another trunk, not the planted one's id again.
    other = didfarm.trunk_create("dh-after-restart")
    assert other.external_id != trunk.address
    assert len(sim("didfarm").state.trunks) == 2

    # Re-routing after the restart: the new trunk never takes the planted trunk's id.
    kept = before[DIDWW]["voice_in_trunk_id"]
    route(admin, [DIDWW], desk)
    moved = snapshot(DIDWW)["voice_in_trunk_id"]
    assert moved and moved != kept
    trunks = sim("didww").voice_in.trunks
    assert trunks[kept].configuration["attributes"]["host"] == "pbx.example.com"
    assert trunks[moved].configuration == {
        "type": "pstn_configurations",
        "attributes": {"dst": "442079460958"},
    }
    assert NumberRoute.objects.get(number__e164=DIDWW).applied["made"]["voice_in_trunk_id"] == moved
    # Back to the route from before the restart: its planted trunk is found by its name.
    route(admin, [DIDWW], office)
    assert snapshot(DIDWW)["voice_in_trunk_id"] == kept
    assert len(trunks) == 2

    for account in ProviderAccount.objects.filter(name__endswith="-sandbox"):
        result = reconcile_account(account=account)
        assert result.status == "complete", result.detail
        assert result.findings == {}, (account.name, result.findings)


def test_a_failover_group_comes_back_with_its_trunks(admin):
    office = destination_create(
        actor=admin, kind="sip_uri", label="Office", address="sip:office@pbx.example.com:5080"
    )
    desk = destination_create(actor=admin, kind="pstn", label="Desk", address="+442079460958")
    route(admin, [DIDWW], office, failover=desk)
    before = snapshot(DIDWW)
    group = before["voice_in_trunk_group_id"]
    assert group and not before["voice_in_trunk_id"]
    restart()
    assert snapshot(DIDWW) == before
    voice_in = sim("didww").voice_in
    members = sorted(
        (t for t in voice_in.trunks.values() if t.group_id == group), key=lambda t: t.priority
    )
    assert [t.configuration["type"] for t in members] == [
        "sip_configurations",
        "pstn_configurations",
    ]
    assert members[0].configuration["attributes"]["port"] == 5080
    # Planted under the names the adapter made them with: asking for it again finds them.
    made = NumberRoute.objects.get(number__e164=DIDWW).applied["made"]
    assert [t.name for t in members] == made["trunk_names"]
    assert voice_in.groups[group].name == made["group_name"]


def test_a_suspended_number_rings_nothing_after_a_restart_and_its_restore_puts_the_route_back(
    admin,
):
    office = destination_create(
        actor=admin, kind="sip_uri", label="Office", address="sip:office@pbx.example.com"
    )
    route(admin, [DIDWW, PBXME], office)
    snapshots = {}
    for e164 in (DIDWW, PBXME):
        adapter = adapter_for(number(e164).provider_account)
        snapshots[e164] = adapter.suspension_snapshot(e164)
        adapter.suspend(e164)
    Number.objects.filter(e164__in=snapshots).update(status=NumberStatus.SUSPENDED)

    restart()

    assert not snapshot(DIDWW)["voice_in_trunk_id"]  # suspended: unrouted upstream
    assert not snapshot(PBXME)["forward_type"]
    for e164, before in snapshots.items():
        adapter_for(number(e164).provider_account).restore(e164, before)
        assert {k: v for k, v in snapshot(e164).items() if k != "billing_cycles_count"} == {
            k: v for k, v in before.items() if k != "billing_cycles_count"
        }
