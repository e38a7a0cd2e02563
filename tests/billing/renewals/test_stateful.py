"""A hypothesis state machine over renewals with a movable clock (issue 11): time passes and the
renewal job runs, wallets are topped up and drained, credit limits raised, auto-renew turned off
and on, numbers released early (at once or at period end), the provider blocks and unblocks
them. ``stateful_model.py`` predicts every balance, charged period and state; the database is
compared with it after every step.

The clock is ``django.utils.timezone.now`` patched to the machine's own time, so the services
that read the clock themselves (an early release, the retry a top-up triggers on commit) see the
moment the renewal job was given. Each example runs inside a savepoint rolled back at its end.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from billing import wallets
from billing.models import LedgerAccount, LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from billing.renewals.schedule import local_midnight
from billing.renewals.services import (
    RELEASE_AT_PERIOD_END,
    RELEASE_NOW,
    number_auto_renew_set,
    number_release_request,
    reseller_renewal_settings_set,
)
from customers.models import Client
from inventory.models import Number, UpstreamAction, UpstreamKind, UpstreamState
from inventory.numbers import number_provider_block_set, number_release_complete
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.factories import ClientFactory, client_member

from .helpers import make_number, provider, tenants
from .stateful_model import CYCLE_MONTHS, GONE, OWING, PAID, Expected, RenewalsModel, S, Tenancy

pytestmark = pytest.mark.django_db

# Before the first period of any number falls due, in every time zone below (UTC+14 included).
START = dt.datetime(2029, 12, 31, tzinfo=dt.UTC)
ZONES = ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"]  # +14, -11, DST
CHOICES = ["auto_renew_off", "auto_renew_on", "release_at_period_end", "release_now"]


class Renewals(RuleBasedStateMachine):
    ctx: dict = {}  # set by the test: tenants, memberships, the clock holder

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.ctx["clock"]["now"] = START
        self.reseller, self.clients = self.ctx["reseller"], self.ctx["clients"]
        self.m = RenewalsModel(
            Tenancy(self.reseller.pk, [c.pk for c in self.clients], self.ctx["provider"].pk),
            START,
        )
        self.charges_when_gone: dict[int, int] = {}
        self.reseller_payments: list[tuple[int, int]] = []  # (transaction, amount) unreversed

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    @initialize(
        zone=st.sampled_from(ZONES),
        grace=st.integers(0, 5),
        suspension=st.integers(0, 12),
        credit=st.booleans(),
        numbers=st.lists(
            st.tuples(
                st.integers(0, 1),  # which client
                st.integers(1, 31),  # anchor day in December 2029 (month ends included)
                st.sampled_from(list(CYCLE_MONTHS)),
                st.integers(100, 900),  # retail per period, minor units
            ),
            min_size=1,
            max_size=4,
        ),
        client_money=st.tuples(st.integers(0, 5_000), st.integers(0, 5_000)),
        reseller_money=st.integers(0, 20_000),
    )
    def setup(self, zone, grace, suspension, credit, numbers, client_money, reseller_money):
        self.reseller = reseller_renewal_settings_set(
            actor=self.ctx["owner"], reseller=self.reseller, time_zone=zone,
            grace_days=grace, suspension_days=suspension, prorated_credit=credit,
        )  # fmt: skip
        t = self.m.t
        t.time_zone, t.grace_days, t.suspension_days, t.prorated_credit = (
            zone, grace, suspension, credit
        )  # fmt: skip
        # make_number reads the time zone from the client's reseller: load the new one.
        self.clients = [
            Client.objects.select_related("reseller").get(pk=c.pk) for c in self.clients
        ]
        for client, day, cycle, retail in numbers:
            anchor = dt.date(2029, 12, day)
            wholesale, cost_monthly = retail * 6 // 10, retail // 10
            row = make_number(
                self.clients[client], anchor=anchor, cycle=cycle, retail=f"{retail / 100:.2f}",
                wholesale=f"{wholesale / 100:.2f}", cost=f"{cost_monthly / 100:.2f}",
            )  # fmt: skip
            cost = cost_monthly * CYCLE_MONTHS[cycle]
            self.m.numbers[row.pk] = Expected(
                row.pk, client, anchor, cycle, retail, wholesale, cost
            )
        for owner, amount in ((0, client_money[0]), (1, client_money[1]), (None, reseller_money)):
            if amount:
                self.top_up(owner, amount)

    # --- time ----------------------------------------------------------------------------------

    def time_passes(self, delta: dt.timedelta) -> None:
        self.m.now = self.ctx["clock"]["now"] = self.m.now + delta
        with TestCase.captureOnCommitCallbacks(execute=True):
            renewals_run(now=self.m.now)
        self.m.run()

    @rule(hours=st.integers(1, 48))
    def hours_pass(self, hours: int) -> None:
        self.time_passes(dt.timedelta(hours=hours))

    @rule(days=st.integers(2, 40))
    def days_pass(self, days: int) -> None:
        self.time_passes(dt.timedelta(days=days))

    # --- money ---------------------------------------------------------------------------------

    def top_up(self, client: int | None, amount: int) -> None:
        """A real payment (reseller owner for a client, platform admin for the reseller); the
        renewal retry it enqueues runs on commit, as it does for a person."""
        owner, admin = self.ctx["owner"], self.ctx["admin"]
        actor, membership = (owner.user, owner) if client is not None else (admin, None)
        wallet = wallets.wallet_of(self.clients[client] if client is not None else self.reseller)
        with TestCase.captureOnCommitCallbacks(execute=True):
            txn, created = wallets.wallet_top_up(
                actor=actor, membership=membership, wallet=wallet, amount_minor=amount,
                method="bank_transfer", reference="test", idempotency_key=uuid.uuid4().hex,
            )  # fmt: skip
        assert created
        self.m.paid_in(client, amount)
        if client is None:
            self.reseller_payments.append((txn.pk, amount))
        self.m.retry(client=client)

    @rule(client=st.integers(0, 1), amount=st.integers(1, 3_000), as_credit=st.booleans())
    def client_money(self, client: int, amount: int, as_credit: bool) -> None:
        if not as_credit:
            return self.top_up(client, amount)
        key = self.m.wallet(client)
        with TestCase.captureOnCommitCallbacks(execute=True):
            wallets.wallet_credit_limit_set(
                actor=self.ctx["owner"].user, membership=self.ctx["owner"],
                wallet=wallets.wallet_of(self.clients[client]),
                limit_minor=self.m.limits[key] + amount,
            )  # fmt: skip
        self.m.limits[key] += amount
        self.m.retry(client=client)
        return None

    @rule(amount=st.integers(1, 10_000), drain=st.booleans())
    def reseller_money(self, amount: int, drain: bool) -> None:
        """Funded by a payment, or drained: its latest payment reversed if not spent already."""
        if not drain:
            return self.top_up(None, amount)
        if not self.reseller_payments:
            return None
        txn_id, paid = self.reseller_payments[-1]
        key = self.m.wallet(None)
        try:
            wallets.wallet_payment_reverse(
                actor=self.ctx["admin"], membership=None, transaction_id=txn_id,
                wallet=wallets.wallet_of(self.reseller), reason="bounced",
            )  # fmt: skip
        except ValidationError:
            assert self.m.balances[key] - paid < -self.m.limits[key], "refused a coverable reversal"
            return None
        self.reseller_payments.pop()
        self.m.paid_in(None, -paid)
        return None

    # --- the client admin and the provider -------------------------------------------------------

    def pick(self, index: int) -> tuple[Expected, Number]:
        n = self.m.numbers[sorted(self.m.numbers)[index % len(self.m.numbers)]]
        return n, Number.objects.get(pk=n.pk)

    @rule(index=st.integers(0, 3), choice=st.sampled_from(CHOICES))
    def client_admin_choice(self, index: int, choice: str) -> None:
        n, number = self.pick(index)
        actor = self.ctx["admins"][n.client]
        calls = {
            "release_now": partial(number_release_request, when=RELEASE_NOW),
            "release_at_period_end": partial(number_release_request, when=RELEASE_AT_PERIOD_END),
            "auto_renew_off": partial(number_auto_renew_set, on=False),
            "auto_renew_on": partial(number_auto_renew_set, on=True),
        }
        call = partial(calls[choice], actor=actor, number=number)
        allowed = n.status not in GONE if choice == "release_now" else n.status in PAID
        if not allowed:
            with pytest.raises(ValidationError):
                call()
            return
        call()
        if choice == "release_now":
            self.m.release_now(n)
        else:
            self.m.auto_renew_set(n, on=choice == "auto_renew_on")

    @rule(index=st.integers(0, 3), blocked=st.booleans())
    def provider_block_set(self, index: int, blocked: bool) -> None:
        n, _ = self.pick(index)
        assert number_provider_block_set(number_id=n.pk, blocked=blocked) == (n.blocked != blocked)
        n.blocked = blocked

    @rule(index=st.integers(0, 3))
    def provider_confirms_release(self, index: int) -> None:
        n, _ = self.pick(index)
        assert number_release_complete(number_id=n.pk) == (n.status == S.RELEASING)
        if n.status == S.RELEASING:
            n.status = S.RELEASED

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self) -> None:
        assert_ledger_sound()  # every transaction sums to zero, balances = their postings
        actual = dict(LedgerAccount.objects.values_list("key", "balance_minor"))
        for key in set(actual) | set(self.m.balances):
            assert actual.get(key, 0) == self.m.balances[key], key

    @invariant()
    def each_period_charged_once_as_the_model_says(self) -> None:
        rows = list(RenewalCharge.objects.values_list("number", "period", "waived", "transaction"))
        assert len({(n, k) for n, k, _, _ in rows}) == len(rows), "a period charged twice"
        assert {(n, k): waived for n, k, waived, _ in rows} == self.m.charged
        assert all((txn is None) == waived for _, _, waived, txn in rows)
        renewals = LedgerTransaction.objects.filter(kind=TransactionKind.RENEWAL)
        assert renewals.count() == sum(not waived for waived in self.m.charged.values())

    @invariant()
    def numbers_match_the_model(self) -> None:
        for number in Number.objects.filter(pk__in=self.m.numbers):
            n = self.m.numbers[number.pk]
            assert (number.status, number.state_reason) == (n.status, n.reason), number.pk
            assert (number.renewal_period, number.auto_renew) == (n.k, n.auto_renew), number.pk
            assert number.next_period_start == self.m.start(n)
            assert number.provider_blocked == n.blocked
            if n.status in OWING:
                assert number.state_until == n.until
            assert number.renewal_due_at == self.m.due_at(n), number.pk

    @invariant()
    def nothing_unpaid_past_its_grace(self) -> None:
        now, zone = self.m.now, self.m.t.time_zone
        for number in Number.objects.filter(pk__in=self.m.numbers):
            if number.status in PAID:  # paid up to now
                assert local_midnight(number.next_period_start, zone) > now, number.pk
            if number.status in OWING:
                assert number.state_until > now, "kept past its grace and suspension"

    @invariant()
    def released_numbers_are_never_charged(self) -> None:
        for number in Number.objects.filter(pk__in=self.m.numbers, status__in=GONE):
            charges = RenewalCharge.objects.filter(number=number).count()
            assert self.charges_when_gone.setdefault(number.pk, charges) == charges
            releases = UpstreamAction.objects.filter(number=number, kind=UpstreamKind.RELEASE)
            assert releases.exclude(state=UpstreamState.CANCELLED).count() == 1

    @invariant()
    def the_provider_is_asked_to_follow(self) -> None:
        """A suspended number's last routing request is a suspension; a paid one's is not."""
        for number in Number.objects.filter(pk__in=self.m.numbers).exclude(status__in=GONE):
            last = (
                UpstreamAction.objects.filter(number=number, kind__in=("suspend", "restore"))
                .exclude(state=UpstreamState.CANCELLED)
                .order_by("-pk")
                .first()
            )
            suspended = last is not None and last.kind == UpstreamKind.SUSPEND
            assert suspended == (number.status == S.SUSPENDED), number.pk

    @invariant()
    def blocked_periods_are_not_charged_to_the_client(self) -> None:
        zone = self.m.t.time_zone
        for number in Number.objects.filter(pk__in=self.m.numbers, provider_blocked=True):
            for charge in RenewalCharge.objects.filter(number=number):
                if local_midnight(charge.period_start, zone) > number.provider_blocked_since:
                    assert charge.waived, (number.pk, charge.period)


def test_renewals_over_time(monkeypatch, django_user_model):
    clock = {"now": START}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    monkeypatch.setattr("inventory.upstream._enqueue", lambda action_id: None)  # rows, no calls
    reseller, first, owner = tenants()
    second = ClientFactory(reseller=reseller)
    Renewals.ctx = {
        "clock": clock,
        "reseller": reseller,
        "clients": [first, second],
        "owner": owner,
        "admins": [client_member(first), client_member(second)],
        "admin": django_user_model.objects.create(email="admin@example.com", is_staff=True),
        "provider": provider(),
    }
    run_state_machine_as_test(
        Renewals,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
