"""The ledger, orders and provisioning in the admin: read-only, plus payments and retries."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from billing import ledger
from billing.models import (
    Hold,
    ItemState,
    LedgerAccount,
    LedgerTransaction,
    Order,
    OrderItem,
    Posting,
    ProviderEvent,
)
from inventory.models import DidGroup, Number
from tests.billing.orders_helpers import buy, fund
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


@pytest.fixture
def as_admin(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def order(shop):
    fund(shop)
    return buy(shop, DidGroup.objects.get(external_id="us-3"))


def payment_url(wallet: LedgerAccount) -> str:
    return reverse("admin:billing_ledgeraccount_payment", args=[wallet.pk])


def form_key(response) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', response.text).group(1)


def test_ledger_and_orders_are_listed_and_read_only(as_admin, order):
    txn = LedgerTransaction.objects.filter(order=order).get()
    item = order.items.get()
    for model in (LedgerAccount, LedgerTransaction, Posting, Hold, Order, OrderItem, Number):
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert as_admin.get(changelist).status_code == 200, model
        assert as_admin.get(changelist + "add/").status_code == 403, model
    ProviderEvent.objects.create(provider_account=item.provider_account, event_id="e1", item=item)
    assert as_admin.get(reverse("admin:billing_providerevent_changelist")).status_code == 200

    page = as_admin.get(reverse("admin:billing_ledgertransaction_change", args=[txn.pk])).text
    assert "-2.32 USD" in page and "-1.54 USD" in page and "3.86 USD" in page  # the postings
    assert 'name="_save"' not in page
    delete = reverse("admin:billing_ledgertransaction_delete", args=[txn.pk])
    assert as_admin.post(delete, {"post": "yes"}).status_code == 403
    assert LedgerTransaction.objects.filter(pk=txn.pk).exists()
    order_page = as_admin.get(reverse("admin:billing_order_change", args=[order.pk])).text
    assert item.reference in order_page


def test_an_accounts_statement_and_holds_are_one_link_away(as_admin, shop, order):
    wallet = ledger.client_wallet(shop["client"])
    listing = as_admin.get(reverse("admin:billing_ledgeraccount_changelist")).text
    assert "997.68 USD" in listing and "Record a payment" in listing  # the reseller's wallet
    statement = as_admin.get(
        reverse("admin:billing_posting_changelist"), {"account__id__exact": wallet.pk}
    )
    assert statement.status_code == 200
    assert "-2.32 USD" in statement.text and "1,000.00 USD" in statement.text
    holds = as_admin.get(reverse("admin:billing_hold_changelist"), {"wallet__id__exact": wallet.pk})
    assert holds.status_code == 200 and "2.32 USD" in holds.text


def test_an_admin_records_a_resellers_payment_once(as_admin, shop):
    wallet = ledger.reseller_wallet(shop["reseller"])
    url = payment_url(wallet)
    data = {
        "form": "payment", "amount": "5000", "method": "bank_transfer",
        "reference": "SWIFT-778", "note": "", "idempotency_key": form_key(as_admin.get(url)),
    }  # fmt: skip
    first = as_admin.post(url, data)
    assert first.status_code == 302
    assert first.url == reverse("admin:billing_ledgeraccount_change", args=[wallet.pk])
    again = as_admin.post(url, data, follow=True)
    assert "This payment was already recorded." in again.text
    assert "5,000.00 USD" in again.text and url in again.text  # the account's page
    txn = LedgerTransaction.objects.get(payment_reference="SWIFT-778")
    assert txn.created_by.is_superuser and txn.reseller_id == shop["reseller"].pk
    wallet.refresh_from_db()
    assert wallet.balance_minor == 500_000
    platform = ledger.platform_account("platform_received", "USD")
    assert platform.balance_minor == -500_000


def test_a_bad_admin_payment_is_shown_again_and_writes_nothing(as_admin, shop):
    url = payment_url(ledger.reseller_wallet(shop["reseller"]))
    key = form_key(as_admin.get(url))
    response = as_admin.post(
        url, {"form": "payment", "amount": "12.345", "method": "cash", "reference": "",
              "idempotency_key": key},
    )  # fmt: skip
    assert response.status_code == 400
    assert {"amount", "reference"} <= set(response.context["panels"][0][2].errors)
    assert not LedgerTransaction.objects.exists()


def test_the_admin_sets_a_resellers_credit_limit(as_admin, shop):
    wallet = ledger.reseller_wallet(shop["reseller"])
    url = payment_url(wallet)
    assert as_admin.post(url, {"form": "credit_limit", "credit_limit": "250"}).status_code == 302
    wallet.refresh_from_db()
    assert wallet.credit_limit_minor == 25_000
    assert as_admin.post(url, {"form": "credit_limit", "credit_limit": "x"}).status_code == 400


def test_payments_are_for_reseller_wallets_and_need_the_permission(client, as_admin, shop):
    client_wallet = ledger.client_wallet(shop["client"])
    assert as_admin.get(payment_url(client_wallet)).status_code == 404
    reseller_wallet = ledger.reseller_wallet(shop["reseller"])
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_ledgeraccount"))
    client.force_login(clerk)
    assert client.get(payment_url(reseller_wallet)).status_code == 403
    response = client.post(
        payment_url(reseller_wallet),
        {"form": "payment", "amount": "1", "method": "cash", "reference": "R",
         "idempotency_key": "c" * 32},
    )  # fmt: skip
    assert response.status_code == 403
    assert not LedgerTransaction.objects.exists()


def test_retry_sends_dead_letters_back_and_skips_the_rest(as_admin, shop, order):
    dead = order.items.get()
    OrderItem.objects.filter(pk=dead.pk).update(
        state=ItemState.DEAD_LETTER, state_before_dead_letter=ItemState.SUBMITTING, attempts=7
    )
    other = buy(shop, DidGroup.objects.get(external_id="us-3")).items.get()  # still "placed"
    response = as_admin.post(
        reverse("admin:billing_orderitem_changelist"),
        {"action": "retry_provisioning", "_selected_action": [dead.pk, other.pk]},
        follow=True,
    )
    assert "1 item sent back to provisioning. 1 skipped" in response.text
    dead.refresh_from_db()
    other.refresh_from_db()
    assert dead.state == ItemState.SUBMITTING and dead.attempts == 0
    assert dead.next_check_at is not None
    assert other.state == ItemState.PLACED
    listing = as_admin.get(
        reverse("admin:billing_orderitem_changelist"), {"state__exact": "placed"}
    )
    assert other.reference in listing.text and dead.reference not in listing.text


def test_an_admin_reverses_a_resellers_payment_once_with_a_reason(as_admin, shop):
    wallet = ledger.reseller_wallet(shop["reseller"])
    url = payment_url(wallet)
    data = {
        "form": "payment", "amount": "50", "method": "cash", "reference": "CASH-1",
        "note": "", "idempotency_key": form_key(as_admin.get(url)),
    }  # fmt: skip
    as_admin.post(url, data)
    payment = LedgerTransaction.objects.get(payment_reference="CASH-1")
    page = as_admin.get(url)
    assert "Reverse a payment recorded by mistake" in page.text and "CASH-1" in page.text

    no_reason = as_admin.post(url, {"form": "reversal", "payment": payment.pk, "reason": ""})
    assert no_reason.status_code == 400
    reverse_it = {"form": "reversal", "payment": payment.pk, "reason": "Entered twice"}
    assert as_admin.post(url, reverse_it).status_code == 302
    assert as_admin.post(url, reverse_it).status_code == 400  # no longer offered
    reversal = LedgerTransaction.objects.get(reverses=payment)
    assert reversal.memo == "Entered twice" and reversal.created_by.is_superuser
    wallet.refresh_from_db()
    assert wallet.balance_minor == 0
