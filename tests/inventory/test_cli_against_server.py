"""The providers CLI against the sandbox served over real HTTP, as an operator would use it."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
import stamina
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory.models import DidGroup
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, SANDBOXES, make_sandbox
from inventory.sandbox.server import make_server

pytestmark = pytest.mark.django_db
COUNTRIES = {"didfarm": "US,GB,DE", "pbxme": "US,GB"}


@pytest.fixture(scope="module")
def server():
    srv = make_server({kind: make_sandbox(kind) for kind in SANDBOXES}, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def _fast_retries():
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


def providers(*args: str) -> str:
    out = StringIO()
    call_command("providers", *args, stdout=out)
    return out.getvalue()


def add(kind: str, server, name: str, **credentials: str) -> None:
    creds = credentials or SANDBOX_CREDENTIALS[kind]
    # No rate limit: DIDfarm's default (60/minute) would make a full sync take minutes here.
    args = ["add", kind, "--name", name, "--base-url", server.base_url(kind), "--rate-limit", ""]
    if kind in COUNTRIES:
        args += ["--countries", COUNTRIES[kind]]
    for key, value in creds.items():
        args += ["--credential", f"{key}={value}"]
    providers(*args)


@pytest.mark.parametrize("kind", list(SANDBOXES))
def test_add_check_sync_resync(server, kind):
    add(kind, server, f"{kind}-local")
    status = json.loads(providers("check", f"{kind}-local", "--json"))
    assert status["ok"] is True and status["currency"] in ("USD", "EUR")

    counts = json.loads(providers("sync", f"{kind}-local", "--json"))
    assert set(counts) == {
        "countries",
        "regions",
        "cities",
        "prefixes",
        "groups",
        "skus",
        "numbers",
    }
    assert counts["groups"] > 1000 and counts["skus"] >= counts["groups"]
    assert counts["prefixes"] > 0  # every provider offers US numbers
    if kind in COUNTRIES:
        assert counts["numbers"] > 0
    synced_at = dict(DidGroup.objects.values_list("id", "synced_at"))
    assert json.loads(providers("sync", f"{kind}-local", "--json")) == counts
    assert dict(DidGroup.objects.values_list("id", "synced_at")) == synced_at  # nothing written


@pytest.mark.parametrize("kind", list(SANDBOXES))
def test_wrong_credentials_are_one_clear_line(server, kind):
    wrong = {key: "wrong" for key in SANDBOX_CREDENTIALS[kind]}
    add(kind, server, "bad", **wrong)
    for action in ("check", "sync"):
        with pytest.raises(CommandError) as exc:
            providers(action, "bad")
        message = str(exc.value)
        assert "\n" not in message
        assert any(word in message.lower() for word in ("rejected", "credential", "auth", "key"))
    assert not DidGroup.objects.exists()


def test_an_unreachable_provider_fails_cleanly_and_keeps_the_catalog(server):
    add("didww", server, "dw")
    providers("sync", "dw")
    before = DidGroup.objects.count()
    providers_args = ["add", "didww", "--name", "gone", "--base-url", "http://127.0.0.1:1",
                      "--credential", "api_key=x"]  # fmt: skip
    providers(*providers_args)
    with pytest.raises(CommandError, match=r"unreachable|did not answer"):
        providers("sync", "gone")
    assert DidGroup.objects.count() == before


def test_sandbox_serve_opens_its_accounts_with_the_balance_asked_for(monkeypatch):
    """``--balance`` reaches every simulator (the demo opens a training balance)."""
    from decimal import Decimal

    from inventory.management.commands import sandbox as command

    made = {}

    def fake_server(sandboxes, **kwargs):
        made.update(sandboxes)
        raise OSError(98, "stop here")

    monkeypatch.setattr(command, "make_server", fake_server)
    with pytest.raises(CommandError, match="cannot listen"):
        call_command("sandbox", "serve", "--port", "0", "--balance", "1234.50")
    assert {kind: sb.state.balance for kind, sb in made.items()} == dict.fromkeys(
        SANDBOXES, Decimal("1234.50")
    )
