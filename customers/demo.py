"""The demo's people and tenants (used by ``seed_demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from .models import Client, Reseller, Role, User
from .services import membership_add, reseller_create

DEMO_PASSWORD = "didhub-demo"


@dataclass
class DemoPeople:
    admin: User
    reseller: Reseller
    owner: User
    client: Client
    client_admin: User


def demo_people_ensure() -> DemoPeople:
    admin = _user("admin@example.com", "Platform Admin", staff=True)
    reseller = Reseller.objects.filter(slug="acme").first() or reseller_create(
        name="Acme Telecom Ltd",
        slug="acme",
        display_name="Acme Voice",
        support_email="support@acme-voice.example",
        currency="USD",
    )
    if reseller.accent_colour == "#1f6feb":
        reseller.accent_colour = "#7c3aed"
        reseller.save(update_fields=["accent_colour", "updated_at"])
    owner = _user("reseller@example.com", "Rita Reseller")
    membership_add(user=owner, reseller=reseller, role=Role.RESELLER_OWNER)
    globex = _client(reseller, "Globex Corporation", "Hank Scorpio", "ops@globex.example")
    _client(reseller, "Initech", "Bill Lumbergh", "it@initech.example")
    client_admin = _user("client@example.com", "Carla Client")
    membership_add(user=client_admin, reseller=reseller, client=globex, role=Role.CLIENT_ADMIN)
    return DemoPeople(admin, reseller, owner, globex, client_admin)


def _user(email: str, name: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, full_name=name, is_staff=staff, is_superuser=staff
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


def _client(reseller: Reseller, name: str, contact: str, email: str) -> Client:
    client, _created = Client.objects.get_or_create(
        reseller=reseller,
        name=name,
        defaults={"contact_name": contact, "contact_email": email, "billing_country": "US"},
    )
    return client
