"""``seed_demo``'s numbers: bought the month before last with coherent prices and ledger,
renewed last month and invoiced for it, renewed by the clock, one client unable to pay its next
month, and the demo sandbox holding them."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing import ledger
from billing.demo_numbers import DEMO_NUMBERS
from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from customers.models import Client
from inventory.accounts import adapter_for
from inventory.demo import demo_numbers_plant
from inventory.models import Number, NumberStatus
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.registry import SANDBOX_CREDENTIALS
from tests.billing.reliability.conftest import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_mode(settings):
    settings.DEMO_MODE = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--no-sync", stdout=out)
    return out.getvalue()


def test_seeded_numbers_are_paid_for_once_and_renew(upstream_calls):
    text = seed()
    globex = Client.objects.get(name="Globex Corporation")
    initech = Client.objects.get(name="Initech")
    numbers = list(Number.objects.order_by("renewal_due_at"))
    assert len(numbers) == len(DEMO_NUMBERS)
    assert all(n.provider_account.name == "didww-sandbox" for n in numbers)
    assert all(n.status == NumberStatus.ACTIVE for n in numbers)
    today = timezone.now().date()
    for number in numbers:  # bought before last month, next period within the next two weeks
        assert number.activated_at.date() < today <= number.next_period_start
        assert number.e164 in text
    purchases = LedgerTransaction.objects.filter(kind=TransactionKind.ADJUSTMENT)
    assert purchases.count() == len(DEMO_NUMBERS)
    # Each first month paid for by its own payments: the opening balances are untouched.
    assert ledger.client_wallet(globex).balance_minor == 2500
    assert ledger.reseller_wallet(globex.reseller).balance_minor == 100_000
    assert ledger.client_wallet(initech).balance_minor == 0  # paid exactly its first month
    payments = LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP)
    assert payments.filter(idempotency_key__contains="demo-number:").count() == 2 * len(numbers)
    assert_ledger_sound()

    seed()  # again: nothing new
    assert Number.objects.count() == len(DEMO_NUMBERS)
    assert purchases.count() == len(DEMO_NUMBERS)
    assert ledger.client_wallet(globex).balance_minor == 2500

    first = numbers[0]
    assert f"renewals run --now {first.renewal_due_at:%Y-%m-%dT%H:%M}" in text
    assert renewals_run(now=first.renewal_due_at).charged == 1  # what the command shows
    initech_number = Number.objects.get(client=initech)
    renewals_run(now=initech_number.renewal_due_at)
    initech_number.refresh_from_db()
    assert initech_number.status == NumberStatus.GRACE  # its wallet does not cover the month
    late = max(n.renewal_due_at for n in numbers) + dt.timedelta(days=1)
    renewals_run(now=late)
    initech_number.refresh_from_db()
    assert initech_number.status == NumberStatus.SUSPENDED  # three days of grace are over
    assert RenewalCharge.objects.filter(client=globex).count() == 3 + 3  # last month's too
    assert RenewalCharge.objects.filter(client=initech).count() == 1  # last month's only
    renewals_run(now=late + dt.timedelta(days=30))
    initech_number.refresh_from_db()
    assert initech_number.status == NumberStatus.RELEASING
    assert [kind for e164, kind in upstream_calls if e164 == initech_number.e164] == [
        "suspend",
        "release",
    ]
    assert_ledger_sound()


def test_the_demo_sandbox_holds_the_seeded_numbers_and_suspends_them():
    seed()
    sandbox = DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    assert demo_numbers_plant({"didww": sandbox}) == len(DEMO_NUMBERS)
    assert demo_numbers_plant({"didww": sandbox}) == 0  # each once
    number = Number.objects.get(client__name="Initech")
    adapter = adapter_for(number.provider_account, transport=sandbox.transport())
    before = adapter.suspension_snapshot(number.e164)
    adapter.suspend(number.e164)
    did = next(d for d in sandbox.state.dids.values() if d.number == number.e164[1:])
    assert did.billing_cycles_count == 0 and did.voice_in_trunk_id is None
    adapter.restore(number.e164, before)
    assert did.voice_in_trunk_id == "trunk-demo"
    adapter.release(number.e164)
    assert did.terminated


@pytest.fixture
def upstream_calls(monkeypatch) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []

    def record(*, number, kind, reason=""):
        calls.append((number.e164, kind))

    monkeypatch.setattr("billing.renewals.charging.upstream_action_request", record)
    return calls


def test_seeded_numbers_without_an_order_show_no_broken_order_link(client):
    from django.urls import reverse

    from customers.models import Membership, Role
    from inventory.models import Number

    call_command("seed_demo", "--no-sync", stdout=StringIO())
    number = Number.objects.filter(client__isnull=False).first()
    admin = Membership.objects.filter(client=number.client, role=Role.CLIENT_ADMIN).first()
    client.force_login(admin.user)
    page = client.get(reverse("billing:numbers")).content.decode()
    assert number.e164 in page or number.order_code in page
    assert reverse("billing:order", args=[number.order_code]) not in page
