"""``seed_demo``'s numbers: bought the month before last with coherent prices and ledger,
renewed last month and invoiced for it, renewed by the clock, one client unable to pay its next
month, and the demo sandbox holding them."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing import ledger
from billing.demo_numbers import DEMO_NUMBER_SOURCES, DEMO_NUMBERS
from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.reconcile.services import reconcile_account
from billing.renewals.charging import renewals_run
from customers.models import Client
from inventory.accounts import adapter_for
from inventory.demo import demo_numbers_plant
from inventory.models import Number, NumberStatus, ProviderAccount
from inventory.providers.registry import PROVIDERS
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, sandbox_for
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
    held_at = {n.e164: n.provider_account.name for n in numbers}
    for e164 in held_at:
        kind = DEMO_NUMBER_SOURCES.get(e164, ("didww",))[0]
        assert held_at[e164] == f"{kind}-sandbox"
    # Globex holds a number at every sandbox provider.
    assert {n.provider_account.kind for n in numbers if n.client == globex} == set(PROVIDERS)
    assert all(n.status == NumberStatus.ACTIVE for n in numbers)
    today = timezone.now().date()
    for number in numbers:  # bought before last month, next period within the next two weeks
        assert number.activated_at.date() < today <= number.next_period_start
        assert number.e164 in text
    purchases = LedgerTransaction.objects.filter(kind=TransactionKind.CAPTURE)
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
    globex_numbers = Number.objects.filter(client=globex).count()
    # Each Globex number renewed last month and again now (its wallet affords all of them).
    assert RenewalCharge.objects.filter(client=globex).count() == 2 * globex_numbers
    assert ledger.client_wallet(globex).balance_minor >= 0
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
    at_didww = Number.objects.filter(provider_account__kind="didww").count()
    assert demo_numbers_plant({"didww": sandbox}) == {"didww": at_didww}
    assert demo_numbers_plant({"didww": sandbox}) == {"didww": 0}  # each once
    number = Number.objects.get(client__name="Initech")
    adapter = adapter_for(number.provider_account, transport=sandbox.transport())
    before = adapter.suspension_snapshot(number.e164)
    adapter.suspend(number.e164)
    did = next(d for d in sandbox.state.dids.values() if d.number == number.e164[1:])
    assert did.billing_cycles_count == 0 and did.voice_in_trunk_id is None
    adapter.restore(number.e164, before)
    assert did.billing_cycles_count is None  # renews again
    adapter.release(number.e164)
    assert did.terminated


def test_every_demo_simulator_holds_its_numbers_and_reconciles_clean():
    """After seeding (and again after the demo bought, suspended and released numbers) every
    sandbox account reconciles with no findings: the plant holds what the database holds."""
    seed()
    accounts = list(ProviderAccount.objects.filter(name__endswith="-sandbox"))
    assert len(accounts) == len(PROVIDERS)
    for account in accounts:  # in-process simulators, as the demo serves them
        account.sandbox, account.base_url = True, PROVIDERS[account.kind].default_base_url
        account.save(update_fields=["sandbox", "base_url"])
    sandboxes = {a.kind: sandbox_for(a.kind, a.name) for a in accounts}
    globex = Client.objects.get(name="Globex Corporation")
    suspended = Number.objects.get(e164="+12064574710")
    suspended.status = NumberStatus.SUSPENDED
    suspended.save(update_fields=["status"])
    gone = Number.objects.get(e164="+14155980150")
    gone.status = NumberStatus.RELEASED
    gone.save(update_fields=["status"])

    planted = demo_numbers_plant(sandboxes)

    held = Number.objects.exclude(status=NumberStatus.RELEASED)
    assert planted == {
        a.kind: held.filter(provider_account=a).count() for a in accounts
    }  # fmt: skip
    assert planted["didfarm"] == planted["pbxme"] == 1 and planted["idtexpress"] == 0
    for account in ProviderAccount.objects.filter(name__endswith="-sandbox"):
        result = reconcile_account(account=account)
        assert result.status == "complete", result.detail
        assert result.findings == {}, (account.name, result.findings)
        assert result.upstream == result.local == held.filter(provider_account=account).count()
    assert Number.objects.filter(client=globex).exclude(status=NumberStatus.RELEASED).count() == 5


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
