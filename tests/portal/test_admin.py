"""Every model is in the admin, and every changelist and add form opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from customers.models import User
from inventory.accounts import provider_account_create
from inventory.models import ProviderAccount
from tests.factories import ClientFactory, InvitationFactory, client_member

pytestmark = pytest.mark.django_db

OUR_APPS = ("audit", "customers", "inventory", "billing")


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root@example.com", "pw-123456789")
    client.force_login(user)
    return client


def test_every_model_of_ours_is_registered():
    missing = [
        model.__name__
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_every_changelist_and_add_page_opens(admin_client):
    client_member(ClientFactory())
    InvitationFactory()
    provider_account_create(kind="didww", name="dw", credentials={"api_key": "k"})
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
            response = admin_client.get(url, {"q": "x"} if view == "changelist" else {})
            assert response.status_code in (200, 403), f"{url}: {response.status_code}"


def test_provider_credentials_are_write_only(admin_client):
    account = provider_account_create(kind="didww", name="dw", credentials={"api_key": "s3cret"})
    url = reverse("admin:inventory_provideraccount_change", args=[account.pk])
    page = admin_client.get(url).content.decode()
    assert "s3cret" not in page
    form = {
        "kind": "didww", "name": "dw", "base_url": "https://api.didww.com", "currency": "USD",
        "rate_limit": "20/second", "countries": "[]", "enabled": "on", "sandbox_faults": "{}",
        "api_key": "", "api_secret": "", "username": "", "password": "", "new_webhook_secret": "",
    }  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 302
    assert ProviderAccount.objects.get().credentials == {"api_key": "s3cret"}  # kept
    admin_client.post(url, {**form, "api_key": "n3w", "new_webhook_secret": "hook"})
    account = ProviderAccount.objects.get()
    assert account.credentials == {"api_key": "n3w"}
    assert account.webhook_secret == "hook"


def test_admin_actions_queue_jobs(admin_client, django_capture_on_commit_callbacks, monkeypatch):
    account = provider_account_create(kind="didww", name="dw", credentials={"api_key": "k"})
    queued = []
    monkeypatch.setattr(
        "inventory.admin.provider_sync_task.delay", lambda pk: queued.append(("sync", pk))
    )
    monkeypatch.setattr(
        "inventory.admin.provider_check_task.delay", lambda pk: queued.append(("check", pk))
    )
    url = reverse("admin:inventory_provideraccount_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "sync_now", "_selected_action": [account.pk]})
        admin_client.post(url, {"action": "test_connection", "_selected_action": [account.pk]})
    assert queued == [("sync", account.pk), ("check", account.pk)]
