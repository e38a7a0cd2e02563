"""Sessions end when idle (12 h; 30 min for platform admins); "Keep me signed in" is honoured."""

import runpy
import time
from pathlib import Path

import pytest
from django.urls import reverse

from portal.sessions import LAST_ACTIVITY_KEY
from tests.factories import PASSWORD, ClientFactory, UserFactory, client_member

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def idle_for(client, seconds: int) -> None:
    """Pretend the last request of this session was ``seconds`` ago."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


@pytest.fixture
def person(client):
    member = client_member(ClientFactory())
    client.force_login(member.user)
    client.get(reverse("home"))
    return member.user


@pytest.fixture
def admin(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    client.get(reverse("home"))
    return user


def test_a_request_records_the_activity(client, person):
    assert abs(client.session[LAST_ACTIVITY_KEY] - time.time()) < 120


def test_a_session_idle_past_the_limit_is_signed_out(client, person, settings):
    idle_for(client, settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("client_dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not signed_in(client)


def test_a_session_used_within_the_limit_stays(client, person, settings):
    idle_for(client, settings.SESSION_IDLE_SECONDS - 120)
    assert client.get(reverse("client_dashboard")).status_code == 200
    assert signed_in(client)
    assert abs(client.session[LAST_ACTIVITY_KEY] - time.time()) < 120  # the clock starts again


def test_the_default_limits_are_12_hours_and_30_minutes_for_admins(settings):
    assert settings.SESSION_IDLE_SECONDS == 12 * 3600
    assert settings.ADMIN_SESSION_IDLE_SECONDS == 30 * 60


def test_an_admin_is_signed_out_after_the_shorter_limit(client, admin, settings):
    idle_for(client, settings.ADMIN_SESSION_IDLE_SECONDS + 1)
    client.get(reverse("home"))
    assert not signed_in(client)


def test_a_client_idle_as_long_stays_signed_in(client, person, settings):
    idle_for(client, settings.ADMIN_SESSION_IDLE_SECONDS + 1)
    client.get(reverse("home"))
    assert signed_in(client)


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_SECONDS", "3600")
    monkeypatch.setenv("ADMIN_SESSION_IDLE_SECONDS", "600")
    configured = runpy.run_path(str(ROOT / "portal" / "settings.py"))
    assert configured["SESSION_IDLE_SECONDS"] == 3600
    assert configured["ADMIN_SESSION_IDLE_SECONDS"] == 600
    assert configured["SESSION_COOKIE_AGE"] == 3600  # Django's own expiry agrees


def sign_in(client, **extra) -> object:
    user = client_member(ClientFactory()).user
    return client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, **extra}
    )


def test_the_login_page_offers_keep_me_signed_in(client):
    assert 'name="remember"' in client.get(reverse("account_login")).content.decode()


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(client, settings):
    response = sign_in(client)
    assert signed_in(client)
    assert client.session.get_expire_at_browser_close()
    assert not response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]


def test_keep_me_signed_in_keeps_the_cookie_for_the_idle_limit(client, settings):
    response = sign_in(client, remember="on")
    assert signed_in(client)
    assert not client.session.get_expire_at_browser_close()
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_IDLE_SECONDS
