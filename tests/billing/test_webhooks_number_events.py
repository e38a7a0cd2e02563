"""DIDfarm's number.suspended and number.released webhooks: a provider block, an admins' alert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from billing.models import ProviderEvent
from inventory.models import Number, NumberStatus
from tests.billing.renewals.helpers import make_number, tenants
from tests.factories import UserFactory

from .webhooks_support import didfarm_body, didfarm_send


@pytest.fixture
def held(didfarm_bare) -> Number:
    """A number of the DIDfarm account, active here."""
    _reseller, client, _ = tenants()
    number = make_number(client, anchor=dt.date(2027, 1, 15), e164="+31201234567")
    Number.objects.filter(pk=number.pk).update(provider_account=didfarm_bare)
    number.refresh_from_db()
    return number


def test_number_suspended_blocks_the_number_and_tells_admins_once(
    web, didfarm_bare, held, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True)
    body = didfarm_body("number.suspended", number="+31 20 123 4567", reason="renewal failed")
    with django_capture_on_commit_callbacks(execute=True):
        assert didfarm_send(web, didfarm_bare, body).status_code == 200
        assert didfarm_send(web, didfarm_bare, body).json()["duplicate"] is True
        again = didfarm_body("number.suspended", number="+31201234567", id="evt-2")
        assert didfarm_send(web, didfarm_bare, again).status_code == 200
    held.refresh_from_db()
    assert held.provider_blocked and held.provider_blocked_since is not None
    assert held.status == NumberStatus.ACTIVE  # billing's state is not the provider's block
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "+31201234567" in mail.outbox[0].subject
    outcomes = list(ProviderEvent.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes[0].startswith("+31201234567 blocked by the provider;")
    assert "(already)" in outcomes[1]


def test_number_suspended_of_another_account_changes_nothing(web, didfarm_bare, held, db):
    from inventory.accounts import provider_account_create

    from .webhooks_support import SECRET

    other = provider_account_create(
        kind="didfarm", name="didfarm-other", sandbox=True, rate_limit="", webhook_secret=SECRET
    )
    body = didfarm_body("number.suspended", number="+31201234567")
    assert didfarm_send(web, other, body).status_code == 200
    held.refresh_from_db()
    assert not held.provider_blocked
    assert "no number of ours matches +31201234567" in ProviderEvent.objects.get().outcome


def test_number_released_of_a_held_number_alerts_admins_and_leaves_billing(
    web, didfarm_bare, held, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True)
    before = Number.objects.filter(pk=held.pk).values().get()
    body = didfarm_body("number.released", number="+31201234567")
    with django_capture_on_commit_callbacks(execute=True):
        assert didfarm_send(web, didfarm_bare, body).status_code == 200
    assert Number.objects.filter(pk=held.pk).values().get() == before
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "released" in mail.outbox[0].subject and "+31201234567" in mail.outbox[0].subject
    assert "admins alerted" in ProviderEvent.objects.get().outcome


def test_number_released_of_a_number_we_are_releasing_is_no_alert(
    web, didfarm_bare, held, django_capture_on_commit_callbacks
):
    UserFactory(is_staff=True)
    Number.objects.filter(pk=held.pk).update(status=NumberStatus.RELEASING)
    body = didfarm_body("number.released", number="+31201234567")
    with django_capture_on_commit_callbacks(execute=True):
        assert didfarm_send(web, didfarm_bare, body).status_code == 200
    assert mail.outbox == []
    assert "(releasing here)" in ProviderEvent.objects.get().outcome
