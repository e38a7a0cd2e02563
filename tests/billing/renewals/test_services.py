"""What people do about renewals: auto-renew, early release, the reseller's settings."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from billing.renewals.services import (
    RELEASE_AT_PERIOD_END,
    RELEASE_NOW,
    number_auto_renew_set,
    number_release_request,
    release_credit_minor,
    reseller_renewal_settings_set,
)
from customers.models import Role
from inventory.models import NumberStatus, StateReason
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.factories import client_member, reseller_member

from .helpers import at, balance, make_number, tenants, top_up

pytestmark = pytest.mark.django_db
d = dt.date


def test_auto_renew_off_cancels_at_period_end_and_on_again_undoes_it(upstream):
    reseller, client, _ = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    admin = client_member(client)
    first = make_number(client, anchor=d(2027, 1, 15))
    second = make_number(client, anchor=d(2027, 1, 15))
    first = number_auto_renew_set(actor=admin, number=first, on=False)
    assert first.status == NumberStatus.CANCEL_SCHEDULED
    assert first.state_until == at(d(2027, 2, 15))
    number_auto_renew_set(actor=admin, number=second, on=False)
    second = number_auto_renew_set(actor=admin, number=second, on=True)
    assert second.status == NumberStatus.ACTIVE
    renewals_run(now=at(d(2027, 2, 15)))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.state_reason) == (
        NumberStatus.RELEASING,
        StateReason.AUTO_RENEW_OFF,
    )
    assert second.status == NumberStatus.ACTIVE
    assert not RenewalCharge.objects.filter(number=first).exists()
    assert RenewalCharge.objects.filter(number=second).count() == 1
    assert upstream == [(first.e164, "release")]


def test_only_the_clients_admins_change_auto_renew():
    _reseller, client, owner = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    _other_reseller, other_client, _ = tenants()
    for actor in (
        client_member(client, role=Role.CLIENT_USER),
        owner,
        client_member(other_client),
    ):
        with pytest.raises(PermissionDenied):
            number_auto_renew_set(actor=actor, number=number, on=False)
    number.refresh_from_db()
    assert number.auto_renew and number.status == NumberStatus.ACTIVE


def test_auto_renew_cannot_change_on_an_unpaid_number(upstream):
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    with pytest.raises(ValidationError):
        number_auto_renew_set(actor=client_member(client), number=number, on=False)


def test_early_release_at_once_without_credit_by_default(upstream):
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    number = number_release_request(actor=client_member(client), number=number, when=RELEASE_NOW)
    assert (number.status, number.state_reason) == (
        NumberStatus.RELEASING,
        StateReason.CLIENT_REQUEST,
    )
    assert upstream == [(number.e164, "release")]
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.CREDIT).exists()
    with pytest.raises(ValidationError):
        number_release_request(actor=client_member(client), number=number, when=RELEASE_NOW)


def test_early_release_at_period_end_is_auto_renew_off():
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    number = number_release_request(
        actor=client_member(client), number=number, when=RELEASE_AT_PERIOD_END
    )
    assert number.status == NumberStatus.CANCEL_SCHEDULED and not number.auto_renew


def test_prorated_credit_is_retail_times_unused_days_over_days_to_the_cent(upstream):
    _reseller, client, _ = tenants(release_prorated_credit=True)
    # Period 15 Jan → 15 Feb (31 days) at 10.00; released on 5 Feb: 9 unused days (6..14 Feb).
    number = make_number(client, anchor=d(2027, 1, 15), retail="10.00")
    assert release_credit_minor(number, d(2027, 2, 5)) == 290  # 1000 * 9 / 31 = 290.32
    assert release_credit_minor(number, d(2027, 2, 14)) == 0
    with mock.patch("billing.renewals.services.timezone.now", return_value=at(d(2027, 2, 5), 9)):
        number_release_request(actor=client_member(client), number=number, when=RELEASE_NOW)
    credit = LedgerTransaction.objects.get(kind=TransactionKind.CREDIT)
    assert credit.client_id == client.pk
    assert balance(client) == 290
    assert_ledger_sound()


def test_renewal_settings_within_the_platform_cap():
    reseller, _client, owner = tenants()
    with override_settings(RENEWAL_MAX_UNPAID_DAYS=20), pytest.raises(ValidationError) as refused:
        reseller_renewal_settings_set(
            actor=owner, reseller=reseller, time_zone="UTC", grace_days=10,
            suspension_days=11, prorated_credit=False,
        )  # fmt: skip
    assert "suspension_days" in refused.value.message_dict
    with pytest.raises(ValidationError):
        reseller_renewal_settings_set(
            actor=owner, reseller=reseller, time_zone="Mars/Olympus", grace_days=1,
            suspension_days=1, prorated_credit=False,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        reseller_renewal_settings_set(
            actor=reseller_member(reseller, role=Role.RESELLER_STAFF), reseller=reseller,
            time_zone="UTC", grace_days=1, suspension_days=1, prorated_credit=False,
        )  # fmt: skip
    reseller.refresh_from_db()
    assert (reseller.renewal_grace_days, reseller.renewal_suspension_days) == (3, 11)


def test_a_new_time_zone_moves_the_due_moments():
    reseller, client, owner = tenants()
    number = make_number(client, anchor=d(2027, 1, 15))
    reseller_renewal_settings_set(
        actor=owner, reseller=reseller, time_zone="Pacific/Kiritimati", grace_days=2,
        suspension_days=5, prorated_credit=True,
    )  # fmt: skip
    number.refresh_from_db()
    assert number.renewal_due_at == dt.datetime(2027, 2, 14, 10, tzinfo=dt.UTC)


def test_grace_and_suspension_follow_the_resellers_settings(upstream):
    reseller, client, owner = tenants()
    reseller_renewal_settings_set(
        actor=owner, reseller=reseller, time_zone="UTC", grace_days=0, suspension_days=2,
        prorated_credit=False,
    )  # fmt: skip
    number = make_number(client, anchor=d(2027, 1, 15))
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    assert number.status == NumberStatus.SUSPENDED  # no grace at all
    renewals_run(now=at(d(2027, 2, 17)))
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASING
