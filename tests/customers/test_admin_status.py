"""A platform admin changes a reseller's or a client's status in the admin: through the status
services (which the audit log hooks into), with the rest of the form saved as before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers import admin as customers_admin
from customers.models import Client, Reseller

pytestmark = pytest.mark.django_db


def _spy(monkeypatch, name: str) -> list:
    calls = []
    real = getattr(customers_admin, name)

    def spy(**kwargs):
        calls.append(kwargs["status"])
        return real(**kwargs)

    monkeypatch.setattr(customers_admin, name, spy)
    return calls


def _form_data(admin_client, url: str) -> dict:
    form = admin_client.get(url).context["adminform"].form
    return {k: v for k, v in form.initial.items() if v is not None and k != "logo"}


def test_the_admin_suspends_and_reactivates_a_reseller_through_its_service(
    admin_client, reseller, monkeypatch
):
    calls = _spy(monkeypatch, "reseller_status_set")
    url = reverse("admin:customers_reseller_change", args=[reseller.pk])
    data = _form_data(admin_client, url) | {"clients-TOTAL_FORMS": 0, "clients-INITIAL_FORMS": 0}
    response = admin_client.post(url, data | {"status": "suspended", "name": "Renamed"})
    assert response.status_code == 302
    saved = Reseller.objects.get(pk=reseller.pk)
    assert (saved.status, saved.name) == ("suspended", "Renamed")
    admin_client.post(url, data | {"status": "active", "name": "Renamed"})
    assert Reseller.objects.get(pk=reseller.pk).status == "active"
    admin_client.post(url, data | {"status": "active", "name": "Renamed again"})  # no change
    assert calls == ["suspended", "active"]


def test_the_admin_closes_a_client_through_its_service(admin_client, acme_client, monkeypatch):
    calls = _spy(monkeypatch, "client_status_set")
    url = reverse("admin:customers_client_change", args=[acme_client.pk])
    response = admin_client.post(url, _form_data(admin_client, url) | {"status": "closed"})
    assert response.status_code == 302
    assert Client.objects.get(pk=acme_client.pk).status == "closed"
    assert calls == ["closed"]
