"""Picking exact numbers, end to end against each provider's simulator: the number picked on the
group page is the number bought, paid for once and delivered — or picking is not offered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.checkout import order_place
from billing.models import CartItem, ItemState, Order
from inventory.accounts import adapter_for
from inventory.models import DidGroup, Number
from inventory.providers.registry import PROVIDERS
from inventory.providers.types import OrderRequest
from inventory.sandbox import registry
from tests.billing.conftest import sandbox_account
from tests.billing.orders_helpers import add_to_cart, drive, fund

pytestmark = pytest.mark.django_db
PICKING = tuple(kind for kind, d in PROVIDERS.items() if "pick_number" in d.capabilities)


def group_with_numbers(account) -> tuple[DidGroup, list]:
    """A group without documents to file whose provider lists numbers to pick from right now
    (not every group does: DIDWW lists no mobile or shared-cost numbers)."""
    adapter = adapter_for(account)
    for group in DidGroup.objects.filter(account=account, needs_registration=False).order_by("id"):
        found = adapter.available_numbers(group.external_id, limit=3)
        if len(found) >= 2:
            return DidGroup.objects.select_related("account").get(pk=group.pk), found
    raise AssertionError(f"no {account.kind} group lists numbers")


@pytest.mark.parametrize("kind", PICKING)
def test_a_picked_number_is_the_number_delivered(store, kind):
    account = sandbox_account(kind, groups=40)  # DIDWW lists numbers in few of its groups
    group, found = group_with_numbers(account)
    pick = found[1]  # not the first: an "any number" order would get that one
    line = add_to_cart(store, group, picks=[pick])
    assert line.numbers == [pick.number]
    assert line.number_ids == ([pick.external_id] if pick.external_id else [])
    fund(store, client_minor=10**7, reseller_minor=10**7)
    order, _created = order_place(
        client=store["client"], user=store["client_user"], idempotency_key=kind,
        item_ids=[line.pk],
    )  # fmt: skip

    item = drive(order.items.get(), steps=40)

    assert item.state == ItemState.FULFILLED, (item.state, item.detail, item.last_error)
    assert item.delivered_numbers == [pick.number]
    assert list(Number.objects.values_list("e164", flat=True)) == [pick.number]
    # Taken: the provider does not offer it again.
    listed = adapter_for(account).available_numbers(group.external_id, limit=50)
    assert pick.number not in [n.number for n in listed]


def test_a_didww_pick_taken_meanwhile_is_refused_before_anything_is_bought(store):
    account = sandbox_account("didww", groups=40)
    group, found = group_with_numbers(account)
    line = add_to_cart(store, group, picks=[found[0]])
    # Someone else buys that number first.
    adapter_for(account).place_order(
        OrderRequest(
            our_reference="someone-else",
            group_external_id=group.external_id,
            sku_external_id=group.skus.first().external_id,
            numbers=(found[0].number,),
            number_ids=(found[0].external_id,),
        )
    )
    fund(store, client_minor=10**7, reseller_minor=10**7)
    balance = registry.sandbox_for("didww", account.name).state.balance
    order, _created = order_place(
        client=store["client"], user=store["client_user"], idempotency_key="taken",
        item_ids=[line.pk],
    )  # fmt: skip

    item = drive(order.items.get(), steps=10)

    assert item.state == ItemState.FAILED and item.delivered_numbers == []
    assert registry.sandbox_for("didww", account.name).state.balance == balance  # not charged
    assert not Number.objects.exists()


def test_the_group_page_keeps_the_providers_ids_and_ignores_made_up_numbers(client, store):
    account = sandbox_account("didww", groups=40)
    group, found = group_with_numbers(account)
    client.force_login(store["client_user"])
    url = reverse("billing:group", args=[group.pk])
    page = client.get(url).content.decode()
    assert found[1].number in page and found[1].external_id not in page  # ids stay here
    values = {"sku": group.skus.order_by("monthly_price", "id").first().pk, "quantity": 1,
              "billing_cycle": "monthly"}  # fmt: skip
    made_up = client.post(url, {**values, "numbers": ["+10000000000"]})
    assert made_up.status_code == 400 and not CartItem.objects.exists()
    assert "no longer available" in made_up.content.decode()
    picked = client.post(url, {**values, "numbers": [found[1].number]})
    assert picked.status_code == 302
    line = CartItem.objects.get()
    assert (line.numbers, line.number_ids) == ([found[1].number], [found[1].external_id])


def test_idt_offers_no_picks(client, store):
    account = sandbox_account("idtexpress", groups=2)
    group = DidGroup.objects.filter(account=account).first()
    client.force_login(store["client_user"])
    page = client.get(reverse("billing:group", args=[group.pk])).content.decode()
    assert "Or pick exact numbers" not in page and "could not be checked" not in page
    assert not Order.objects.exists()
