"""An order mail is marked sent only once it went (issue 10): a failed send gives the claim back."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from billing.models import Order
from billing.notifications import order_notify
from customers.models import Client, Role
from tests.factories import ClientFactory, ResellerFactory, client_member

pytestmark = pytest.mark.django_db


class FailsOnceBackend(EmailBackend):
    """The mail server is down for the first message, then back."""

    failures_left = 0

    def send_messages(self, messages):
        if FailsOnceBackend.failures_left:
            FailsOnceBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def ended_order(db):
    reseller = ResellerFactory(order_emails=True)
    client = ClientFactory(reseller=reseller)
    admin = client_member(client, Role.CLIENT_ADMIN)
    return Order.objects.create(
        reference="DH-0000042", client=client, reseller=reseller, placed_by=admin.user,
        idempotency_key="notify", currency="USD", retail_total_minor=0, wholesale_total_minor=0,
        completed_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.parametrize("failing", [1, 2], ids=["client mail", "reseller mail"])
def test_a_failed_send_leaves_the_order_unnotified_and_a_retry_sends_it(
    settings, ended_order, failing
):
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceBackend"
    FailsOnceBackend.failures_left = 1
    if failing == 2:  # the client's mail goes, the reseller's fails
        sent = []
        original = FailsOnceBackend.send_messages

        def second_fails(self, messages):
            sent.append(messages)
            if len(sent) == 1:
                return EmailBackend.send_messages(self, messages)
            return original(self, messages)

        FailsOnceBackend.send_messages = second_fails
    try:
        with pytest.raises(smtplib.SMTPException):
            order_notify(order_id=ended_order.pk)
        ended_order.refresh_from_db()
        assert ended_order.notified_at is None

        assert order_notify(order_id=ended_order.pk) is True
    finally:
        if failing == 2:
            FailsOnceBackend.send_messages = original
    ended_order.refresh_from_db()
    assert ended_order.notified_at is not None
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith(f"[{ended_order.client.name}]") for s in subjects)  # the reseller's
    assert order_notify(order_id=ended_order.pk) is False  # and once only


def test_a_name_stored_with_a_line_break_does_not_lose_the_reseller_mail(ended_order):
    Client.objects.filter(pk=ended_order.client_id).update(name="Acme\r\nBcc: x@evil.example")
    assert order_notify(order_id=ended_order.pk) is True
    reseller_mail = next(m for m in mail.outbox if m.to == [ended_order.reseller.support_email])
    assert reseller_mail.subject.startswith("[Acme Bcc: x@evil.example] ")
    assert "\n" not in reseller_mail.message()["Subject"]


def test_the_notification_task_retries_when_the_mail_server_is_down(settings, ended_order):
    from celery.exceptions import Retry

    from billing.tasks import order_notification_task

    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceBackend"
    FailsOnceBackend.failures_left = 1
    with pytest.raises(Retry):  # eager: the retry is scheduled, not run
        order_notification_task.delay(ended_order.pk)
    ended_order.refresh_from_db()
    assert ended_order.notified_at is None
    order_notification_task.delay(ended_order.pk)  # the retry
    ended_order.refresh_from_db()
    assert ended_order.notified_at is not None
    assert len(mail.outbox) == 2  # the client's and the reseller's, each once
