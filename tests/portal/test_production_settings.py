"""Production does not start unsafe: its own keys or nothing, settings read from the environment."""

import os
import runpy
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from django.core import signing
from django.core.management import CommandError, call_command
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]
OWN_SECRET_KEY = "x" * 20 + "production-like-secret-key-with-enough-entropy-1234567890"
OWN_FIELD_KEY = "b3duLWZpZWxkLWtleS1vZi10aGlzLWRlcGxveW1lbnQ="
DEMO_SECRET_KEY = "didhub-demo-secret-key-not-for-production-use-0123456789"


def production_env(**overrides: str | None) -> dict[str, str]:
    """The environment of a production start: no demo flag, the app's own settings module."""
    left_out = ("DJANGO_ALLOW_ASYNC_UNSAFE", "DIDHUB_DEMO", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS")
    env = {k: v for k, v in os.environ.items() if k not in left_out}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": OWN_SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": OWN_FIELD_KEY,
        "ALLOWED_HOSTS": "portal.example.com",
        "SITE_URL": "https://portal.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/didhub",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_production_settings_with_own_keys_pass_check_deploy():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": DEMO_SECRET_KEY}, "SECRET_KEY is the public demo key"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS is not set"),
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "not a Fernet key"),
    ],
    ids=["no-secret", "empty-secret", "demo-secret", "no-field-keys", "bad-field-key"],
)
def test_production_without_its_own_keys_stops_with_one_line(overrides, named):
    result = check_deploy(production_env(**overrides))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_demo_starts_with_its_public_keys():
    env = production_env(
        SECRET_KEY=None, FIELD_ENCRYPTION_KEYS=None, DIDHUB_DEMO="true", DEBUG="true"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def settings_from(monkeypatch, **environ: str) -> dict:
    """portal/settings.py evaluated afresh with these environment variables."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "portal" / "settings.py"))


def test_trusted_proxy_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.delenv("TRUSTED_CLIENT_IP_HEADER", raising=False)
    defaults = runpy.run_path(str(ROOT / "portal" / "settings.py"))
    assert defaults["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert defaults["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"] is None
    configured = settings_from(
        monkeypatch, TRUSTED_PROXY_COUNT="1", TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
    )
    assert configured["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    assert configured["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"] == "X-Real-IP"


def test_rate_limits_key_on_the_client_behind_a_trusted_proxy(settings):
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7",
        HTTP_X_REAL_IP="192.0.2.44",
    )
    adapter = get_adapter(request)
    assert adapter.get_client_ip(request) == "10.0.0.2"  # no proxy trusted: the header is ignored
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert adapter.get_client_ip(request) == "203.0.113.7"  # the one our proxy appended
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert adapter.get_client_ip(request) == "192.0.2.44"


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_outside_the_demo(settings):
    from customers.models import User

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only runs in the demo"):
        call_command("seed_demo", "--no-sync", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_invitation_signed_with_the_demo_key_is_refused(settings):
    from customers.services_invitations import (
        _INVITATION_SALT,
        invitation_from_token,
        invitation_token,
    )
    from tests.factories import InvitationFactory

    assert settings.SECRET_KEY != DEMO_SECRET_KEY
    invitation = InvitationFactory()
    forged = signing.dumps(
        {"i": invitation.pk}, key=DEMO_SECRET_KEY, salt=_INVITATION_SALT, compress=True
    )
    assert invitation_from_token(forged) is None
    assert invitation_from_token(invitation_token(invitation)) == invitation
