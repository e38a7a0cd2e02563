"""``seed_demo``: the demo's logins and a synced catalog from all four sandbox providers."""

import socket
from io import StringIO

import pytest
from django.core.management import call_command

from billing import ledger
from customers.models import Client, Membership, User
from inventory.models import DidGroup, Number, ProviderAccount
from inventory.providers.registry import PROVIDERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_mode(settings):
    settings.DEMO_MODE = True  # seed_demo refuses to run outside the demo


@pytest.fixture
def free_port(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SANDBOX_PORT", str(port))
    return port


def test_seed_demo_is_idempotent_and_syncs_every_provider(free_port):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for email in ("admin@example.com", "reseller@example.com", "client@example.com"):
        assert email in text
        assert User.objects.get(email=email).check_password("didhub-demo")
    assert User.objects.get(email="admin@example.com").is_staff
    assert (
        Membership.objects.get(user__email="client@example.com").client.name == "Globex Corporation"
    )
    assert Client.objects.count() == 2

    accounts = ProviderAccount.objects.order_by("kind")
    assert [a.kind for a in accounts] == sorted(PROVIDERS)
    assert all(a.base_url.startswith(f"http://127.0.0.1:{free_port}/") for a in accounts)
    for account in accounts:
        assert account.last_sync_status == "ok"
        assert DidGroup.objects.filter(account=account, retired_at__isnull=True).count() > 1000
    groups = DidGroup.objects.count()
    client = Membership.objects.get(user__email="client@example.com").client
    # The demo client holds a number at every provider, linked to its synced group; the
    # DIDfarm one can send texts.
    held = Number.objects.filter(client=client).select_related("group", "provider_account")
    assert {n.provider_account.kind for n in held} == set(PROVIDERS)
    texting = held.get(provider_account__kind="didfarm")
    assert texting.group is not None and "sms" in texting.group.features
    assert all(n.group is not None for n in held if n.provider_account.kind != "didww")
    assert ledger.client_wallet(client).balance_minor == 2500  # 25.00 USD to start with
    assert ledger.reseller_wallet(client.reseller).balance_minor == 100_000

    call_command("seed_demo", stdout=StringIO())
    assert ledger.client_wallet(client).balance_minor == 2500  # not paid in twice
    assert User.objects.count() == 3 and Client.objects.count() == 2
    assert ProviderAccount.objects.count() == 4
    assert DidGroup.objects.count() == groups
