import pytest
from django.db import IntegrityError

from customers.models import Membership, Role, User
from tests.factories import ClientFactory, InvitationFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_users_are_keyed_by_lowercased_email():
    user = User.objects.create_user("Mixed.Case@Example.COM", "pw-123456789")
    assert user.email == "mixed.case@example.com"
    assert user.check_password("pw-123456789")
    with pytest.raises(IntegrityError):
        User.objects.create(email="MIXED.case@example.com")


def test_superuser_is_platform_admin():
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    assert admin.is_staff and admin.is_superuser


def test_client_roles_need_a_client():
    reseller = ResellerFactory()
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=UserFactory(), reseller=reseller, role=Role.CLIENT_USER)


def test_reseller_role_with_a_client_is_refused():
    client = ClientFactory()
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=UserFactory(), reseller=client.reseller, client=client, role=Role.RESELLER_STAFF
        )


def test_client_names_are_unique_per_reseller_ignoring_case():
    client = ClientFactory(name="Globex")
    ClientFactory(name="GLOBEX")  # another reseller may use the name
    with pytest.raises(IntegrityError):
        ClientFactory(reseller=client.reseller, name="globex")


def test_one_open_invitation_per_email():
    first = InvitationFactory(email="a@example.com")
    with pytest.raises(IntegrityError):
        InvitationFactory(email="A@example.com", reseller=first.reseller)


def test_invitation_status_follows_its_dates():
    from datetime import timedelta

    from django.utils import timezone

    invitation = InvitationFactory()
    assert invitation.status == "pending" and invitation.is_open
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    assert invitation.status == "expired" and not invitation.is_open
    invitation.revoked_at = timezone.now()
    assert invitation.status == "revoked"
