"""The renewal job: each period charged once, at the right moment, on both wallets; unpaid
numbers walk through grace → suspension → release by time, with the provider kept in step."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from customers.models import Client
from inventory.models import NumberStatus, StateReason
from tests.billing.reliability.conftest import assert_ledger_sound

from .helpers import at, balance, make_number, tenants, top_up

pytestmark = pytest.mark.django_db
d = dt.date


def test_a_due_period_is_charged_once_on_both_wallets(upstream):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2027, 1, 31))  # next period starts 28 Feb
    assert renewals_run(now=at(d(2027, 2, 27), 23, 59)).charged == 0  # never early
    result = renewals_run(now=at(d(2027, 2, 28)))
    assert result.charged == 1
    assert renewals_run(now=at(d(2027, 2, 28), 12)).charged == 0
    charge = RenewalCharge.objects.get(number=number)
    assert (charge.period_start, charge.period_end) == (d(2027, 2, 28), d(2027, 3, 30))
    assert (charge.retail_minor, charge.wholesale_minor, charge.cost_minor) == (500, 300, 100)
    assert charge.transaction.kind == TransactionKind.RENEWAL
    assert charge.transaction.idempotency_key == f"renewal:{number.pk}:2027-02-28"
    assert balance(client) == 9_500
    assert balance(reseller) == 9_700
    number.refresh_from_db()
    assert number.status == NumberStatus.ACTIVE
    assert number.next_period_start == d(2027, 3, 31)  # from the anchor, not from 28 Feb
    assert number.paid_until == d(2027, 3, 30)
    assert number.renewal_due_at == at(d(2027, 3, 31))
    assert upstream == []
    assert_ledger_sound()


def test_a_clock_moved_far_ahead_charges_every_period_in_order(upstream):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2026, 11, 30), cycle="quarterly")
    assert renewals_run(now=at(d(2027, 6, 1))).charged == 2
    starts = list(
        RenewalCharge.objects.filter(number=number)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    assert starts == [d(2027, 2, 28), d(2027, 5, 30)]


def test_a_short_client_goes_through_grace_suspension_and_release(upstream):
    reseller, client, _ = tenants()
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2027, 1, 15))  # due 15 Feb; grace 3, suspension 11
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    assert (number.status, number.state_reason) == (NumberStatus.GRACE, StateReason.CLIENT_FUNDS)
    assert number.state_until == at(d(2027, 2, 18))
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.RENEWAL).exists()
    assert balance(reseller) == 10_000  # the reseller is not charged either

    renewals_run(now=at(d(2027, 2, 18)))
    number.refresh_from_db()
    assert number.status == NumberStatus.SUSPENDED
    assert number.state_until == at(d(2027, 3, 1))
    assert upstream == [(number.e164, "suspend")]

    renewals_run(now=at(d(2027, 3, 1)))
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASING
    assert number.renewal_due_at is None
    assert upstream == [(number.e164, "suspend"), (number.e164, "release")]
    assert not RenewalCharge.objects.filter(number=number).exists()
    assert renewals_run(now=at(d(2027, 6, 1))).numbers == 0  # nothing left to do


def test_the_clock_jumping_past_everything_releases_in_one_run(upstream):
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    renewals_run(now=at(d(2027, 4, 1)))
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASING
    assert [kind for _, kind in upstream] == ["suspend", "release"]


def test_a_short_reseller_charges_nobody_and_the_grace_says_why(upstream):
    _reseller, client, _ = tenants()
    top_up(client, 10_000)
    number = make_number(client, anchor=d(2027, 1, 15))
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    assert (number.status, number.state_reason) == (
        NumberStatus.GRACE,
        StateReason.RESELLER_FUNDS,
    )
    assert balance(client) == 10_000


def test_a_top_up_in_grace_charges_at_once_and_the_anchor_stays(upstream):
    reseller, client, _ = tenants()
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2027, 1, 31))
    renewals_run(now=at(d(2027, 2, 28)))
    top_up(client, 400)  # not enough: still in grace
    number.refresh_from_db()
    assert number.status == NumberStatus.GRACE
    top_up(client, 100)
    number.refresh_from_db()
    assert number.status == NumberStatus.ACTIVE
    assert number.next_period_start == d(2027, 3, 31)
    assert RenewalCharge.objects.get(number=number).period_start == d(2027, 2, 28)
    assert balance(client) == 0
    assert upstream == []


def test_a_top_up_while_suspended_restores_the_number(upstream):
    reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    renewals_run(now=at(d(2027, 2, 20)))
    number.refresh_from_db()
    assert number.status == NumberStatus.SUSPENDED
    top_up(client, 1_000)
    number.refresh_from_db()
    assert (number.status, number.state_reason) == (
        NumberStatus.SUSPENDED,
        StateReason.RESELLER_FUNDS,
    )  # the client could pay now; the reseller's wallet is the short one
    top_up(reseller, 1_000)
    number.refresh_from_db()
    assert number.status == NumberStatus.ACTIVE
    assert upstream == [(number.e164, "suspend"), (number.e164, "restore")]


def test_a_closed_clients_numbers_are_released_at_period_end(upstream):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2027, 1, 15))
    Client.objects.filter(pk=client.pk).update(status=Client.Status.CLOSED)
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    assert (number.status, number.state_reason) == (
        NumberStatus.RELEASING,
        StateReason.CLIENT_CLOSED,
    )
    assert balance(client) == 10_000
    assert upstream == [(number.e164, "release")]


def test_a_suspended_client_is_still_charged(upstream):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    make_number(client, anchor=d(2027, 1, 15))
    Client.objects.filter(pk=client.pk).update(status=Client.Status.SUSPENDED)
    assert renewals_run(now=at(d(2027, 2, 15))).charged == 1


def test_a_provider_block_waives_the_period_for_the_client(upstream):
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    number.provider_blocked = True
    number.save(update_fields=["provider_blocked"])
    renewals_run(now=at(d(2027, 2, 15)))
    charge = RenewalCharge.objects.get(number=number)
    assert charge.waived and charge.transaction is None and charge.retail_minor == 0
    number.refresh_from_db()
    assert number.status == NumberStatus.ACTIVE
    assert balance(client) == 0


def test_due_in_the_resellers_time_zone(upstream):
    reseller, client, _ = tenants(time_zone="Pacific/Kiritimati")
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    make_number(client, anchor=d(2027, 1, 15))  # due 15 Feb local = 14 Feb 10:00 UTC
    assert renewals_run(now=at(d(2027, 2, 14), 9, 59)).charged == 0
    assert renewals_run(now=at(d(2027, 2, 14), 10)).charged == 1
    west, west_client, _ = tenants(time_zone="Pacific/Pago_Pago")
    top_up(west_client, 10_000)
    top_up(west, 10_000)
    make_number(west_client, anchor=d(2027, 1, 15))  # due 15 Feb 11:00 UTC
    assert renewals_run(now=at(d(2027, 2, 15), 10, 59)).charged == 0
    assert renewals_run(now=at(d(2027, 2, 15), 11)).charged == 1


def test_nothing_due_is_one_query(django_assert_num_queries):
    _reseller, client, _ = tenants()
    make_number(client, anchor=d(2027, 1, 15))
    with django_assert_num_queries(1):
        assert renewals_run(now=at(d(2027, 2, 1))).numbers == 0
