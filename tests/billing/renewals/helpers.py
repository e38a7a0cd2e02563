"""Numbers as provisioning leaves them, wallets funded through the real top-up service, and
the upstream requests the renewal services made (recorded instead of the placeholder)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.test import TestCase

from billing import wallets
from billing.renewals.schedule import local_midnight, period_start
from customers.models import Client, Membership, Reseller, User
from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus, ProviderAccount
from tests.factories import ClientFactory, ResellerFactory, reseller_member

D = Decimal


def provider() -> ProviderAccount:
    found = ProviderAccount.objects.filter(name="renewals-didww").first()
    return found or provider_account_create(
        kind="didww", name="renewals-didww", sandbox=True, rate_limit=""
    )


def make_number(
    client: Client,
    *,
    anchor: dt.date,
    cycle: str = "monthly",
    retail: str = "5.00",
    wholesale: str = "3.00",
    cost: str = "1.00",
    e164: str | None = None,
    k: int = 1,
) -> Number:
    reseller = client.reseller
    start = period_start(anchor, cycle, k)
    return Number.objects.create(
        e164=e164 or f"+1212{uuid.uuid4().int % 10_000_000:07d}",
        client=client,
        reseller=reseller,
        provider_account=provider(),
        description="New York",
        number_type="local",
        order_reference=f"DH-TEST{uuid.uuid4().hex[:4].upper()}-1",
        billing_cycle=cycle,
        currency=reseller.currency,
        retail_setup=D("0"),
        retail_period=D(retail),
        wholesale_setup=D("0"),
        wholesale_period=D(wholesale),
        cost_setup=D("0"),
        cost_monthly=D(cost),
        cost_currency="USD",
        status=NumberStatus.ACTIVE,
        activated_at=local_midnight(anchor, reseller.time_zone),
        paid_until=start - dt.timedelta(days=1),
        renewal_anchor=anchor,
        renewal_period=k,
        next_period_start=start,
        renewal_due_at=local_midnight(start, reseller.time_zone),
    )


def tenants(*, time_zone: str = "UTC", **reseller_fields) -> tuple[Reseller, Client, Membership]:
    reseller = ResellerFactory(time_zone=time_zone, **reseller_fields)
    client = ClientFactory(reseller=reseller)
    return reseller, client, reseller_member(reseller)


def platform_admin() -> User:
    return User.objects.filter(email="platform@example.com").first() or User.objects.create(
        email="platform@example.com", is_staff=True
    )


def top_up(owner: Client | Reseller, minor: int) -> None:
    """A real top-up (so the renewal retry hook runs, as it does for a person)."""
    if isinstance(owner, Client):
        member = Membership.objects.filter(reseller=owner.reseller, client=None).first()
        member = member or reseller_member(owner.reseller)
        actor, membership = member.user, member
    else:
        actor, membership = platform_admin(), None
    with TestCase.captureOnCommitCallbacks(execute=True):  # the retry runs on commit
        wallets.wallet_top_up(
        actor=actor,
        membership=membership,
        wallet=wallets.wallet_of(owner),
        amount_minor=minor,
        method="bank_transfer",
        reference="test",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip


def balance(owner: Client | Reseller) -> int:
    wallet = wallets.wallet_of(owner)
    wallet.refresh_from_db()
    return wallet.balance_minor


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)
