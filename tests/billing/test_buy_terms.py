"""Never take money for what cannot be delivered: billing cycles, quantities and stock are checked
against the provider's terms when a line goes into the cart and again at Buy, and every refusal
changes nothing (no cart line, no order, no ledger rows)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import ledger
from billing.checkout import CheckoutError, checkout_review, order_place
from billing.models import CartItem, LedgerTransaction, Order, OrderItem
from billing.provisioning import order_request
from inventory.accounts import provider_account_create
from inventory.buying import buyable_q, on_request_q, terms_for
from inventory.models import DidGroup
from inventory.providers.types import AvailableNumber
from inventory.sync import catalog_sync
from tests.billing.conftest import group as record
from tests.billing.orders_helpers import add_to_cart, fund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


def state():
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        LedgerTransaction.objects.count(),
        CartItem.objects.count(),
        sorted(
            ledger.LedgerAccount.objects.exclude(balance_minor=0).values_list(
                "key", "balance_minor"
            )
        ),
    )


def stock(group: DidGroup, count: int | None) -> DidGroup:
    DidGroup.objects.filter(pk=group.pk).update(available_count=count)
    return DidGroup.objects.select_related("account").get(pk=group.pk)


def provider_group(kind: str, *, count: int | None = 5) -> DidGroup:
    """One group of a ``kind`` account (not in the simulator: no live numbers)."""
    account = provider_account_create(
        kind=kind, name=f"{kind}-terms", sandbox=True, rate_limit="", countries=["GB"]
    )
    catalog_sync(
        account=account,
        records=[record(f"{kind}-gb", "GB", area_prefix="161", city="Manchester", stock=count)],
    )
    return DidGroup.objects.select_related("account").get(account=account)


@pytest.fixture
def didww(shop):
    return DidGroup.objects.select_related("account").get(external_id="us-3")  # back-orders


@pytest.fixture
def didfarm(shop):
    return DidGroup.objects.select_related("account").get(external_id="de-ber")  # does not


def buy(shop, item):
    return order_place(
        client=shop["client"], user=None, idempotency_key=f"k-{item.pk}", item_ids=[item.pk]
    )


# --- add to cart ------------------------------------------------------------------------------


def test_a_quantity_above_the_known_stock_is_refused_and_changes_nothing(shop, didfarm):
    didfarm = stock(didfarm, 3)
    before = state()
    with pytest.raises(ValidationError) as refused:
        add_to_cart(shop, didfarm, quantity=50)
    assert refused.value.message_dict == {"quantity": ["Only 3 numbers available in this area."]}
    assert state() == before
    add_to_cart(shop, didfarm, quantity=2)
    with pytest.raises(ValidationError, match="already has 2"):
        add_to_cart(shop, didfarm, quantity=2)  # the cart's lines count against the stock too
    assert CartItem.objects.get().quantity == 2


def test_an_area_out_of_stock_is_bought_only_where_the_provider_back_orders(shop, didfarm, didww):
    with pytest.raises(ValidationError, match="No numbers are available"):
        add_to_cart(shop, stock(didfarm, 0))
    assert not CartItem.objects.exists()
    line = add_to_cart(shop, stock(didww, 0), quantity=2)  # DIDWW back-orders: on request
    assert line.on_request


def test_a_billing_cycle_the_provider_does_not_bill_is_refused(shop, didww, didfarm):
    for kind in ("pbxme", "idtexpress"):
        with pytest.raises(ValidationError) as refused:
            add_to_cart(shop, provider_group(kind), cycle="quarterly")
        assert refused.value.message_dict == {
            "billing_cycle": ["Numbers in this area are billed monthly only."]
        }
    with pytest.raises(ValidationError, match="monthly only"):
        add_to_cart(shop, didww, cycle="annual")
    assert not CartItem.objects.exists()
    assert add_to_cart(shop, didfarm, cycle="annual").billing_cycle == "annual"


def test_the_providers_limit_per_order_and_ours(shop, didfarm):
    idt = provider_group("idtexpress", count=None)
    with pytest.raises(ValidationError, match="At most 100"):
        add_to_cart(shop, idt, quantity=101)
    with pytest.raises(ValidationError, match="At most 100"):
        add_to_cart(shop, stock(didfarm, None), quantity=500)
    assert not CartItem.objects.exists()
    assert add_to_cart(shop, idt, quantity=100).quantity == 100


def test_picks_need_a_provider_that_orders_them_and_its_ids(shop, didww):
    idt = provider_group("idtexpress")
    with pytest.raises(ValidationError, match="cannot be chosen"):
        add_to_cart(shop, idt, picks=[AvailableNumber("+441615550100", "x")])
    with pytest.raises(ValidationError, match="picked again"):  # DIDWW orders by its id only
        add_to_cart(shop, didww, picks=[AvailableNumber("+17182010001")])
    assert not CartItem.objects.exists()
    line = add_to_cart(shop, didww, picks=[AvailableNumber("+17182010001", "did-1")])
    assert (line.numbers, line.number_ids, line.quantity) == (["+17182010001"], ["did-1"], 1)
    with pytest.raises(ValidationError, match="Already in your cart"):
        add_to_cart(shop, didww, picks=[AvailableNumber("+17182010001", "did-1")])


# --- Buy --------------------------------------------------------------------------------------


def test_stock_gone_since_the_cart_refuses_at_buy_and_changes_nothing(shop, didfarm):
    fund(shop)
    item = add_to_cart(shop, stock(didfarm, 3), quantity=3)
    stock(didfarm, 1)  # a sync meanwhile
    before = state()
    with pytest.raises(CheckoutError) as refused:
        buy(shop, item)
    assert refused.value.code == "unavailable"
    assert "Only 1 number available in this area." in str(refused.value)
    assert state() == before
    assert checkout_review(client=shop["client"]).problems  # the review says so too
    stock(didfarm, 0)
    with pytest.raises(CheckoutError, match="No numbers are available"):
        buy(shop, item)
    assert state() == before


def test_lines_of_one_area_are_counted_together_at_buy(shop, didfarm):
    fund(shop)
    didfarm = stock(didfarm, 4)
    first, second = add_to_cart(shop, didfarm, quantity=2), add_to_cart(shop, didfarm, quantity=2)
    stock(didfarm, 3)
    before = state()
    with pytest.raises(CheckoutError, match="already has 2"):
        order_place(
            client=shop["client"], user=None, idempotency_key="k", item_ids=[first.pk, second.pk]
        )
    assert state() == before


def test_a_cycle_no_longer_offered_refuses_at_buy(shop, didww):
    fund(shop)
    item = add_to_cart(shop, didww)
    CartItem.objects.filter(pk=item.pk).update(billing_cycle="quarterly")  # an older cart
    before = state()
    with pytest.raises(CheckoutError, match="monthly only"):
        buy(shop, item)
    assert state() == before


def test_a_didww_pick_without_its_id_refuses_at_buy_instead_of_after_payment(shop, didww):
    fund(shop)
    item = add_to_cart(shop, didww, picks=[AvailableNumber("+17182010001", "did-1")])
    CartItem.objects.filter(pk=item.pk).update(number_ids=[])  # a cart line from before the fix
    before = state()
    with pytest.raises(CheckoutError, match="picked again"):
        buy(shop, item)
    assert state() == before


def test_picks_go_upstream_with_their_ids(shop, didww):
    fund(shop)
    item = add_to_cart(shop, didww, picks=[AvailableNumber("+17182010001", "did-1")])
    order, _created = buy(shop, item)
    request = order_request(order.items.get())
    assert (request.numbers, request.number_ids) == (("+17182010001",), ("did-1",))
    assert not request.allow_backorder


def test_on_request_lines_are_ordered_with_back_ordering(shop, didww):
    fund(shop)
    item = add_to_cart(shop, stock(didww, 0), quantity=2)
    review = checkout_review(client=shop["client"])
    assert review.lines[0].on_request and any("on request" in n for n in review.notes)
    order, _created = buy(shop, item)
    ordered = order.items.get()
    assert ordered.allow_backorder and order_request(ordered).allow_backorder


def test_the_query_filters_agree_with_the_terms(shop):
    DidGroup.objects.filter(external_id="de-ber").update(available_count=0)  # no back-orders
    DidGroup.objects.filter(external_id="us-1").update(available_count=0)  # back-orders
    DidGroup.objects.filter(external_id="us-2").update(available_count=None)
    buyable = set(DidGroup.objects.filter(buyable_q()).values_list("external_id", flat=True))
    assert "de-ber" not in buyable and {"us-1", "us-2", "de-muc"} <= buyable
    on_request = set(DidGroup.objects.filter(on_request_q()).values_list("external_id", flat=True))
    assert on_request == {"us-1"}
    for group in DidGroup.objects.select_related("account"):
        assert terms_for(group).buyable == (group.external_id in buyable)
        assert terms_for(group).on_request == (group.external_id in on_request)


# --- the group page ---------------------------------------------------------------------------


def post(client, shop, group, **data):
    client.force_login(shop["client_user"])
    values = {"sku": group.skus.get().pk, "quantity": 1, "billing_cycle": "monthly", **data}
    return client.post(reverse("billing:group", args=[group.pk]), values)


def test_the_page_offers_only_the_cycles_the_provider_bills(client, shop, didfarm):
    client.force_login(shop["client_user"])
    pbxme = provider_group("pbxme")
    html = client.get(reverse("billing:group", args=[pbxme.pk])).content.decode()
    assert "Billed monthly." in html and 'value="quarterly"' not in html
    assert 'value="annual"' not in html
    html = client.get(reverse("billing:group", args=[didfarm.pk])).content.decode()
    assert 'value="quarterly"' in html and 'value="annual"' in html
    refused = post(client, shop, pbxme, billing_cycle="annual")
    assert refused.status_code == 400 and not CartItem.objects.exists()
    assert "billed monthly only" in refused.content.decode()


def test_the_page_refuses_more_than_the_stock(client, shop, didfarm):
    stock(didfarm, 3)
    refused = post(client, shop, didfarm, quantity=50)
    assert refused.status_code == 400
    assert "Only 3 numbers available in this area." in refused.content.decode()
    assert not CartItem.objects.exists()
    assert post(client, shop, didfarm, quantity=3).status_code == 302


def test_a_sold_out_area_offers_nothing_to_buy(client, shop, didfarm):
    stock(didfarm, 0)
    client.force_login(shop["client_user"])
    html = client.get(reverse("billing:group", args=[didfarm.pk])).content.decode()
    assert 'id="sold-out"' in html and "Add to cart" not in html and "On request" not in html
    assert post(client, shop, didfarm).status_code == 400
    assert not CartItem.objects.exists()


def test_on_request_is_said_only_where_the_provider_back_orders(client, shop, didww):
    client.force_login(shop["client_user"])
    url = reverse("billing:group", args=[didww.pk])
    assert "On request" not in client.get(url).content.decode()  # 5 in stock
    stock(didww, None)
    assert "On request" not in client.get(url).content.decode()  # unknown is not "on request"
    stock(didww, 0)
    html = client.get(url).content.decode()
    assert 'id="on-request"' in html and "Add to cart" in html
    assert post(client, shop, didww, quantity=2).status_code == 302
    cart = client.get(reverse("billing:cart")).content.decode()
    assert "on request" in cart
    assert CartItem.objects.get().monthly_price > Decimal(0)


def test_a_provider_without_picking_gets_no_live_check_and_no_picks(client, shop):
    client.force_login(shop["client_user"])
    idt = provider_group("idtexpress", count=None)
    html = client.get(reverse("billing:group", args=[idt.pk])).content.decode()
    assert "could not be checked" not in html and "Or pick exact numbers" not in html
    refused = post(client, shop, idt, numbers=["+441615550100"])
    assert refused.status_code == 400 and not CartItem.objects.exists()


def test_a_short_live_list_is_the_stock_where_the_sync_gave_none(client, shop, didww, monkeypatch):
    """DIDWW gives no count per NANPA prefix; the numbers it lists live are all it has."""
    listed = [AvailableNumber(f"+1718201000{i}", f"did-{i}") for i in range(3)]
    monkeypatch.setattr("billing.views.browse._live_numbers", lambda group, viewer: (listed, ""))
    stock(didww, None)
    refused = post(client, shop, didww, quantity=5)
    assert refused.status_code == 400 and not CartItem.objects.exists()
    assert "Only 3 numbers available in this area." in refused.content.decode()
    assert post(client, shop, didww, quantity=3).status_code == 302
