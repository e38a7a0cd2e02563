"""Every registered provider is complete: its description, adapter, simulator, sandbox
registration and (where it declares them) webhook pieces. A new provider that forgets one fails
here, with the provider and the piece in the test id (docs/adding-a-provider.md)."""

from __future__ import annotations

import inspect
import re

import httpx
import pycountry
import pytest
from django.core.management import call_command

from inventory.accounts import adapter_for, provider_account_create
from inventory.models import ProviderAccount, ProviderKind
from inventory.providers.description import CAPABILITIES, ProviderDescription
from inventory.providers.errors import InvalidRequest
from inventory.providers.http import AccountConfig
from inventory.providers.no_texts import NoTexts
from inventory.providers.no_trunks import NoTrunks
from inventory.providers.registry import PROVIDER_PACKAGES, PROVIDERS, provider_kind_choices
from inventory.providers.types import (
    UPSTREAM_KINDS,
    UPSTREAM_MODES,
    DestinationKind,
    ProviderAdapter,
    Route,
    RouteTarget,
    RoutingSupport,
)
from inventory.providers.webhooks import WebhookReceiver
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, SANDBOXES, make_sandbox
from inventory.sandbox.server import make_server

KINDS = sorted(PROVIDERS)
_RATE = re.compile(r"^\d+\s*/\s*(\d+\s*)?(second|minute|hour|day)s?$")
# Methods a capability promises (``ProviderAdapter``: "only what routing and capabilities
# declare is ever called"): they must do the work, not only exist.
PROMISED_BY_CAPABILITY: dict[str, tuple[str, ...]] = {
    "sms": ("sms_send",),
    "trunks": ("trunk_create", "trunk_regenerate"),
}
REFUSERS = (NoTexts, NoTrunks)  # the mixins whose methods only refuse
# What didhub calls on every adapter (the ProviderAdapter protocol's methods). route_set,
# trunk_* and sms_send are on every adapter: where routing/capabilities do not offer them they
# refuse (InvalidRequest), never a silent no-op.
ADAPTER_METHODS = sorted(
    name
    for name, member in inspect.getmembers(ProviderAdapter)
    if callable(member) and not name.startswith("_")
)
TRUNK_METHODS = ("trunk_create", "trunk_regenerate", "trunk_delete")
ADDRESSES = {
    DestinationKind.SIP_URI: "sip:desk@pbx.example.com",
    DestinationKind.PSTN: "+442079460831",
    DestinationKind.TRUNK: "trk_a1b2c3d4",
}


def test_the_registry_names_each_kind_s_own_package():
    assert list(PROVIDER_PACKAGES) == list(PROVIDERS)
    for kind, package in PROVIDER_PACKAGES.items():
        assert package == f"inventory.providers.{kind}"
        assert PROVIDERS[kind].kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_the_description_is_complete(kind: str):
    d = PROVIDERS[kind]
    assert isinstance(d, ProviderDescription) and d.kind == kind
    assert re.fullmatch(r"[a-z][a-z0-9]{1,15}", kind)  # fits ProviderAccount.kind (16)
    assert d.label.strip()
    assert d.default_base_url.startswith("https://")
    assert pycountry.currencies.get(alpha_3=d.currency) is not None
    assert d.rate_limit == "" or _RATE.match(d.rate_limit)
    assert d.credentials and all(d.credentials)
    assert set(d.public_credentials) <= set(d.credentials)
    assert d.capabilities <= CAPABILITIES
    assert set(d.sandbox_credentials) == set(d.credentials)
    if d.needs_countries:  # no coverage listing: the demo and benches need countries to search
        assert d.sandbox_countries
    for code in d.sandbox_countries:
        assert pycountry.countries.get(alpha_2=code) is not None


@pytest.mark.parametrize("kind", KINDS)
def test_the_adapter_lives_in_the_package_and_does_everything(kind: str):
    d = PROVIDERS[kind]
    assert d.adapter.startswith(f"inventory.providers.{kind}.")
    cls = d.adapter_class
    assert cls.kind == kind
    assert cls.capabilities == d.capabilities
    assert cls.billing_cycles == d.billing_cycles
    assert cls.max_quantity >= 1
    assert set(cls.upstream_actions) == set(UPSTREAM_KINDS)
    assert set(cls.upstream_actions.values()) <= set(UPSTREAM_MODES)
    missing = [name for name in ADAPTER_METHODS if not callable(getattr(cls, name, None))]
    assert not missing, f"{kind} adapter lacks {missing}"
    for capability, methods in PROMISED_BY_CAPABILITY.items():
        if capability in cls.capabilities:
            lacking = [
                name
                for name in methods
                if any(getattr(cls, name, None) is getattr(r, name, None) for r in REFUSERS)
            ]
            assert not lacking, f"{kind} adapter promises {capability!r} but lacks {lacking}"


