"""Provider-side number states: a block (admins told once) and a confirmed release."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from inventory.models import NumberStatus
from inventory.numbers import number_provider_block_set, number_release_complete
from tests.billing.renewals.helpers import make_number, tenants
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_provider_block_tells_admins_once(django_capture_on_commit_callbacks):
    admin = UserFactory(is_staff=True)
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=dt.date(2027, 1, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert number_provider_block_set(number_id=number.pk, blocked=True)
        assert not number_provider_block_set(number_id=number.pk, blocked=True)
    assert [m.to for m in mail.outbox] == [[admin.email]]
    number.refresh_from_db()
    assert number.provider_blocked and number.provider_blocked_since
    assert number_provider_block_set(number_id=number.pk, blocked=False)
    number.refresh_from_db()
    assert not number.provider_blocked and number.provider_blocked_since is None


def test_a_release_completes_only_from_releasing():
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=dt.date(2027, 1, 15))
    assert not number_release_complete(number_id=number.pk)
    number.status = NumberStatus.RELEASING
    number.save(update_fields=["status"])
    assert number_release_complete(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == NumberStatus.RELEASED
