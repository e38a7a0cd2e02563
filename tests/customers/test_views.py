import pytest
from django.urls import reverse

from customers.models import Client, Invitation, Reseller
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner.user)
    return client


def test_clients_list_searches_and_paginates(as_owner, owner):
    for n in range(25):
        ClientFactory(reseller=owner.reseller, name=f"Alpha {n:02d}")
    ClientFactory(reseller=owner.reseller, name="Zeta Corp")
    ClientFactory(name="Alpha of another reseller")
    url = reverse("reseller:client_list")

    page1 = as_owner.get(url, {"q": "alpha"}).content.decode()
    assert "Alpha 00" in page1 and "Alpha 19" in page1 and "Alpha 20" not in page1
    assert "another reseller" not in page1 and "Zeta" not in page1
    assert "page=2" in page1

    page2 = as_owner.get(url, {"q": "alpha", "page": 2}).content.decode()
    assert "Alpha 24" in page2 and "Alpha 00" not in page2


def test_htmx_request_gets_only_the_results_partial(as_owner, owner):
    ClientFactory(reseller=owner.reseller, name="Globex")
    url = reverse("reseller:client_list")
    full = as_owner.get(url).content.decode()
    partial = as_owner.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and 'id="results"' in full
    assert "<html" not in partial and partial.strip().startswith('<div id="results"')
    assert "Globex" in partial


@pytest.mark.parametrize("page", ["0", "-3", "abc", "999"])
def test_odd_page_numbers_still_answer(as_owner, owner, page):
    ClientFactory(reseller=owner.reseller)
    assert as_owner.get(reverse("reseller:client_list"), {"page": page}).status_code == 200


def test_invalid_client_form_rerenders_with_errors_and_writes_nothing(as_owner):
    response = as_owner.post(
        reverse("reseller:client_create"),
        {"name": "", "contact_email": "nope", "billing_country": "XX", "status": "active"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"name", "contact_email", "billing_country"} <= set(form.errors)
    assert not Client.objects.exists()


def test_duplicate_client_name_is_a_field_error(as_owner, owner):
    ClientFactory(reseller=owner.reseller, name="Globex")
    response = as_owner.post(
        reverse("reseller:client_create"),
        {"name": "globex", "contact_email": "a@b.example", "status": "active"},
    )
    assert "name" in response.context["form"].errors
    assert Client.objects.count() == 1


def test_create_then_edit_client(as_owner, owner):
    response = as_owner.post(
        reverse("reseller:client_create"),
        {"name": "Initech", "contact_email": "it@initech.example", "status": "active"},
    )
    client = Client.objects.get(name="Initech")
    assert response.url == reverse("reseller:client_detail", args=[client.pk])
    response = as_owner.post(
        reverse("reseller:client_edit", args=[client.pk]),
        {"name": "Initech LLC", "contact_email": "it@initech.example", "status": "suspended"},
    )
    client.refresh_from_db()
    # The status is not an edit field any more: it changes on its own confirm page (owners).
    assert (client.name, client.status) == ("Initech LLC", "active")


def test_invalid_edit_keeps_the_saved_name_in_the_heading(as_owner, owner):
    client = ClientFactory(reseller=owner.reseller, name="Globex")
    response = as_owner.post(
        reverse("reseller:client_edit", args=[client.pk]),
        {"name": "", "contact_email": "bad", "status": "active"},
    )
    assert "Edit Globex" in response.content.decode()
    client.refresh_from_db()
    assert client.name == "Globex"


def test_invite_with_bad_email_shows_the_error(as_owner, owner):
    client = ClientFactory(reseller=owner.reseller)
    response = as_owner.post(
        reverse("reseller:client_invite", args=[client.pk]),
        {"email": "nope", "role": "client_user"},
    )
    assert response.status_code == 400
    assert "email" in response.context["invite_form"].errors
    assert not Invitation.objects.exists()


def test_staff_cannot_invite_colleagues_or_edit_branding(client, staff):
    client.force_login(staff.user)
    assert (
        client.post(
            reverse("reseller:team_invite"), {"email": "a@example.com", "role": "reseller_staff"}
        ).status_code
        == 403
    )
    assert client.get(reverse("reseller:branding")).status_code == 403
    assert not Invitation.objects.exists()


def test_branding_rejects_bad_colour_and_changes_nothing(as_owner, owner):
    response = as_owner.post(
        reverse("reseller:branding"),
        {"display_name": "New", "accent_colour": "red", "support_email": "s@x.example"},
    )
    assert "accent_colour" in response.context["form"].errors
    reseller = Reseller.objects.get(pk=owner.reseller_id)
    assert reseller.display_name == owner.reseller.display_name


def test_branding_saves_and_shows_on_every_page(as_owner, owner):
    as_owner.post(
        reverse("reseller:branding"),
        {"display_name": "Hello Voice", "accent_colour": "#ff5500", "support_email": "s@x.example"},
    )
    page = as_owner.get(reverse("reseller:client_list")).content.decode()
    assert "Hello Voice" in page
    css = as_owner.get(reverse("brand_css", args=[owner.reseller.slug])).content.decode()
    assert "#ff5500" in css
    # An unticked box is absent from the POST: the owner turned order emails off.
    assert Reseller.objects.get(pk=owner.reseller_id).order_emails is False


def test_client_pages_wear_the_resellers_brand(client, client_admin):
    client.force_login(client_admin.user)
    for name in ("client_dashboard", "client:profile", "client:team"):
        page = client.get(reverse(name)).content.decode()
        assert client_admin.reseller.display_name in page
        assert f"/brand/{client_admin.reseller.slug}.css" in page


def test_client_user_cannot_invite(client, client_user):
    client.force_login(client_user.user)
    assert (
        client.post(
            reverse("client:team_invite"), {"email": "a@example.com", "role": "client_user"}
        ).status_code
        == 403
    )


def test_profile_rejects_unknown_time_zone(client, client_user):
    client.force_login(client_user.user)
    response = client.post(
        reverse("client:profile"),
        {"save_profile": "1", "profile-full_name": "X", "profile-time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    client_user.user.refresh_from_db()
    assert client_user.user.time_zone == "UTC"


def test_accept_invitation_page_signs_the_person_in(client, owner, acme_client):
    from customers.services_invitations import invitation_create, invitation_token

    invitation = invitation_create(
        actor=owner, email="new@example.com", role="client_user", client=acme_client
    )
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    bad = client.post(url, {"full_name": "N", "password1": "a", "password2": "b"})
    assert bad.status_code == 400
    response = client.post(
        url,
        {"full_name": "Nia", "password1": "s3cure-pass-phrase", "password2": "s3cure-pass-phrase"},
    )
    assert response.url == reverse("client_dashboard")
    assert client.get(reverse("client_dashboard")).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(reverse("reseller:client_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_history_restore_gets_the_whole_page(as_owner):
    response = as_owner.get(
        reverse("reseller:client_list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()
