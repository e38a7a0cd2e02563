"""Numbers on sandbox accounts, planted in the process-wide simulator the job will talk to."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus, ProviderAccount
from inventory.sandbox.registry import sandbox_for
from tests.factories import ClientFactory

_serial = count(100)


def make_account(kind: str, *, name: str = "", faults: dict | None = None) -> ProviderAccount:
    account = provider_account_create(kind=kind, name=name or f"{kind}-sandbox", sandbox=True)
    if faults:
        account.sandbox_faults = faults
        account.save(update_fields=["sandbox_faults"])
    return account


def make_number(account: ProviderAccount, e164: str = "", **fields) -> Number:
    client = fields.pop("client", None) or ClientFactory()
    e164 = e164 or f"+1212555{next(_serial):04d}"
    values = dict(
        e164=e164,
        client=client,
        reseller=client.reseller,
        provider_account=account,
        order_reference="DH-TEST0001-1",
        billing_cycle="monthly",
        currency="USD",
        retail_setup=Decimal("0"),
        retail_period=Decimal("5.00"),
        wholesale_setup=Decimal("0"),
        wholesale_period=Decimal("3.00"),
        cost_setup=Decimal("0"),
        cost_monthly=Decimal("1.00"),
        cost_currency=account.currency,
        status=NumberStatus.ACTIVE,
        activated_at=timezone.now(),
        paid_until=timezone.now().date(),
        # Renewals do not look at these numbers (no due time): they are what upstream acts on.
        renewal_anchor=timezone.now().date(),
        next_period_start=timezone.now().date() + timedelta(days=1),
    )
    values.update(fields)
    return Number.objects.create(**values)


def simulator(account: ProviderAccount):
    """The simulator the account's adapters talk to in this process."""
    return sandbox_for(account.kind, account.name)


@pytest.fixture
def didww_account(db) -> ProviderAccount:
    return make_account("didww")
