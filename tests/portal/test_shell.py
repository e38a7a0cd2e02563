import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response.url)
    assert login.status_code == 302 or login.status_code == 200
    assert reverse("account_login") in (response.url if "/accounts/" in response.url else login.url)


@pytest.mark.django_db
def test_admin_login_page_redirects_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_non_staff_cannot_use_the_admin(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client):
    user = UserFactory()
    url = reverse("account_login")
    pages = [
        client.post(url, {"login": user.email, "password": "wrong"}).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # While the limit holds, even the right password does not get in.
    response = client.post(url, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_lands_each_role_on_its_home(client):
    from customers.models import Role
    from tests.factories import ClientFactory, client_member

    member = client_member(ClientFactory(), Role.CLIENT_USER)
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("client_dashboard")


@pytest.mark.django_db
def test_unverified_email_cannot_sign_in_outside_the_demo(client):
    from allauth.account.models import EmailAddress

    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "confirm-email" in response.url or "verification" in response.url


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts(client):
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