class _NoNetwork(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a refused route must not reach the provider: {request.url}")


def _offline_adapter(kind: str):
    d = PROVIDERS[kind]
    config = AccountConfig(
        name=f"offline-{kind}",
        kind=kind,
        base_url=d.default_base_url,
        currency=d.currency,
        credentials=dict(d.sandbox_credentials),
        transport=_NoNetwork(),
    )
    return d.adapter_class(config)


@pytest.mark.parametrize("kind", KINDS)
def test_routing_is_declared_and_kept(kind: str):
    """Each adapter declares ``routing``; what it does not declare is refused before any call,
    and trunks are offered exactly where a trunk can be rung."""
    cls = PROVIDERS[kind].adapter_class
    routing = cls.__dict__.get("routing")
    assert isinstance(routing, RoutingSupport), f"{kind} adapter declares no routing"
    assert routing.mode in ("api", "manual", "none")
    assert routing.kinds <= set(DestinationKind)
    if routing.mode == "none":
        assert not routing.kinds and not routing.failover
    if routing.failover:
        assert routing.mode == "api" and routing.kinds
    # A trunk destination is a trunk made with trunk_create: both or neither.
    assert ("trunks" in cls.capabilities) == (DestinationKind.TRUNK in routing.kinds), kind
    if "forwarding" in cls.capabilities:
        assert routing.mode == "api" and routing.kinds & {
            DestinationKind.SIP_URI,
            DestinationKind.PSTN,
        }
    adapter = _offline_adapter(kind)
    try:
        for dest_kind in DestinationKind:
            target = RouteTarget(dest_kind, ADDRESSES[dest_kind])
            if routing.mode != "api" or dest_kind not in routing.kinds:
                with pytest.raises(InvalidRequest):
                    adapter.route_set("+12125550100", Route(target))
        if routing.mode == "api" and routing.kinds and not routing.failover:
            some = RouteTarget(min(routing.kinds), ADDRESSES[min(routing.kinds)])
            with pytest.raises(InvalidRequest) as caught:
                adapter.route_set("+12125550100", Route(some, failover=some))
            assert caught.value.field == "failover"
        if "trunks" not in cls.capabilities:
            for name in TRUNK_METHODS:
                with pytest.raises(InvalidRequest):
                    getattr(adapter, name)("client-1")
    finally:
        adapter.close()


@pytest.mark.parametrize("kind", KINDS)
def test_the_simulator_is_registered_and_accepts_its_credentials(kind: str, db):
    d = PROVIDERS[kind]
    assert SANDBOXES[kind] == d.simulator
    assert SANDBOX_CREDENTIALS[kind] == dict(d.sandbox_credentials)
    simulator = make_sandbox(kind)
    assert simulator.kind == kind
    # What the fault matrix asks every simulator (tests/billing/reliability/test_fault_matrix.py).
    assert isinstance(simulator.buys_per_number, bool)
    assert simulator.purchases_total() == 0
    assert simulator.purchases_for(reference="x", external_id="", number_ids=()) == 0
    account = provider_account_create(
        kind=kind,
        name=f"complete-{kind}",
        sandbox=True,
        rate_limit="",
        countries=list(d.sandbox_countries),
    )
    assert account.credentials == dict(d.sandbox_credentials)
    assert adapter_for(account).check().ok  # the adapter talks to its simulator


def test_the_sandbox_server_serves_every_provider():
    server = make_server({kind: make_sandbox(kind) for kind in KINDS}, port=0)
    try:
        for kind in KINDS:
            assert server.base_url(kind).startswith(f"{server.root_url}/{kind}")
    finally:
        server.server_close()


@pytest.mark.parametrize("kind", KINDS)
def test_webhook_pieces_where_declared(kind: str):
    d = PROVIDERS[kind]
    # A provider that tells us about orders has a receiver, and only such a provider has one.
    assert bool(d.webhook) == ("callbacks" in d.capabilities)
    if not d.webhook:
        assert d.webhook_receiver is None
        assert not d.sandbox_webhook_secret and not d.webhook_url_per_account
        return
    assert d.webhook.startswith(f"inventory.providers.{kind}.")
    receiver = d.webhook_receiver
    assert isinstance(receiver.methods, frozenset) and receiver.methods <= {"GET", "POST"}
    for method in ("verify", "parse"):
        assert (
            list(inspect.signature(getattr(receiver, method)).parameters)
            == list(inspect.signature(getattr(WebhookReceiver, method)).parameters)[1:]
        ), f"{kind} receiver's {method} does not match WebhookReceiver"
    if d.webhook_url_per_account:  # the simulator signs with a per-account secret
        assert d.sandbox_webhook_secret


def test_the_model_choices_are_the_registry_and_need_no_migration(db):
    assert ProviderKind.choices == provider_kind_choices()
    assert [value for value, _label in ProviderAccount._meta.get_field("kind").choices] == list(
        PROVIDERS
    )
    # Choices are a callable in the migration: registering a provider changes no migration.
    call_command("makemigrations", "inventory", check=True, dry_run=True, verbosity=0)
