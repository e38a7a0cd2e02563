from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from customers.models import Client, Invitation, Membership, Reseller, Role, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


class ResellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reseller

    name = factory.Sequence(lambda n: f"Reseller {n}")
    slug = factory.Sequence(lambda n: f"reseller-{n}")
    display_name = factory.LazyAttribute(lambda o: f"{o.name} Voice")
    support_email = factory.LazyAttribute(lambda o: f"support@{o.slug}.example")
    accent_colour = "#0a7d5a"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    reseller = factory.SubFactory(ResellerFactory)
    name = factory.Sequence(lambda n: f"Client {n:03d}")
    contact_email = factory.Sequence(lambda n: f"contact{n}@client.example")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    reseller = factory.SubFactory(ResellerFactory)
    client = None
    role = Role.RESELLER_OWNER


def reseller_member(reseller: Reseller, role: str = Role.RESELLER_OWNER, **user) -> Membership:
    return MembershipFactory(reseller=reseller, role=role, user=UserFactory(**user))


def client_member(client: Client, role: str = Role.CLIENT_ADMIN, **user) -> Membership:
    return MembershipFactory(
        reseller=client.reseller, client=client, role=role, user=UserFactory(**user)
    )


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    reseller = factory.SubFactory(ResellerFactory)
    client = None
    role = Role.RESELLER_STAFF
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def forget_provider_state() -> None:
    """Simulators and pooled adapters in this process: a new simulator reuses order ids and
    account names, which an old adapter would reach through an old transport."""
    from inventory.adapter_pool import POOL
    from inventory.sandbox.registry import reset_sandboxes

    POOL.close_all()
    reset_sandboxes()
