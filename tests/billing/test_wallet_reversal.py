"""Reversing a payment recorded by mistake: a new transaction pointing at the original, by the
owner only, with a reason, at most once, never below the credit limit."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.test import Client as Browser
from django.urls import reverse

from billing import ledger, wallets
from billing.models import LedgerTransaction, Posting, TransactionKind
from customers.models import Membership, Role, User
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.factories import ClientFactory, reseller_member

pytestmark = pytest.mark.django_db


def pay(store, minor: int = 5_000, reference: str = "WIRE-1") -> LedgerTransaction:
    owner = store["owner"]
    txn, _created = wallets.wallet_top_up(
        actor=owner, membership=Membership.objects.get(user=owner),
        wallet=ledger.client_wallet(store["client"]), amount_minor=minor,
        method="bank_transfer", reference=reference, idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    return txn


def spend(store, minor: int) -> None:
    wallet = ledger.client_wallet(store["client"])
    received = ledger.reseller_received(store["reseller"], wallet.currency)
    with transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT, entries=[(wallet, -minor), (received, minor)],
            memo="spent", client=store["client"], reseller=store["reseller"],
        )  # fmt: skip


def balance(store) -> int:
    return ledger.client_wallet(store["client"]).balance_minor


def browser(user) -> Browser:
    web = Browser()
    web.force_login(user)
    return web


def reverse_url(store, txn) -> str:
    return reverse("billing:client_payment_reverse", args=[store["client"].pk, txn.pk])


def wallet_url(store) -> str:
    return reverse("billing:client_wallet", args=[store["client"].pk])


def test_the_owner_reverses_a_payment_with_a_reason(store):
    keep = pay(store, 1_000, "KEEP")
    mistake = pay(store, 5_000, "WIRE-1")
    owner = browser(store["owner"])
    statement = owner.get(wallet_url(store)).content.decode()
    assert reverse_url(store, mistake) in statement

    confirm = owner.get(reverse_url(store, mistake))
    assert confirm.status_code == 200
    assert balance(store) == 6_000  # asking is not doing

    response = owner.post(reverse_url(store, mistake), {"reason": "Recorded twice"})
    assert response.status_code == 302 and response.url == wallet_url(store)

    reversal = LedgerTransaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses == mistake
    assert reversal.memo == "Recorded twice"
    assert reversal.created_by == store["owner"]
    assert balance(store) == 1_000
    received = ledger.reseller_received(store["reseller"], "USD")
    assert received.balance_minor == -1_000
    assert sorted(reversal.postings.values_list("amount_minor", flat=True)) == [-5_000, 5_000]
    assert_ledger_sound()

    statement = owner.get(wallet_url(store)).content.decode()
    assert "Recorded twice" in statement and "Reversed" in statement
    assert store["owner"].get_full_name() in statement
    assert reverse_url(store, mistake) not in statement  # reversed once, no second button
    assert reverse_url(store, keep) in statement
    assert Posting.objects.filter(transaction=mistake).count() == 2  # the original untouched


def test_a_double_submit_reverses_once(store):
    mistake = pay(store)
    owner = browser(store["owner"])
    for _ in range(2):
        assert owner.post(reverse_url(store, mistake), {"reason": "Oops"}).status_code == 302
    assert LedgerTransaction.objects.filter(reverses=mistake).count() == 1
    assert balance(store) == 0
    actor = Membership.objects.get(user=store["owner"])
    again, created = wallets.wallet_payment_reverse(
        actor=store["owner"], membership=actor, wallet=ledger.client_wallet(store["client"]),
        transaction_id=mistake.pk, reason="again",
    )  # fmt: skip
    assert not created and again.reverses == mistake
    assert balance(store) == 0


def test_a_reason_is_required(store):
    mistake = pay(store)
    response = browser(store["owner"]).post(reverse_url(store, mistake), {"reason": "  "})
    assert response.status_code == 400
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    assert balance(store) == 5_000


def test_money_already_spent_cannot_be_reversed(store):
    mistake = pay(store, 5_000)
    spend(store, 4_000)
    response = browser(store["owner"]).post(reverse_url(store, mistake), {"reason": "Bounced"})
    assert response.status_code == 400
    assert "credit limit" in response.content.decode()
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    assert balance(store) == 1_000
    assert_ledger_sound()


def test_a_credit_limit_lets_a_reversal_take_the_wallet_below_zero(store):
    mistake = pay(store, 5_000)
    spend(store, 4_000)
    wallet = ledger.client_wallet(store["client"])
    wallet.credit_limit_minor = 4_000
    wallet.save(update_fields=["credit_limit_minor"])
    assert (
        browser(store["owner"]).post(reverse_url(store, mistake), {"reason": "Bounced"}).status_code
        == 302
    )
    assert balance(store) == -4_000
    assert_ledger_sound()


def test_staff_record_payments_but_cannot_reverse_them(store):
    mistake = pay(store)
    staff = reseller_member(store["reseller"], Role.RESELLER_STAFF)
    web = browser(staff.user)
    assert reverse_url(store, mistake) not in web.get(wallet_url(store)).content.decode()
    assert web.get(reverse_url(store, mistake)).status_code == 403
    assert web.post(reverse_url(store, mistake), {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        wallets.wallet_payment_reverse(
            actor=staff.user, membership=staff, wallet=ledger.client_wallet(store["client"]),
            transaction_id=mistake.pk, reason="x",
        )  # fmt: skip
    assert balance(store) == 5_000


def test_clients_see_the_reversal_but_no_button(store):
    mistake = pay(store)
    browser(store["owner"]).post(reverse_url(store, mistake), {"reason": "Recorded twice"})
    html = browser(store["client_user"]).get(reverse("billing:wallet")).content.decode()
    assert "Recorded twice" in html and "Reversed" in html
    assert "/reverse/" not in html
    assert store["owner"].email not in html


def test_another_tenants_payment_or_a_non_payment_is_a_404(store):
    mistake = pay(store)
    other_client = ClientFactory(reseller=store["reseller"])
    owner = browser(store["owner"])
    # the payment through another client's wallet URL
    url = reverse("billing:client_payment_reverse", args=[other_client.pk, mistake.pk])
    assert owner.post(url, {"reason": "x"}).status_code == 404
    # another reseller's owner
    stranger = reseller_member(ClientFactory().reseller)
    assert (
        browser(stranger.user).post(reverse_url(store, mistake), {"reason": "x"}).status_code == 404
    )
    # a reversal is not a payment: it cannot be reversed in turn
    owner.post(reverse_url(store, mistake), {"reason": "Oops"})
    reversal = LedgerTransaction.objects.get(kind=TransactionKind.REVERSAL)
    with pytest.raises(Http404):
        wallets.wallet_payment_reverse(
            actor=store["owner"], membership=Membership.objects.get(user=store["owner"]),
            wallet=ledger.client_wallet(store["client"]), transaction_id=reversal.pk, reason="x",
        )  # fmt: skip
    assert balance(store) == 0


def test_admins_reverse_a_resellers_payment_and_resellers_cannot(store):
    admin = User.objects.create(email="admin@example.com", is_staff=True)
    wallet = ledger.reseller_wallet(store["reseller"])
    payment, _ = wallets.wallet_top_up(
        actor=admin, membership=None, wallet=wallet, amount_minor=7_000,
        method="bank_transfer", reference="R-1", idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    owner = Membership.objects.get(user=store["owner"])
    with pytest.raises(PermissionDenied):
        wallets.wallet_payment_reverse(
            actor=store["owner"], membership=owner, wallet=wallet,
            transaction_id=payment.pk, reason="mine",
        )  # fmt: skip
    reversal, created = wallets.wallet_payment_reverse(
        actor=admin, membership=None, wallet=wallet, transaction_id=payment.pk, reason="Wrong"
    )
    assert created and reversal.reverses == payment
    assert ledger.reseller_wallet(store["reseller"]).balance_minor == 0
    assert_ledger_sound()


def test_a_reversal_cannot_be_written_without_its_kind(store):
    """The database keeps ``reverses`` for reversals, and one reversal per payment."""
    from django.db import IntegrityError

    mistake = pay(store)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerTransaction.objects.create(kind=TransactionKind.ADJUSTMENT, reverses=mistake)
    LedgerTransaction.objects.create(kind=TransactionKind.REVERSAL, reverses=mistake)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerTransaction.objects.create(kind=TransactionKind.REVERSAL, reverses=mistake)


def test_a_long_reason_is_refused(store):
    mistake = pay(store)
    with pytest.raises(ValidationError):
        wallets.wallet_payment_reverse(
            actor=store["owner"], membership=Membership.objects.get(user=store["owner"]),
            wallet=ledger.client_wallet(store["client"]), transaction_id=mistake.pk,
            reason="x" * 201,
        )  # fmt: skip
