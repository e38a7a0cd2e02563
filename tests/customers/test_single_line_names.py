"""Names with line breaks or other control characters are refused with a form error (issue 10)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Client, Reseller, Role
from customers.validators import has_control_characters
from tests.factories import ClientFactory, client_member

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ["Acme\r\nBcc: x@evil.example", "Acme\nCorp", "Acme\tCorp", "Ac\x1bme", "Ac\x85me"]
ERROR = "no line breaks, tabs or other control characters"


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner.user)
    return client


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_reseller_cannot_rename_a_client_with_control_characters(as_owner, owner, name):
    client = ClientFactory(reseller=owner.reseller, name="Globex")
    response = as_owner.post(
        reverse("reseller:client_edit", args=[client.pk]),
        {"name": name, "contact_email": "it@globex.example", "status": "active"},
    )
    assert ERROR in response.content.decode()
    client.refresh_from_db()
    assert client.name == "Globex"


def test_a_client_admin_cannot_rename_the_company_with_a_line_break(client, reseller):
    company = ClientFactory(reseller=reseller, name="Globex")
    client.force_login(client_member(company, Role.CLIENT_ADMIN).user)
    response = client.post(
        reverse("client:profile"),
        {
            "save_company": "1",
            "company-name": "Globex\r\nX",
            "company-contact_email": "a@b.example",
        },
    )
    assert response.status_code == 400
    assert ERROR in response.content.decode()
    assert Client.objects.get(pk=company.pk).name == "Globex"


def test_a_person_cannot_take_a_name_with_a_line_break(client, reseller):
    member = client_member(ClientFactory(reseller=reseller), Role.CLIENT_USER, full_name="Ann")
    client.force_login(member.user)
    response = client.post(
        reverse("client:profile"),
        {"save_profile": "1", "profile-full_name": "Ann\nBob", "profile-time_zone": "UTC"},
    )
    assert response.status_code == 400
    member.user.refresh_from_db()
    assert member.user.full_name == "Ann"


def test_a_brand_name_with_a_line_break_is_refused(as_owner, owner):
    reseller = owner.reseller
    response = as_owner.post(
        reverse("reseller:branding"),
        {
            "display_name": "Wave\r\nVoice", "accent_colour": "#0a7d5a",
            "support_email": reseller.support_email, "domain": "",
        },
    )  # fmt: skip
    assert ERROR in response.content.decode()
    assert Reseller.objects.get(pk=reseller.pk).display_name == reseller.display_name


def test_ordinary_names_are_welcome():
    for name in ("Zoë & Søn GmbH", "株式会社", "O'Brien-Smith (UK) Ltd.", "Café 😀"):
        assert not has_control_characters(name)


def test_a_payment_reference_with_a_line_break_is_refused(as_owner, owner):
    from billing.models import Posting

    company = ClientFactory(reseller=owner.reseller)
    url = reverse("billing:client_top_up", args=[company.pk])
    payment = {"amount": "10.00", "method": "cash", "idempotency_key": "a" * 32}
    response = as_owner.post(url, {**payment, "reference": "INV-1\r\nX"})
    assert response.status_code == 400
    assert ERROR in response.content.decode()
    assert not Posting.objects.exists()
    as_owner.post(url, {**payment, "reference": "INV-1"})
    assert Posting.objects.exists()  # the same payment on one line is recorded
