"""Building orders in tests: money in the wallets, a cart line, a placed order."""

from __future__ import annotations

import datetime as dt
import uuid

from billing import wallets
from billing.checkout import order_place
from billing.models import ACTIVE_STATES, OrderItem
from billing.pricing import PriceBook
from billing.provisioning import order_item_advance
from billing.services import cart_item_add
from customers.models import Membership, User
from inventory.models import DidGroup

PAST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def fund(store, *, client_minor: int = 100_000, reseller_minor: int = 100_000) -> None:
    owner = store["owner"]
    membership = Membership.objects.get(user=owner)
    if client_minor:
        wallets.wallet_top_up(
            actor=owner, membership=membership, wallet=wallets.wallet_of(store["client"]),
            amount_minor=client_minor, method="bank_transfer", reference="test",
            idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip
    if reseller_minor:
        admin = User.objects.filter(email="platform@example.com").first() or User.objects.create(
            email="platform@example.com", is_staff=True
        )
        wallets.wallet_top_up(
            actor=admin, membership=None, wallet=wallets.wallet_of(store["reseller"]),
            amount_minor=reseller_minor, method="bank_transfer", reference="test",
            idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip


def add_to_cart(store, group: DidGroup, *, quantity: int = 1, picks=(), cycle="monthly"):
    """A cart line; ``picks`` are ``AvailableNumber``s as the group's adapter listed them."""
    client = store["client"]
    return cart_item_add(
        client=client, group=group, sku=group.skus.filter(retired_at__isnull=True).first(),
        quantity=len(picks) or quantity, billing_cycle=cycle, picks=list(picks),
        book=PriceBook(reseller=client.reseller, client=client),
    )  # fmt: skip


def buy(store, group: DidGroup, *, quantity: int = 1, key: str = "", **kwargs):
    item = add_to_cart(store, group, quantity=quantity, **kwargs)
    order, _created = order_place(
        client=store["client"], user=store["client_user"],
        idempotency_key=key or uuid.uuid4().hex, item_ids=[item.pk],
    )  # fmt: skip
    return order


def drive(item: OrderItem, *, steps: int = 12, rest_at=()) -> OrderItem:
    """Advance an item as the sweeper would, with time skipped, until it stops moving (or
    reaches one of the ``rest_at`` states, e.g. waiting for documents)."""
    for _ in range(steps):
        item.refresh_from_db()
        if item.state not in ACTIVE_STATES or item.state in rest_at:
            break
        OrderItem.objects.filter(pk=item.pk).update(next_check_at=PAST, lease_until=None)
        order_item_advance(item_id=item.pk)
    item.refresh_from_db()
    return item
