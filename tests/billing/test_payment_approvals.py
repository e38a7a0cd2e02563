"""Staff payment limits: within them a staff payment posts at once; above the limit per
payment or the staff member's daily limit it waits for an owner, who approves (it posts,
recorded by the staff member, approved by the owner) or rejects it with a reason."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse

from audit.models import AuditEvent
from billing import ledger, payments, wallets
from billing.models import LedgerTransaction, PendingPayment, StaffPaymentLimits, TransactionKind
from customers.models import Membership, Role, User
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member


@pytest.fixture
def shop(db):
    reseller = ResellerFactory(display_name="Nova Voice")
    return {
        "reseller": reseller,
        "owner": reseller_member(reseller, Role.RESELLER_OWNER, email="olga@nova.example"),
        "staff": reseller_member(reseller, Role.RESELLER_STAFF, full_name="Sam Staff"),
        "client": ClientFactory(reseller=reseller, name="Acme"),
    }


def record(member: Membership, client, minor: int, *, key: str | None = None, ref: str = "R-1"):
    return wallets.wallet_top_up(
        actor=member.user, membership=member, wallet=ledger.client_wallet(client),
        amount_minor=minor, method="bank_transfer", reference=ref,
        idempotency_key=key or uuid.uuid4().hex,
    )  # fmt: skip


def balance(client) -> int:
    return ledger.client_wallet(client).balance_minor


def test_the_defaults_are_1000_per_payment_and_5000_a_day(shop):
    limits = payments.staff_payment_limits(reseller=shop["reseller"])
    assert (limits.per_payment_minor, limits.per_day_minor, limits.currency) == (
        100_000, 500_000, "USD",
    )  # fmt: skip


def test_a_staff_payment_within_the_limits_posts_at_once(shop):
    txn, created = record(shop["staff"], shop["client"], 100_000)
    assert created and isinstance(txn, LedgerTransaction)
    assert balance(shop["client"]) == 100_000 and txn.approved_by is None
    assert not PendingPayment.objects.exists()


def test_a_staff_payment_above_the_limit_per_payment_waits_and_owners_are_emailed(
    shop, django_capture_on_commit_callbacks
):
    reseller_member(shop["reseller"], Role.RESELLER_OWNER, email="otto@nova.example")
    with django_capture_on_commit_callbacks(execute=True):
        pending, created = record(shop["staff"], shop["client"], 100_001, ref="BIG-1")
    assert created and isinstance(pending, PendingPayment)
    assert pending.status == "pending" and pending.over_limit == "per_payment"
    assert balance(shop["client"]) == 0
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP).exists()
    [message] = mail.outbox
    assert sorted(message.to) == ["olga@nova.example", "otto@nova.example"]
    assert "Nova Voice" in message.from_email and "1,000.01 USD" in message.subject
    assert "Sam Staff" in message.body and reverse("billing:reseller_payments") in message.body
    [event] = AuditEvent.objects.filter(action="payment.submit")
    assert event.actor == shop["staff"].user and event.client_id == shop["client"].pk


def test_the_daily_limit_sums_one_staff_member_s_payments_of_the_day(shop):
    staff, acme = shop["staff"], shop["client"]
    other_client = ClientFactory(reseller=shop["reseller"])
    for n in range(4):
        record(staff, acme if n % 2 else other_client, 100_000)
    txn, _ = record(staff, acme, 100_000)  # exactly 5,000.00: still allowed
    assert isinstance(txn, LedgerTransaction)
    pending, _ = record(staff, acme, 1)
    assert isinstance(pending, PendingPayment) and pending.over_limit == "per_day"
    # Another staff member has their own allowance; the owner has none to exhaust.
    colleague = reseller_member(shop["reseller"], Role.RESELLER_STAFF)
    assert isinstance(record(colleague, acme, 100_000)[0], LedgerTransaction)
    assert isinstance(record(shop["owner"], acme, 10_000_000)[0], LedgerTransaction)


def test_the_same_form_twice_finds_the_waiting_payment(shop):
    key = uuid.uuid4().hex
    first, created = record(shop["staff"], shop["client"], 200_000, key=key)
    again, created_again = record(shop["staff"], shop["client"], 200_000, key=key)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(ValidationError):
        record(shop["staff"], shop["client"], 300_000, key=key)
    assert PendingPayment.objects.count() == 1


def test_an_owner_approves_it_once_and_the_payment_shows_both_people(shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    txn, created = payments.pending_payment_approve(actor=shop["owner"], pending_id=pending.pk)
    again, created_again = payments.pending_payment_approve(
        actor=shop["owner"], pending_id=pending.pk
    )
    assert created and not created_again and again.pk == txn.pk
    assert balance(shop["client"]) == 250_000
    assert txn.created_by == shop["staff"].user and txn.approved_by == shop["owner"].user
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP).count() == 1
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.transaction_id == txn.pk
    with pytest.raises(ValidationError):
        payments.pending_payment_reject(actor=shop["owner"], pending_id=pending.pk, reason="x")
    [event] = AuditEvent.objects.filter(action="payment.approve")
    assert event.actor == shop["owner"].user
    assert event.changes["recorded_by"] == shop["staff"].user.email
    # An approved payment was the owner's call: it does not use up the staff member's day.
    assert (
        payments.recorded_today_minor(
            user=shop["staff"].user, wallet=ledger.client_wallet(shop["client"])
        )
        == 0
    )


def test_an_owner_rejects_it_with_a_reason_and_nothing_posts(shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    with pytest.raises(ValidationError):
        payments.pending_payment_reject(actor=shop["owner"], pending_id=pending.pk, reason="  ")
    payments.pending_payment_reject(
        actor=shop["owner"], pending_id=pending.pk, reason="No transfer received"
    )
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.reason == "No transfer received"
    assert pending.decided_by == shop["owner"].user
    with pytest.raises(ValidationError):
        payments.pending_payment_approve(actor=shop["owner"], pending_id=pending.pk)
    assert balance(shop["client"]) == 0 and not LedgerTransaction.objects.exists()
    [event] = AuditEvent.objects.filter(action="payment.reject")
    assert event.changes["reason"] == "No transfer received"


def test_only_the_reseller_s_owners_decide(shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    with pytest.raises(PermissionDenied):
        payments.pending_payment_approve(actor=shop["staff"], pending_id=pending.pk)
    stranger = reseller_member(ResellerFactory(), Role.RESELLER_OWNER)
    with pytest.raises(Http404):
        payments.pending_payment_approve(actor=stranger, pending_id=pending.pk)
    assert not LedgerTransaction.objects.exists()


def test_owners_set_the_limits_and_zero_stops_staff_from_recording(shop):
    with pytest.raises(PermissionDenied):
        payments.staff_payment_limits_set(
            actor=shop["staff"], per_payment_minor=10**9, per_day_minor=10**9
        )
    payments.staff_payment_limits_set(actor=shop["owner"], per_payment_minor=0, per_day_minor=100)
    with pytest.raises(ValidationError, match="recorded by your account's owner"):
        record(shop["staff"], shop["client"], 100)
    assert not PendingPayment.objects.exists() and balance(shop["client"]) == 0
    [event] = AuditEvent.objects.filter(action="payment.limits_set")
    assert event.changes["per_payment"] == ["1,000.00 USD", "0.00 USD"]


@pytest.mark.django_db(transaction=True)
def test_two_staff_payments_at_once_cannot_both_slip_under_the_daily_limit():
    reseller = ResellerFactory()
    owner = reseller_member(reseller, Role.RESELLER_OWNER)
    staff = reseller_member(reseller, Role.RESELLER_STAFF)
    payments.staff_payment_limits_set(actor=owner, per_payment_minor=100_000, per_day_minor=100_000)
    clients = [ClientFactory(reseller=reseller) for _ in range(4)]
    for c in clients:
        ledger.client_wallet(c)
    barrier = threading.Barrier(len(clients))
    results: list[object] = [None] * len(clients)

    def pay(i: int) -> None:
        try:
            member = Membership.objects.select_related("reseller", "user").get(pk=staff.pk)
            barrier.wait(timeout=60)
            results[i] = record(member, clients[i], 60_000)[0]  # each alone fits the day
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    posted = [r for r in results if isinstance(r, LedgerTransaction)]
    waiting = [r for r in results if isinstance(r, PendingPayment)]
    assert (len(posted), len(waiting)) == (1, 3), results
    assert {p.over_limit for p in waiting} == {"per_day"}
    assert StaffPaymentLimits.objects.count() == 1


# --- pages --------------------------------------------------------------------------------------


def test_the_owner_sees_the_waiting_payment_in_the_badge_and_approves_it(client, shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000, ref="BIG-9")
    client.force_login(shop["owner"].user)
    page = client.get(reverse("billing:reseller_payments"))
    assert page.status_code == 200 and 'id="pending-payments-badge"' in page.text
    assert (
        "BIG-9" in page.text and reverse("billing:payment_approve", args=[pending.pk]) in page.text
    )
    done = client.post(reverse("billing:payment_approve", args=[pending.pk]), follow=True)
    assert "approved and added to the wallet" in done.text
    assert "approved by" in done.text and 'id="pending-payments-badge"' not in done.text
    wallet = client.get(reverse("billing:client_wallet", args=[shop["client"].pk]))
    assert "Recorded by Sam Staff" in wallet.text and "approved by" in wallet.text


def test_staff_see_what_waits_but_cannot_decide(client, shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000, ref="BIG-9")
    client.force_login(shop["staff"].user)
    page = client.get(reverse("billing:reseller_payments"))
    assert page.status_code == 200 and "BIG-9" in page.text
    assert reverse("billing:payment_approve", args=[pending.pk]) not in page.text
    assert client.post(reverse("billing:payment_approve", args=[pending.pk])).status_code == 403
    assert client.get(reverse("billing:payment_reject", args=[pending.pk])).status_code == 403
    assert client.get(reverse("billing:payment_limits")).status_code == 403


def test_a_client_and_another_reseller_reach_none_of_it(client, shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    client.force_login(client_member(shop["client"]).user)
    assert client.get(reverse("billing:reseller_payments")).status_code == 403
    client.force_login(reseller_member(ResellerFactory(), Role.RESELLER_OWNER).user)
    assert client.post(reverse("billing:payment_approve", args=[pending.pk])).status_code == 404
    assert client.get(reverse("billing:payment_reject", args=[pending.pk])).status_code == 404


def test_a_staff_payment_over_the_limit_through_the_page_says_it_waits(client, shop):
    client.force_login(shop["staff"].user)
    url = reverse("billing:client_wallet", args=[shop["client"].pk])
    page = client.get(url)
    assert "waits for an owner" in page.text
    key = page.context["top_up_form"].initial["idempotency_key"]
    response = client.post(
        reverse("billing:client_top_up", args=[shop["client"].pk]),
        {"amount": "1500", "method": "cash", "reference": "C-1", "idempotency_key": key},
        follow=True,
    )
    assert "waits for an owner" in response.text and "not in the wallet yet" in response.text
    assert balance(shop["client"]) == 0 and PendingPayment.objects.count() == 1


def test_the_reject_page_wants_a_reason(client, shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    client.force_login(shop["owner"].user)
    url = reverse("billing:payment_reject", args=[pending.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Cheque bounced"}, follow=True)
    assert "Payment rejected" in response.text and "Cheque bounced" in response.text
    assert PendingPayment.objects.get().status == "rejected"


def test_the_limits_page_saves_and_refuses_nonsense(client, shop):
    client.force_login(shop["owner"].user)
    url = reverse("billing:payment_limits")
    assert 'value="1000.00"' in client.get(url).text
    assert client.post(url, {"per_payment": "-5", "per_day": "abc"}).status_code == 400
    response = client.post(url, {"per_payment": "250", "per_day": "0"}, follow=True)
    assert "Staff payment limits saved" in response.text
    limits = StaffPaymentLimits.objects.get()
    assert (limits.per_payment_minor, limits.per_day_minor) == (25_000, 0)
    client.force_login(shop["staff"].user)
    page = client.get(reverse("billing:client_wallet", args=[shop["client"].pk]))
    assert 'id="staff-may-not-record"' in page.text
    assert reverse("billing:client_top_up", args=[shop["client"].pk]) not in page.text


def test_the_admin_lists_who_recorded_and_approved(admin_client, shop):
    pending, _ = record(shop["staff"], shop["client"], 250_000)
    payments.pending_payment_approve(actor=shop["owner"], pending_id=pending.pk)
    page = admin_client.get(reverse("admin:billing_ledgertransaction_changelist"))
    assert page.status_code == 200
    assert shop["staff"].user.email in page.text and "olga@nova.example" in page.text
    assert User.objects.count() >= 3
