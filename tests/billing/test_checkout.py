"""Checkout: the review, the Buy, and everything that must refuse and change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import ledger
from billing.checkout import CheckoutError, checkout_review, order_place
from billing.models import CartItem, LedgerTransaction, MarkupRule, Order
from customers.models import Role
from inventory.models import DidGroup, Sku
from tests.billing.orders_helpers import add_to_cart, fund
from tests.factories import PASSWORD, ClientFactory, client_member


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    """These tests are about the checkout; provisioning is tested on its own."""
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


@pytest.fixture
def group(shop):
    return DidGroup.objects.get(external_id="us-3")


@pytest.fixture
def admin_client(client, shop):
    admin = client_member(shop["client"], Role.CLIENT_ADMIN).user
    client.login(email=admin.email, password=PASSWORD)
    return client


def state():
    return (
        Order.objects.count(),
        LedgerTransaction.objects.count(),
        CartItem.objects.count(),
        sorted(
            ledger.LedgerAccount.objects.exclude(balance_minor=0).values_list(
                "key", "balance_minor"
            )
        ),
    )


def test_the_review_shows_lines_total_and_the_wallet_after(shop, group):
    fund(shop, client_minor=1_000)
    add_to_cart(shop, group, quantity=2)
    review = checkout_review(client=shop["client"])
    assert review.total == Decimal("4.64")
    assert review.balance_after == Decimal("5.36")
    assert review.affordable and not review.problems


def test_insufficient_funds_refuse_and_change_nothing(shop, group):
    fund(shop, client_minor=200)
    item = add_to_cart(shop, group)
    before = state()
    with pytest.raises(CheckoutError) as refused:
        order_place(client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk])
    assert refused.value.code == "funds"
    assert "0.32 USD more" in str(refused.value)
    assert state() == before


def test_a_credit_limit_lets_the_wallet_go_below_zero_that_far(shop, group):
    fund(shop, client_minor=200)
    wallet = ledger.client_wallet(shop["client"])
    wallet.credit_limit_minor = 100
    wallet.save()
    item = add_to_cart(shop, group)
    _order, created = order_place(
        client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk]
    )
    assert created and ledger.client_wallet(shop["client"]).balance_minor == -32


def test_a_price_changed_since_the_cart_refuses_until_accepted(shop, group):
    fund(shop)
    item = add_to_cart(shop, group)
    MarkupRule.objects.filter(level="retail").update(percent=Decimal(80))
    before = state()
    with pytest.raises(CheckoutError) as refused:
        order_place(client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk])
    assert refused.value.code == "prices" and "changed" in str(refused.value)
    assert state() == before


def test_an_offer_gone_from_the_catalog_refuses(shop, group):
    fund(shop)
    item = add_to_cart(shop, group)
    Sku.objects.filter(group=group).update(retired_at="2026-01-01T00:00Z")
    with pytest.raises(CheckoutError) as refused:
        order_place(client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk])
    assert refused.value.code == "unavailable"
    assert not Order.objects.exists()


def test_the_reseller_wallet_short_refuses_without_telling_the_client_why(shop, group):
    fund(shop, reseller_minor=0)
    item = add_to_cart(shop, group)
    with pytest.raises(CheckoutError) as refused:
        order_place(client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk])
    assert refused.value.code == "reseller_funds"
    assert "wallet" not in str(refused.value)
    assert not Order.objects.exists()


def test_the_same_key_twice_is_one_order(shop, group):
    fund(shop)
    item = add_to_cart(shop, group)
    first, created = order_place(
        client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk]
    )
    again, created_again = order_place(
        client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk]
    )
    assert created and not created_again and again == first
    assert LedgerTransaction.objects.filter(kind="hold").count() == 1


def test_another_clients_cart_lines_cannot_be_bought(shop, group):
    fund(shop)
    other = ClientFactory(reseller=shop["reseller"])
    item = add_to_cart(shop, group)
    with pytest.raises(CheckoutError):
        order_place(client=other, user=None, idempotency_key="k", item_ids=[item.pk])


# --- pages ------------------------------------------------------------------------------------


def test_review_then_buy_through_the_pages(admin_client, shop, group):
    fund(shop)
    add_to_cart(shop, group)
    page = admin_client.get(reverse("billing:checkout"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2.32 USD" in html and "didww" not in html.lower()
    key = page.context["key"]
    ids = page.context["review"].item_ids
    bought = admin_client.post(reverse("billing:buy"), {"key": key, "item": ids})
    order = Order.objects.get()
    assert bought.status_code == 302 and bought.url == reverse(
        "billing:order", args=[order.reference]
    )
    twice = admin_client.post(reverse("billing:buy"), {"key": key, "item": ids})
    assert twice.url == bought.url and Order.objects.count() == 1

    detail = admin_client.get(bought.url)
    assert detail.status_code == 200 and 'hx-trigger="every 2s"' in detail.content.decode()
    fragment = admin_client.get(bought.url, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"order-status" in fragment.content


def test_a_refused_buy_rerenders_the_review_with_the_reason(admin_client, shop, group):
    fund(shop, client_minor=100)
    add_to_cart(shop, group)
    page = admin_client.get(reverse("billing:checkout"))
    assert "Buy for" not in page.content.decode()  # the page already says it can't
    refused = admin_client.post(
        reverse("billing:buy"),
        {"key": page.context["key"], "item": page.context["review"].item_ids},
    )
    assert refused.status_code == 409
    assert "more is needed" in refused.content.decode()
    assert not Order.objects.exists()


def test_a_client_user_fills_the_cart_but_an_admin_buys(client, shop, group):
    fund(shop)
    add_to_cart(shop, group)
    client.login(email=shop["client_user"].email, password=PASSWORD)
    page = client.get(reverse("billing:checkout"))
    assert "Only an administrator" in page.content.decode()
    refused = client.post(
        reverse("billing:buy"),
        {"key": page.context["key"], "item": page.context["review"].item_ids},
    )
    assert refused.status_code == 302 and not Order.objects.exists()


def test_orders_and_numbers_of_another_client_are_404(client, shop, group):
    fund(shop)
    item = add_to_cart(shop, group)
    order, _ = order_place(
        client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk]
    )
    stranger = client_member(ClientFactory(reseller=shop["reseller"]), Role.CLIENT_ADMIN).user
    client.login(email=stranger.email, password=PASSWORD)
    assert client.get(reverse("billing:order", args=[order.reference])).status_code == 404
    assert order.reference not in client.get(reverse("billing:orders")).content.decode()


def test_the_reseller_sees_its_clients_orders_with_the_margin(client, shop, group):
    fund(shop)
    item = add_to_cart(shop, group)
    order, _ = order_place(
        client=shop["client"], user=None, idempotency_key="k", item_ids=[item.pk]
    )
    client.login(email=shop["owner"].email, password=PASSWORD)
    html = client.get(reverse("billing:order", args=[order.reference])).content.decode()
    assert "Margin" in html and "0.78 USD" in html  # 2.32 retail - 1.54 wholesale
