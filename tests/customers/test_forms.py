"""Phone numbers and time zones as people enter them on the client and profile forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.forms import ClientForm, time_zone_choices
from customers.models import Client

pytestmark = pytest.mark.django_db


def client_form(**data) -> ClientForm:
    return ClientForm({"name": "Globex", "contact_email": "ops@globex.example", **data})


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("+44 20 7946 0958", "", "+442079460958"),
        ("(212) 555-0134", "US", "+12125550134"),
        ("030 901820", "DE", "+4930901820"),
        ("+1 212 555 0134", "DE", "+12125550134"),  # an international number wins over the country
    ],
)
def test_a_phone_is_stored_as_e164(typed, country, stored):
    form = client_form(phone=typed, billing_country=country, status="active")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == stored


@pytest.mark.parametrize(
    ("typed", "country"),
    [("not a phone!!", ""), ("12345", "US"), ("212 555 0134", ""), ("+1 212 555", "")],
)
def test_a_phone_that_is_not_one_is_refused_with_a_clear_error(typed, country):
    form = client_form(phone=typed, billing_country=country, status="active")
    assert not form.is_valid()
    assert "country code" in form.errors["phone"][0]


def test_the_phone_stays_optional():
    form = client_form(phone="", status="active")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == ""


def test_creating_a_client_with_a_bad_phone_writes_nothing(client, owner):
    client.force_login(owner.user)
    response = client.post(
        reverse("reseller:client_create"),
        {"name": "Globex", "contact_email": "a@b.example", "phone": "not a phone!!",
         "status": "active"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert b"country code" in response.content
    assert not Client.objects.exists()


def test_the_client_page_shows_the_phone_as_people_write_it(client, owner):
    client.force_login(owner.user)
    client.post(
        reverse("reseller:client_create"),
        {"name": "Globex", "contact_email": "a@b.example", "phone": "(212) 555-0134",
         "billing_country": "US", "status": "active"},
    )  # fmt: skip
    saved = Client.objects.get()
    assert saved.phone == "+12125550134"
    page = client.get(reverse("reseller:client_detail", args=[saved.pk])).content.decode()
    assert "(212) 555-0134" in page and 'href="tel:+12125550134"' in page


def test_time_zones_are_places_people_live_grouped_by_region():
    choices = time_zone_choices()
    flat = {value for value, _label in choices[:1]}
    groups = dict(choices[1:])
    for zones in groups.values():
        flat |= {value for value, _label in zones}
    assert choices[0] == ("UTC", "UTC")
    assert {"Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"} <= flat
    assert not flat & {"localtime", "Factory", "posixrules", "GMT", "US/Eastern", "Cuba"}
    assert not [zone for zone in flat if zone.startswith(("Etc/", "posix/", "right/"))]
    assert list(groups) == sorted(groups)
    assert ("America/New_York", "New York") in groups["America"]
    assert ("America/Argentina/Buenos_Aires", "Argentina / Buenos Aires") in groups["America"]


def test_the_profile_saves_a_listed_time_zone_and_refuses_factory(client, client_user):
    client.force_login(client_user.user)
    url = reverse("client:profile")
    refused = client.post(
        url, {"save_profile": "1", "profile-full_name": "X", "profile-time_zone": "Factory"}
    )
    assert refused.status_code == 400
    client.post(
        url, {"save_profile": "1", "profile-full_name": "X", "profile-time_zone": "Europe/Paris"}
    )
    client_user.user.refresh_from_db()
    assert client_user.user.time_zone == "Europe/Paris"
    page = client.get(url).content.decode()
    assert '<optgroup label="Europe">' in page and ">Paris</option>" in page


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("DE 136 695 976", "DE", "DE136695976"),  # an EU VAT id, compacted
        ("EL094259216", "GR", "EL094259216"),  # Greece's ids say EL
        ("12-3456789", "US", "12-3456789"),  # outside the EU: kept as typed
        ("", "DE", ""),
    ],
)
def test_an_eu_vat_id_is_checked_and_compacted(typed, country, stored):
    form = client_form(tax_id=typed, billing_country=country, status="active")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tax_id"] == stored


@pytest.mark.parametrize(
    ("typed", "country"), [("DE136695977", "DE"), ("DE136695976", "AT"), ("nonsense", "FR")]
)
def test_an_eu_vat_id_that_is_wrong_or_of_another_country_is_refused(typed, country):
    form = client_form(tax_id=typed, billing_country=country, status="active")
    assert not form.is_valid()
    assert "VAT id" in form.errors["tax_id"][0]
