"""Pages follow the tenant's status: the notice, controls hidden with a sentence instead, POSTs
refused with a 403 page that says why (never a 500), sign-in still working, and the owner-only
client status page with its confirm step."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from billing import wallets
from billing.forms_wallets import new_idempotency_key
from customers.models import Client, Reseller, Role
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ResellerFactory,
    client_member,
    reseller_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    reseller = ResellerFactory(display_name="Wave Voice")
    client = ClientFactory(reseller=reseller, name="Globex")
    return {
        "reseller": reseller,
        "client": client,
        "owner": reseller_member(reseller, Role.RESELLER_OWNER),
        "staff": reseller_member(reseller, Role.RESELLER_STAFF),
        "client_admin": client_member(client, Role.CLIENT_ADMIN),
    }


def _status(tenant, *, reseller: str = "active", client: str = "active") -> None:
    Reseller.objects.filter(pk=tenant["reseller"].pk).update(status=reseller)
    Client.objects.filter(pk=tenant["client"].pk).update(status=client)


def _html(web, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _notice(html: str) -> str:
    found = re.search(r'<div class="message message-warning" role="status" id="[^"]+">(.*?)</div>',
                      html, re.S)  # fmt: skip
    return found.group(1) if found else ""


def test_a_suspended_resellers_clients_see_a_neutral_notice(client, tenant):
    _status(tenant, reseller="suspended")
    client.force_login(tenant["client_admin"].user)
    for name in ("client_dashboard", "billing:wallet", "billing:numbers", "client:team"):
        notice = _notice(_html(client, reverse(name)))
        assert "Changes and new orders are paused on this account." in notice, name
        assert "Your numbers keep working" in notice
        assert tenant["reseller"].support_email in notice
        # No reason, and nothing of the platform or of providers.
        words = notice.replace(tenant["reseller"].support_email, "").lower()
        for word in ("suspend", "platform", "didhub", "didww", "reseller"):
            assert word not in words, (name, word)


def test_a_suspended_resellers_people_are_told_and_active_ones_are_not(client, tenant):
    client.force_login(tenant["staff"].user)
    assert _notice(_html(client, reverse("reseller_dashboard"))) == ""
    _status(tenant, reseller="suspended")
    assert "Your account is suspended." in _notice(_html(client, reverse("reseller_dashboard")))


@pytest.mark.parametrize(("status", "words"), [("suspended", "suspended"), ("closed", "closed")])
def test_a_paused_client_sees_a_read_only_notice(client, tenant, status, words):
    _status(tenant, client=status)
    client.force_login(tenant["client_admin"].user)
    notice = _notice(_html(client, reverse("client_dashboard")))
    assert f"This account is {words}." in notice
    assert "numbers, invoices and wallet" in notice


def test_a_suspended_reseller_owner_reads_everything_but_sees_no_controls(client, tenant):
    _status(tenant, reseller="suspended")
    client.force_login(tenant["owner"].user)
    pk = tenant["client"].pk
    detail = _html(client, reverse("reseller:client_detail", args=[pk]))
    assert 'id="invite-paused"' in detail and 'name="email"' not in detail
    assert reverse("reseller:client_edit", args=[pk]) not in detail
    assert reverse("reseller:client_status", args=[pk]) not in detail
    assert "while your account is suspended" in detail
    team = _html(client, reverse("reseller:team"))
    assert 'id="invite-paused"' in team and 'name="email"' not in team
    assert 'id="branding-paused"' in _html(client, reverse("reseller:branding"))
    markups = _html(client, reverse("billing:markups"))
    assert 'id="pricing-paused"' in markups
    assert reverse("billing:markup_save") not in markups
    wallet = _html(client, reverse("billing:client_wallet", args=[pk]))
    assert 'id="top-up-paused"' in wallet
    assert reverse("billing:client_top_up", args=[pk]) not in wallet
    assert 'name="credit_limit"' not in wallet
    assert reverse("reseller:client_create") not in _html(client, reverse("reseller:client_list"))


def test_a_suspended_client_is_still_paid_and_edited_by_its_reseller(client, tenant):
    _status(tenant, client="suspended")
    client.force_login(tenant["owner"].user)
    pk = tenant["client"].pk
    detail = _html(client, reverse("reseller:client_detail", args=[pk]))
    assert "No one can be invited while this client is suspended." in detail
    assert reverse("reseller:client_edit", args=[pk]) in detail
    assert f"{reverse('reseller:client_status', args=[pk])}?to=active" in detail
    wallet = _html(client, reverse("billing:client_wallet", args=[pk]))
    assert reverse("billing:client_top_up", args=[pk]) in wallet
    assert 'name="credit_limit"' not in wallet


def test_a_paused_clients_admin_sees_no_team_or_company_controls(client, tenant):
    _status(tenant, client="closed")
    client.force_login(tenant["client_admin"].user)
    team = _html(client, reverse("client:team"))
    assert 'id="invite-paused"' in team and 'name="email"' not in team
    assert 'name="role"' not in team
    profile = _html(client, reverse("client:profile"))
    assert 'id="company-paused"' in profile and 'name="save_company"' not in profile
    assert 'name="save_profile"' in profile  # their own name and time zone stay theirs


@pytest.mark.parametrize(
    ("who", "reseller_status", "client_status", "url_name", "data"),
    [
        ("owner", "suspended", "active", "reseller:team_invite",
         {"email": "x@wave.example", "role": Role.RESELLER_STAFF}),
        ("staff", "suspended", "active", "reseller:client_create",
         {"name": "Initech", "contact_email": "it@initech.example"}),
        ("owner", "suspended", "active", "reseller:branding",
         {"display_name": "New", "accent_colour": "#112233",
          "support_email": "help@wave.example"}),
        ("client_admin", "active", "closed", "client:team_invite",
         {"email": "x@globex.example", "role": Role.CLIENT_USER}),
        ("client_admin", "active", "suspended", "client:profile",
         {"save_company": "1", "company-name": "Globex 2",
          "company-contact_email": "a@globex.example"}),
    ],
)  # fmt: skip
def test_a_refused_post_is_a_403_that_says_why_and_changes_nothing(
    client, tenant, who, reseller_status, client_status, url_name, data
):
    _status(tenant, reseller=reseller_status, client=client_status)
    client.force_login(tenant[who].user)
    before = (Client.objects.count(), Client.objects.get(pk=tenant["client"].pk).name)
    response = client.post(reverse(url_name), data)
    assert response.status_code == 403
    assert 'id="refusal"' in response.content.decode()
    assert (Client.objects.count(), Client.objects.get(pk=tenant["client"].pk).name) == before
    assert Reseller.objects.get(pk=tenant["reseller"].pk).display_name == "Wave Voice"


def test_a_refused_payment_is_a_403_and_records_nothing(client, tenant):
    _status(tenant, reseller="suspended")
    client.force_login(tenant["staff"].user)
    url = reverse("billing:client_top_up", args=[tenant["client"].pk])
    data = {
        "amount": "10.00",
        "method": "cash",
        "reference": "R1",
        "idempotency_key": new_idempotency_key(),
    }
    assert client.post(url, data).status_code == 403
    assert wallets.wallet_of(tenant["client"]).balance_minor == 0


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_a_paused_clients_people_still_sign_in(client, tenant, status):
    _status(tenant, client=status)
    response = client.post(
        reverse("account_login"),
        {"login": tenant["client_admin"].user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("billing:wallet")).status_code == 200


def test_staff_cannot_open_the_client_status_page(client, tenant):
    client.force_login(tenant["staff"].user)
    url = reverse("reseller:client_status", args=[tenant["client"].pk]) + "?to=suspended"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Client.objects.get(pk=tenant["client"].pk).status == "active"
    detail = _html(client, reverse("reseller:client_detail", args=[tenant["client"].pk]))
    assert "Only an owner of your account can suspend" in detail


def test_the_owner_confirms_before_a_client_is_suspended(client, tenant):
    client.force_login(tenant["owner"].user)
    pk = tenant["client"].pk
    url = reverse("reseller:client_status", args=[pk]) + "?to=suspended"
    assert url in _html(client, reverse("reseller:client_detail", args=[pk]))
    confirm = _html(client, url)
    assert "Suspend Globex?" in confirm
    assert Client.objects.get(pk=pk).status == "active"  # the GET changed nothing
    response = client.post(url)
    assert response.status_code == 302
    assert Client.objects.get(pk=pk).status == "suspended"
    again = reverse("reseller:client_status", args=[pk]) + "?to=active"
    client.post(again)
    assert Client.objects.get(pk=pk).status == "active"


@pytest.mark.parametrize("to", ["", "deleted", "x" * 300, "active\x00"])
def test_an_unknown_status_is_a_404(client, tenant, to):
    client.force_login(tenant["owner"].user)
    url = reverse("reseller:client_status", args=[tenant["client"].pk])
    assert client.get(url, {"to": to}).status_code in (400, 404)
    assert client.post(url + "?to=" + to).status_code in (400, 404)
    assert Client.objects.get(pk=tenant["client"].pk).status == "active"


def test_the_client_form_has_no_status_field(client, tenant):
    client.force_login(tenant["owner"].user)
    html = _html(client, reverse("reseller:client_edit", args=[tenant["client"].pk]))
    assert 'name="status"' not in html


def test_an_invitation_into_a_paused_client_says_so_before_the_form(client, tenant):
    from customers.services_invitations import invitation_token
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(
        reseller=tenant["reseller"], client=tenant["client"], role=Role.CLIENT_USER
    )
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    assert 'name="password1"' in client.get(url).content.decode()
    _status(tenant, client="closed")
    html = client.get(url).content.decode()
    assert "This invitation cannot be used right now" in html
    assert 'name="password1"' not in html
    data = {"full_name": "N", "password1": "a-Long-pass-9731", "password2": "a-Long-pass-9731"}
    assert client.post(url, data).status_code == 200
    assert (
        not Client.objects.get(pk=tenant["client"].pk)
        .memberships.filter(user__email=invitation.email)
        .exists()
    )
