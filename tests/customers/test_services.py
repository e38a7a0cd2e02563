from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from customers import services, services_invitations
from customers.models import Client, Invitation, Membership, Role, User
from customers.roles import home_url_for
from tests.factories import ClientFactory, ResellerFactory, UserFactory, reseller_member

pytestmark = pytest.mark.django_db


def test_client_create_belongs_to_the_actors_reseller(owner):
    client = services.client_create(actor=owner, name="Initech", contact_email="it@initech.example")
    assert client.reseller == owner.reseller
    assert client.status == Client.Status.ACTIVE


def test_client_create_refuses_duplicate_names_and_writes_nothing(owner, acme_client):
    before = Client.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.client_create(actor=owner, name="GLOBEX", contact_email="x@example.com")
    assert "name" in exc.value.error_dict
    assert Client.objects.count() == before


def test_client_create_validates_fields(owner):
    with pytest.raises(ValidationError) as exc:
        services.client_create(actor=owner, name="", contact_email="not-an-email")
    assert {"name", "contact_email"} <= set(exc.value.error_dict)
    assert not Client.objects.exists()


def test_client_members_cannot_create_clients(client_admin):
    with pytest.raises(PermissionDenied):
        services.client_create(actor=client_admin, name="X", contact_email="x@example.com")


def test_client_update_by_another_reseller_is_refused(acme_client):
    stranger = reseller_member(ResellerFactory())
    with pytest.raises(PermissionDenied):
        services.client_update(actor=stranger, client=acme_client, name="Hijacked")
    acme_client.refresh_from_db()
    assert acme_client.name == "Globex"


def test_client_admin_edits_own_details_but_not_status(client_admin):
    services.client_update(actor=client_admin, client=client_admin.client, phone="+1 212 555 0100")
    with pytest.raises(PermissionDenied):
        services.client_update(actor=client_admin, client=client_admin.client, status="closed")
    client_admin.client.refresh_from_db()
    assert client_admin.client.phone == "+1 212 555 0100"
    assert client_admin.client.status == "active"


@pytest.mark.parametrize(
    ("actor_fixture", "role", "allowed"),
    [
        ("owner", Role.RESELLER_STAFF, True),
        ("owner", Role.RESELLER_OWNER, True),
        ("owner", Role.CLIENT_USER, True),
        ("staff", Role.RESELLER_STAFF, False),
        ("staff", Role.CLIENT_ADMIN, True),
        ("client_admin", Role.CLIENT_USER, True),
        ("client_admin", Role.RESELLER_STAFF, False),
        ("client_user", Role.CLIENT_USER, False),
    ],
)
def test_who_may_invite_whom(request, acme_client, actor_fixture, role, allowed):
    actor = request.getfixturevalue(actor_fixture)
    client = acme_client if role in (Role.CLIENT_ADMIN, Role.CLIENT_USER) else None
    if allowed:
        invitation = services_invitations.invitation_create(
            actor=actor, email="new@example.com", role=role, client=client
        )
        assert invitation.reseller == actor.reseller
    else:
        with pytest.raises(PermissionDenied):
            services_invitations.invitation_create(
                actor=actor, email="new@example.com", role=role, client=client
            )
        assert not Invitation.objects.exists()


def test_reseller_cannot_invite_into_another_resellers_client(owner):
    foreign = ClientFactory()
    with pytest.raises(PermissionDenied):
        services_invitations.invitation_create(
            actor=owner, email="x@example.com", role=Role.CLIENT_USER, client=foreign
        )


def test_invitation_email_is_sent_on_commit_with_a_working_link(
    owner, acme_client, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services_invitations.invitation_create(
            actor=owner, email="New@Example.com", role=Role.CLIENT_USER, client=acme_client
        )
    assert invitation.email == "new@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert owner.reseller.display_name in message.subject
    link = next(word for word in message.body.split() if "/invitations/" in word)
    assert client.get(link.split("127.0.0.1:8000", 1)[-1]).status_code == 200


def test_inviting_again_renews_the_open_invitation(owner, acme_client):
    first = services_invitations.invitation_create(
        actor=owner, email="a@example.com", role=Role.CLIENT_USER, client=acme_client
    )
    again = services_invitations.invitation_create(
        actor=owner, email="A@example.com", role=Role.CLIENT_ADMIN, client=acme_client
    )
    assert again.pk == first.pk
    assert again.role == Role.CLIENT_ADMIN
    assert Invitation.objects.count() == 1


def test_accepting_creates_a_verified_member(owner, acme_client):
    invitation = services_invitations.invitation_create(
        actor=owner, email="new@example.com", role=Role.CLIENT_USER, client=acme_client
    )
    token = services_invitations.invitation_token(invitation)
    found = services_invitations.invitation_from_token(token)
    user = services_invitations.invitation_accept(
        invitation=found, full_name=" Nia New ", password="s3cure-pass-phrase"
    )
    assert user.full_name == "Nia New"
    assert user.check_password("s3cure-pass-phrase")
    assert user.membership.client == acme_client
    assert user.membership.role == Role.CLIENT_USER
    assert EmailAddress.objects.get(user=user).verified
    assert services_invitations.invitation_from_token(token) is None  # used up


def test_weak_password_creates_nothing(owner):
    invitation = services_invitations.invitation_create(
        actor=owner, email="new@example.com", role=Role.RESELLER_STAFF
    )
    with pytest.raises(ValidationError) as exc:
        services_invitations.invitation_accept(invitation=invitation, full_name="N", password="123")
    assert "password" in exc.value.error_dict
    assert not User.objects.filter(email="new@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


@pytest.mark.parametrize("how", ["revoked", "expired", "tampered"])
def test_dead_links_find_nothing(owner, how):
    invitation = services_invitations.invitation_create(
        actor=owner, email="new@example.com", role=Role.RESELLER_STAFF
    )
    token = services_invitations.invitation_token(invitation)
    if how == "revoked":
        services_invitations.invitation_revoke(actor=owner, invitation=invitation)
    elif how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert services_invitations.invitation_from_token(token) is None


def test_each_role_lands_on_its_home(owner, staff, client_admin, client_user):
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    assert home_url_for(admin) == reverse("admin:index")
    assert home_url_for(owner.user) == reverse("reseller_dashboard")
    assert home_url_for(staff.user) == reverse("reseller_dashboard")
    assert home_url_for(client_admin.user) == reverse("client_dashboard")
    assert home_url_for(client_user.user) == reverse("client_dashboard")
    assert home_url_for(UserFactory()) == reverse("no_access")


def test_membership_add_refuses_a_client_of_another_reseller():
    client = ClientFactory()
    with pytest.raises(ValidationError):
        services.membership_add(
            user=UserFactory(), reseller=ResellerFactory(), client=client, role=Role.CLIENT_USER
        )
    assert not Membership.objects.exists()
