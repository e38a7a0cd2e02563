"""Renewals where they meet the other parts: an owner's approval of a staff payment retries
what is owed, a paused tenant changes no number, a release is audited, and a release that
lands upstream completes the number's release."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase

from audit.actions import Action as AuditAction
from audit.models import AuditEvent
from billing import payments, wallets
from billing.models_payments import PendingPayment
from billing.renewals.charging import renewals_run
from billing.renewals.services import number_auto_renew_set, number_release_request
from customers.models import Client, Role
from inventory.models import NumberStatus, UpstreamAction, UpstreamKind, UpstreamState
from inventory.upstream_run import upstream_action_mark_done
from tests.factories import client_member, reseller_member

from .helpers import at, make_number, platform_admin, tenants, top_up

pytestmark = pytest.mark.django_db
d = dt.date


def test_an_owner_approving_a_staff_payment_renews_a_number_in_grace(upstream):
    reseller, client, owner = tenants()
    top_up(reseller, 10_000)
    number = make_number(client, anchor=d(2027, 1, 15), retail="2000.00")
    renewals_run(now=at(d(2027, 2, 15)))
    number.refresh_from_db()
    assert number.status == NumberStatus.GRACE
    staff = reseller_member(reseller, Role.RESELLER_STAFF)
    pending, _ = wallets.wallet_top_up(
        actor=staff.user,
        membership=staff,
        wallet=wallets.wallet_of(client),
        amount_minor=200_000,  # 2,000.00: over the default 1,000.00 per payment
        method="bank_transfer",
        reference="over the limit",
        idempotency_key=uuid.uuid4().hex,
    )
    assert isinstance(pending, PendingPayment)
    number.refresh_from_db()
    assert number.status == NumberStatus.GRACE  # nothing posted yet
    with TestCase.captureOnCommitCallbacks(execute=True):
        payments.pending_payment_approve(actor=owner, pending_id=pending.pk)
    number.refresh_from_db()
    assert (number.status, number.next_period_start) == (NumberStatus.ACTIVE, d(2027, 3, 15))


@pytest.mark.parametrize("status", [Client.Status.SUSPENDED, Client.Status.CLOSED])
def test_a_paused_client_changes_no_number(upstream, status):
    _reseller, client, _ = tenants()
    admin = client_member(client, Role.CLIENT_ADMIN)
    number = make_number(client, anchor=d(2027, 1, 15))
    Client.objects.filter(pk=client.pk).update(status=status)
    admin.client.refresh_from_db()
    with pytest.raises(PermissionDenied):
        number_auto_renew_set(actor=admin, number=number, on=False)
    with pytest.raises(PermissionDenied):
        number_release_request(actor=admin, number=number, when="now")
    number.refresh_from_db()
    assert (number.status, number.auto_renew) == (NumberStatus.ACTIVE, True)
    assert upstream == []


def test_a_release_is_audited_and_completes_when_it_lands_upstream():
    _reseller, client, _ = tenants()
    admin = client_member(client, Role.CLIENT_ADMIN)
    number = make_number(client, anchor=d(2027, 1, 15))
    number_release_request(actor=admin, number=number, when="now")
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASING
    [event] = AuditEvent.objects.filter(action=AuditAction.NUMBER_RELEASE)
    assert (event.actor_id, event.client_id, event.target_label) == (
        admin.user_id,
        client.pk,
        number.e164,
    )
    release = UpstreamAction.objects.get(number=number, kind=UpstreamKind.RELEASE)
    # As if the provider had no release call: an admin does it by hand, and that lands it.
    UpstreamAction.objects.filter(pk=release.pk).update(state=UpstreamState.MANUAL)
    assert upstream_action_mark_done(action_id=release.pk, user=platform_admin())
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASED
