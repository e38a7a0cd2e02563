"""A suspended or closed client learns it on its dashboard and cart, not only when it clicks Buy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Client, Reseller
from inventory.models import DidGroup
from tests.billing.conftest import catalog, store  # noqa: F401
from tests.billing.orders_helpers import add_to_cart, fund

pytestmark = pytest.mark.django_db

NOTICE = 'id="ordering-blocked"'


@pytest.fixture
def signed_in(client, store, catalog):  # noqa: F811
    fund(store)
    add_to_cart(store, DidGroup.objects.get(external_id="us-1"))
    client.force_login(store["client_user"])
    return client


def pages(web) -> dict[str, str]:
    return {
        name: web.get(reverse(name)).content.decode()
        for name in ("client_dashboard", "billing:cart", "billing:checkout")
    }


def test_an_active_client_sees_no_notice_and_can_go_to_checkout(signed_in):
    shown = pages(signed_in)
    assert not any(NOTICE in html for html in shown.values())
    assert 'href="/checkout/"' in shown["billing:cart"]
    assert 'id="buy"' in shown["billing:checkout"]


@pytest.mark.parametrize(
    ("status", "words"),
    [(Client.Status.SUSPENDED, "This account is suspended."),
     (Client.Status.CLOSED, "This account is closed.")],
)  # fmt: skip
def test_a_blocked_client_is_told_on_the_dashboard_and_cart(signed_in, store, status, words):  # noqa: F811
    Client.objects.filter(pk=store["client"].pk).update(status=status)
    shown = pages(signed_in)
    for name, html in shown.items():
        assert NOTICE in html and words in html, name
        assert store["reseller"].support_email in html, name
    cart = shown["billing:cart"]
    assert 'id="checkout" disabled aria-describedby="ordering-blocked"' in cart
    assert 'href="/checkout/"' not in cart
    assert 'id="buy"' not in shown["billing:checkout"]


def test_a_suspended_reseller_blocks_its_clients_too(signed_in, store):  # noqa: F811
    Reseller.objects.filter(pk=store["reseller"].pk).update(status=Reseller.Status.SUSPENDED)
    shown = pages(signed_in)
    assert NOTICE in shown["client_dashboard"]
    assert 'id="buy"' not in shown["billing:checkout"]


@pytest.mark.parametrize(
    ("reseller_status", "client_status"),
    [("active", Client.Status.SUSPENDED), ("active", Client.Status.CLOSED),
     (Reseller.Status.SUSPENDED, "active")],
)  # fmt: skip
def test_a_paused_cart_cannot_change_and_says_so(signed_in, store, reseller_status, client_status):  # noqa: F811
    Reseller.objects.filter(pk=store["reseller"].pk).update(status=reseller_status)
    Client.objects.filter(pk=store["client"].pk).update(status=client_status)
    group = DidGroup.objects.get(external_id="us-2")
    page = signed_in.get(reverse("billing:group", args=[group.pk])).content.decode()
    assert 'id="cart-paused"' in page and "Add to cart" not in page
    assert "/remove/" not in signed_in.get(reverse("billing:cart")).content.decode()
    sku = group.skus.first()
    refused = signed_in.post(
        reverse("billing:group", args=[group.pk]),
        {"sku": sku.pk, "quantity": 1, "billing_cycle": "monthly"},
    )
    assert refused.status_code == 403
    assert store["client"].cart.items.count() == 1  # only the line added while active
