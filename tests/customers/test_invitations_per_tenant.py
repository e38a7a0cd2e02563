"""Invitations are per tenant, and inviting never tells whether an address has an account
elsewhere: the invitee's mail says what to do instead (issue 10)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as WebClient
from django.test.utils import CaptureQueriesContext

from customers import services, services_invitations
from customers.models import Invitation, Role
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member

pytestmark = pytest.mark.django_db


def _invite_as(member, path, email, role, capture):
    """POST the invitation form as ``member`` from a fresh browser; (status, location,
    messages, queries)."""
    client = WebClient()
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(path, {"email": email, "role": role})
    texts = [str(m).replace(email, "<email>") for m in get_messages(response.wsgi_request)]
    return response.status_code, response.get("Location"), texts, len(queries)


@pytest.mark.parametrize(
    ("member_fixture", "path", "role"),
    [
        ("client_admin", "/client/team/invite/", Role.CLIENT_USER),
        ("owner", "/reseller/team/invite/", Role.RESELLER_STAFF),
    ],
)
def test_the_answer_is_the_same_whether_the_address_has_an_account_elsewhere_or_not(
    request, member_fixture, path, role, django_capture_on_commit_callbacks
):
    member = request.getfixturevalue(member_fixture)
    elsewhere = client_member(ClientFactory(), Role.CLIENT_ADMIN)  # another reseller's client
    capture = django_capture_on_commit_callbacks
    known = _invite_as(member, path, elsewhere.user.email, role, capture)
    unknown = _invite_as(member, path, "nobody@example.com", role, capture)
    assert known[:3] == unknown[:3]
    assert known[0] == 302
    assert known[2] == ["Invitation sent to <email>."]
    assert known[3] == unknown[3]  # the same work, query for query
    # both were invited, and both were mailed: the inviter cannot tell them apart
    assert Invitation.objects.filter(reseller=member.reseller).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [elsewhere.user.email, "nobody@example.com"]
    )


def test_the_invitee_with_an_account_is_told_what_to_do_and_gets_no_link(
    owner, acme_client, django_capture_on_commit_callbacks
):
    taken = client_member(ClientFactory(), Role.CLIENT_USER).user
    with django_capture_on_commit_callbacks(execute=True):
        services_invitations.invitation_create(
            actor=owner, email=taken.email, role=Role.CLIENT_USER, client=acme_client
        )
        services_invitations.invitation_create(
            actor=owner, email="fresh@example.com", role=Role.CLIENT_USER, client=acme_client
        )
    to_taken, to_fresh = mail.outbox
    assert to_taken.to == [taken.email]
    assert "/invitations/" not in to_taken.body
    assert "already has an account" in to_taken.body
    assert "invite another" in to_taken.body
    assert "already has an account" in to_taken.alternatives[0][0]
    assert "/invitations/" in to_fresh.body
    assert "already has an account" not in to_fresh.body


def test_two_tenants_can_invite_the_same_address(owner, acme_client):
    other_owner = reseller_member(ResellerFactory())
    other_client = ClientFactory(reseller=owner.reseller, name="Initech")
    staff_role = Role.RESELLER_STAFF
    first = services_invitations.invitation_create(
        actor=other_owner, email="a@example.com", role=staff_role
    )
    second = services_invitations.invitation_create(
        actor=owner, email="A@example.com", role=staff_role
    )
    third = services_invitations.invitation_create(
        actor=owner, email="a@example.com", role=Role.CLIENT_USER, client=acme_client
    )
    fourth = services_invitations.invitation_create(
        actor=owner, email="a@example.com", role=Role.CLIENT_USER, client=other_client
    )
    assert len({first.pk, second.pk, third.pk, fourth.pk}) == 4
    assert all(i.is_open for i in Invitation.objects.all())
    assert first.reseller == other_owner.reseller and second.reseller == owner.reseller
    # the same tenant again renews its own
    again = services_invitations.invitation_create(
        actor=owner, email="a@example.com", role=Role.CLIENT_ADMIN, client=acme_client
    )
    assert again.pk == third.pk
    assert Invitation.objects.count() == 4


def test_the_database_holds_one_open_invitation_per_address_and_tenant(owner, acme_client):
    from django.db import IntegrityError, transaction

    Invitation.objects.create(
        email="b@example.com", reseller=owner.reseller, client=acme_client,
        role=Role.CLIENT_USER, expires_at="2099-01-01T00:00Z",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            email="B@example.com", reseller=owner.reseller, client=acme_client,
            role=Role.CLIENT_USER, expires_at="2099-01-01T00:00Z",
        )  # fmt: skip
    Invitation.objects.create(
        email="b@example.com", reseller=owner.reseller, role=Role.RESELLER_STAFF,
        expires_at="2099-01-01T00:00Z",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            email="b@example.com", reseller=owner.reseller, role=Role.RESELLER_OWNER,
            expires_at="2099-01-01T00:00Z",
        )  # fmt: skip


def test_someone_already_on_this_team_is_refused_clearly(owner, staff, client_admin, acme_client):
    with pytest.raises(ValidationError) as exc:
        services_invitations.invitation_create(
            actor=owner, email=staff.user.email, role="reseller_staff"
        )
    assert exc.value.error_dict["email"][0].message == "This person is already on this team."
    with pytest.raises(ValidationError):
        services_invitations.invitation_create(
            actor=client_admin, email=client_admin.user.email, role=Role.CLIENT_USER,
            client=acme_client,
        )  # fmt: skip
    # a member of the reseller's team invited into one of its clients is an ordinary invitation
    invitation = services_invitations.invitation_create(
        actor=owner, email=staff.user.email, role=Role.CLIENT_USER, client=acme_client
    )
    assert invitation.is_open


def test_accepting_with_an_address_that_has_an_account_is_refused_clearly(
    client, owner, acme_client
):
    taken = client_member(ClientFactory(), Role.CLIENT_USER).user
    invitation = services_invitations.invitation_create(
        actor=owner, email=taken.email, role=Role.CLIENT_USER, client=acme_client
    )
    url = f"/invitations/{services_invitations.invitation_token(invitation)}/"
    page = client.get(url)
    assert page.status_code == 409
    assert "already has an account" in page.text
    assert 'name="password1"' not in page.text  # no form it could not honour
    password = "s3cure-pass-phrase"
    response = client.post(url, {"full_name": "X", "password1": password, "password2": password})
    assert response.status_code == 409
    with pytest.raises(ValidationError) as exc:
        services_invitations.invitation_accept(
            invitation=invitation, full_name="X", password="s3cure-pass-phrase"
        )
    assert "another address" in exc.value.messages[0]
    taken.refresh_from_db()
    assert taken.membership.client != acme_client
    invitation.refresh_from_db()
    assert invitation.is_open
    assert "_auth_user_id" not in client.session


def test_a_removed_person_can_be_invited_and_accept_again(owner, staff, acme_client):
    services.membership_remove(actor=owner, member=staff)
    invitation = services_invitations.invitation_create(
        actor=owner, email=staff.user.email, role=Role.CLIENT_USER, client=acme_client
    )
    assert not services_invitations.invitation_address_taken(invitation)
    user = services_invitations.invitation_accept(
        invitation=invitation, full_name="Back", password="s3cure-pass-phrase"
    )
    assert user.pk == staff.user.pk
    assert user.membership.client == acme_client
