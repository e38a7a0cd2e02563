"""Create the demo's people and tenants. Safe to run again: it changes nothing the second time."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from customers.models import Client, Reseller, Role, User
from customers.services import membership_add, reseller_create

DEMO_PASSWORD = "didhub-demo"


class Command(BaseCommand):
    help = "Create (or keep) the demo admin, reseller and clients, and print the logins."

    # Later issues extend the seed (providers, catalog, prices, wallets) through this list.
    extensions: list[str] = []

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        admin = self._user("admin@example.com", "Platform Admin", staff=True)
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
        owner = self._user("reseller@example.com", "Rita Reseller")
        membership_add(user=owner, reseller=reseller, role=Role.RESELLER_OWNER)

        globex = self._client(
            reseller, "Globex Corporation", "Hank Scorpio", "ops@globex.example", "US"
        )
        self._client(reseller, "Initech", "Bill Lumbergh", "it@initech.example", "US")
        client_admin = self._user("client@example.com", "Carla Client")
        membership_add(user=client_admin, reseller=reseller, client=globex, role=Role.CLIENT_ADMIN)

        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for user, where in (
            (admin, "platform admin → /admin/"),
            (owner, f"reseller owner of {reseller.display_name} → /reseller/"),
            (client_admin, f"client admin of {globex.name} → /client/"),
        ):
            self.stdout.write(f"  {user.email:<24} {DEMO_PASSWORD}   ({where})")

    def _user(self, email: str, name: str, *, staff: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, DEMO_PASSWORD, full_name=name, is_staff=staff, is_superuser=staff
            )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        return user

    def _client(self, reseller: Reseller, name: str, contact: str, email: str, country: str):
        client, _created = Client.objects.get_or_create(
            reseller=reseller,
            name=name,
            defaults={"contact_name": contact, "contact_email": email, "billing_country": country},
        )
        return client
