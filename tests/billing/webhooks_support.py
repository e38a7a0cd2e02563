"""Helpers for the provider webhook tests: signed senders and an order waiting upstream."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from billing import wallets
from billing.checkout import order_place
from billing.models import ItemState, OrderItem
from billing.pricing import PriceBook
from billing.provisioning import callback_url, order_item_advance
from billing.services import cart_item_add
from customers.models import Membership
from inventory.models import DidGroup
from inventory.providers.didww import callbacks
from inventory.sandbox.delivery import Delivery
from inventory.sandbox.faults import simulator_lock
from inventory.sandbox.registry import sandbox_for

DIDWW_KEY = "sandbox-didww-key"  # what the DIDWW simulator signs with (SANDBOX_CREDENTIALS)
SECRET = "whsec_test"
FAR = timezone.now() + timedelta(days=365)


def url(account) -> str:
    return reverse("billing:provider_webhook", args=[account.name])


# --- senders -------------------------------------------------------------------------------------


def didww_send(web, account, params, *, method="POST", key=DIDWW_KEY, signed_url=None, sig=None):
    signature = (
        sig
        if sig is not None
        else callbacks.signature(key, signed_url or callback_url(account), params)
    )
    headers = {callbacks.SIGNATURE_HEADER: signature} if signature else {}
    if method == "GET":
        return web.get(url(account), params, headers=headers)
    form = "application/x-www-form-urlencoded"  # what DIDWW sends
    return web.post(url(account), urlencode(params), content_type=form, headers=headers)


def didfarm_body(event="number.activated", *, when=None, **data) -> bytes:
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"event": event, "timestamp": stamp, "data": data}).encode()


def didfarm_send(web, account, body: bytes, *, secret=SECRET, prefix="", sig=None):
    signature = sig if sig is not None else hmac.new(secret.encode(), body, "sha256").hexdigest()
    headers = {"X-DIDfarm-Signature": prefix + signature} if signature else {}
    return web.post(url(account), body, content_type="application/json", headers=headers)


def client_post(web):
    """``deliver_due_callbacks``' ``post`` through Django's test client."""

    def post(delivery: Delivery) -> int:
        parts = urlsplit(delivery.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in delivery.headers.items() if k.lower() != "content-type"}
        if delivery.method == "GET":
            return web.get(path, headers=headers).status_code
        kind = delivery.headers.get("Content-Type", "application/octet-stream")
        return web.post(path, delivery.body, content_type=kind, headers=headers).status_code

    return post


# --- orders through checkout against the sandbox --------------------------------------------------


def fund(store):
    owner = Membership.objects.get(user=store["owner"])
    admin = get_user_model().objects.create(email="ops@example.com", is_staff=True)
    wallets.wallet_top_up(
        actor=store["owner"],
        membership=owner,
        wallet=wallets.wallet_of(store["client"]),
        amount_minor=100_000,
        method="bank_transfer",
        reference="T1",
        idempotency_key="t1",
    )
    wallets.wallet_top_up(
        actor=admin,
        membership=None,
        wallet=wallets.wallet_of(store["reseller"]),
        amount_minor=100_000,
        method="bank_transfer",
        reference="T2",
        idempotency_key="t2",
    )


def submitted_item(store, account) -> OrderItem:
    """An order placed through checkout and submitted upstream, waiting (pending) with its next
    poll a year away: whatever moves it now is the callback."""
    fund(store)
    client = store["client"]
    group = DidGroup.objects.filter(account=account, needs_registration=False).first()
    book = PriceBook(reseller=store["reseller"], client=client)
    cart = cart_item_add(
        client=client,
        group=group,
        sku=group.skus.first(),
        quantity=1,
        billing_cycle="monthly",
        book=book,
    )
    order, _ = order_place(
        client=client, user=store["client_user"], idempotency_key="k", item_ids=[cart.pk]
    )
    item = order.items.get()
    OrderItem.objects.filter(pk=item.pk).update(next_check_at=timezone.now() - timedelta(1))
    order_item_advance(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.PENDING_UPSTREAM and item.external_id
    OrderItem.objects.filter(pk=item.pk).update(next_check_at=FAR)
    return item


def didww_complete_upstream(account, item):
    """DIDWW finishes the order on its own (no poll of ours): it queues the signed callback."""
    sandbox = sandbox_for("didww", account.name)
    with simulator_lock(sandbox):
        sandbox.book.complete(sandbox.state.orders[item.external_id])
    return sandbox
