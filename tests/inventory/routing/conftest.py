"""A provider whose routing answers a test scripts (the adapters' own route_set and trunk calls
are another change's: these tests hold the routing services and jobs to the contract only).

Each call takes the next script entry: None does it; "500"/"503"/"timeout" raise ``Unavailable``
before it takes effect; "429" throttles; "lost" does it and then loses the answer; "refused"
is the provider refusing the target (``InvalidRequest``).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from customers.models import Role
from inventory.models import UpstreamAction, UpstreamState
from inventory.providers import errors
from inventory.providers.types import TrunkCredentials
from tests.factories import ClientFactory, client_member
from tests.inventory.upstream.conftest import make_account, make_number


class FakeRouter:
    def __init__(self) -> None:
        self.script: list[str | None] = []
        self.calls: list[tuple] = []
        self.routes: dict[str, object] = {}  # what the provider rings now, per number
        self.trunks: dict[str, dict] = {}  # external id -> {"name", "password"}
        self.serial = 0

    def _fault(self, call: tuple) -> str | None:
        fault = self.script.pop(0) if self.script else None
        self.calls.append((*call, fault or "ok"))
        if fault in ("500", "503"):
            raise errors.Unavailable(f"HTTP {fault}", status=int(fault))
        if fault == "timeout":
            raise errors.Unavailable("timed out")
        if fault == "429":
            raise errors.RateLimited("slow down", retry_after=7)
        if fault == "refused":
            raise errors.InvalidRequest("Unsupported destination at BigTelco", field="address")
        return fault

    def route_set(self, number, route):
        fault = self._fault(("route_set", number, route))
        self.routes[number] = route
        if fault == "lost":
            raise errors.Unavailable("answer lost")
        return {"trunk_id": f"t-{number}"}

    def _credentials(self, external_id: str) -> TrunkCredentials:
        self.serial += 1
        password = f"pw-{self.serial}"
        self.trunks[external_id]["password"] = password
        name = self.trunks[external_id]["name"]
        return TrunkCredentials(external_id, name, "sip.example.net", f"u-{name}", password)

    def trunk_create(self, name):
        fault = self._fault(("trunk_create", name))
        found = next((tid for tid, t in self.trunks.items() if t["name"] == name), None)
        if found is None:
            found = f"trunk-{len(self.trunks) + 1}"
            self.trunks[found] = {"name": name}
        creds = self._credentials(found)
        if fault == "lost":
            raise errors.Unavailable("answer lost")
        return creds

    def trunk_regenerate(self, external_id):
        self._fault(("trunk_regenerate", external_id))
        return self._credentials(external_id)

    def trunk_delete(self, external_id):
        self._fault(("trunk_delete", external_id))
        if self.trunks.pop(external_id, None) is None:
            raise errors.NotFound("no such trunk")


@pytest.fixture
def router(monkeypatch) -> FakeRouter:
    fake = FakeRouter()
    monkeypatch.setattr("inventory.upstream_run.adapter_for", lambda account: fake)
    monkeypatch.setattr("inventory.routing_trunks.adapter_for", lambda account: fake)
    # Jobs are run by hand in these tests (the sweeper's part).
    monkeypatch.setattr("inventory.routing._enqueue_action", lambda action_id: None)
    monkeypatch.setattr("inventory.destinations._enqueue_trunk", lambda destination_id: None)
    monkeypatch.setattr("inventory.upstream_run._enqueue_now", lambda action_id: None)
    return fake


@pytest.fixture
def world(db):
    """A client with numbers at each kind of provider, its admin and user, and a stranger."""
    client = ClientFactory(billing_country="GB")
    accounts = {kind: make_account(kind) for kind in ("didww", "didfarm", "pbxme", "idtexpress")}
    numbers = {
        "didww": make_number(accounts["didww"], "+12125550101", client=client),
        "didww2": make_number(accounts["didww"], "+12125550102", client=client),
        "didfarm": make_number(accounts["didfarm"], "+31201234567", client=client),
        "pbxme": make_number(accounts["pbxme"], "+442079460001", client=client),
        "idt": make_number(accounts["idtexpress"], "+13125550103", client=client),
    }
    other = ClientFactory(reseller=client.reseller)
    return {
        "client": client,
        "accounts": accounts,
        "numbers": numbers,
        "admin": client_member(client, Role.CLIENT_ADMIN),
        "user": client_member(client, Role.CLIENT_USER),
        "other": other,
        "other_admin": client_member(other, Role.CLIENT_ADMIN),
        "other_number": make_number(accounts["didww"], "+12125550199", client=other),
    }


def run_action(action: UpstreamAction, *, limit: int = 20) -> list[str]:
    """Run the job as the sweeper would, making each retry due at once."""
    from inventory.upstream_run import upstream_action_run

    results = []
    for _ in range(limit):
        UpstreamAction.objects.filter(pk=action.pk).update(next_attempt_at=timezone.now())
        results.append(upstream_action_run(action_id=action.pk))
        action.refresh_from_db()
        if action.state not in (UpstreamState.PENDING, UpstreamState.RETRYING):
            return results
    raise AssertionError(f"not settled after {limit} runs: {results}")


def run_trunk(destination, *, limit: int = 20) -> list[str]:
    from inventory.models import Destination
    from inventory.routing_trunks import trunk_job_run

    results = []
    for _ in range(limit):
        Destination.objects.filter(pk=destination.pk).update(next_attempt_at=timezone.now())
        results.append(trunk_job_run(destination_id=destination.pk))
        destination.refresh_from_db()
        if not destination.trunk_op:
            return results
    raise AssertionError(f"not settled after {limit} runs: {results}")
