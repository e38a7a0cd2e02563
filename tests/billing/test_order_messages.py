"""What a failed or waiting order item tells people: the client and the reseller read a plain
reason and a next step, on every page and in the email, and never a provider's name or words;
the admin reads the provider's own words (billing/explanations.py)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.models import ExchangeRate, ItemState, LedgerTransaction, OrderItem
from billing.pricing import PriceBook
from billing.services import cart_item_add
from inventory.models import DidGroup
from inventory.providers import errors
from inventory.providers.types import OrderStatus as Upstream
from inventory.providers.types import ProviderOrder, Shortfall
from tests.billing.messages_helpers import assert_no_provider_names
from tests.billing.orders_helpers import add_to_cart, buy, drive, fund
from tests.factories import PASSWORD, UserFactory

DASH = "\u2013"  # IDT writes its statuses with an en dash


def idt(status_text: str, cause: str, shortfall, *, numbers=(), ordered=1) -> ProviderOrder:
    """An order as the IDT Express adapter reports it (its ``detail`` names IDT)."""
    status = Upstream.PARTIAL if numbers else Upstream.CANCELED
    return ProviderOrder(
        external_id="IDT-ORD-4471", status=status, numbers=tuple(numbers),
        quantity_ordered=ordered, detail=f"IDT Express: {cause} ({status_text})",
        shortfall=shortfall,
    )  # fmt: skip


@dataclass
class Case:
    answer: object  # what place_order answers (or raises)
    state: str
    reason: str  # the plain reason, as the client reads it
    next_step: str
    provider_words: tuple[str, ...]  # what the admin reads and nobody else
    quantity: int = 1
    mailed: bool = True
    extra: dict = field(default_factory=dict)


CASES = {
    "idt out of stock": Case(
        idt(f"Canceled {DASH} Insufficient Inventory", "IDT Express had too few numbers in stock",
            Shortfall.OUT_OF_STOCK),
        ItemState.FAILED, "ran out before the order could be completed",
        "Choose another number or area.", (f"Canceled {DASH} Insufficient Inventory", "too few"),
    ),
    "idt funds upstream": Case(
        idt(f"Canceled {DASH} Insufficient Funds", "insufficient funds on the IDT Express account",
            Shortfall.PROVIDER_FUNDS),
        ItemState.FAILED, "A problem on our side stopped the order.", "Try again later.",
        (f"Canceled {DASH} Insufficient Funds", "insufficient funds"),
    ),
    "idt back-order canceled": Case(
        idt("Backorder Canceled", "the back-order was canceled", Shortfall.BACKORDER_CANCELED),
        ItemState.FAILED, "did not come back in stock in time",
        "Choose another area, or try again later.", ("Backorder Canceled",),
    ),
    "idt partly delivered": Case(
        idt(f"Partially Fulfilled {DASH} Complete", "IDT Express had too few numbers in stock",
            Shortfall.OUT_OF_STOCK, numbers=["+17182010101"], ordered=2),
        ItemState.PARTIALLY_FULFILLED, "1 of 2 numbers were delivered.",
        "The undelivered number was refunded to the wallet.",
        (f"Partially Fulfilled {DASH} Complete",), quantity=2,
    ),
    "didww refused": Case(
        errors.InvalidRequest("DIDWW: SKU 3f1c is not orderable (sku_id is invalid)", field="sku"),
        ItemState.FAILED, "could not be accepted as it was placed",
        "Choose another number or billing period", ("sku_id is invalid",),
    ),
    "didww canceled": Case(
        ProviderOrder(external_id="DIDWW-ORD-88", status=Upstream.CANCELED,
                      detail="Canceled (DIDWW-ORD-88)"),
        ItemState.FAILED, "The number could not be supplied.",
        "Choose another number, or try again later.", ("Canceled (DIDWW-ORD-88)",),
    ),
    "didfarm sold out": Case(
        errors.InvalidRequest("DIDfarm: only 0 numbers available in US-LOCAL-212, 1 ordered",
                              field="quantity"),
        ItemState.FAILED, "ran out before the order could be completed",
        "Choose another number or area.", ("US-LOCAL-212",),
    ),
    "didfarm gone": Case(
        errors.NotFound("DIDfarm has no group US-LOCAL-718"),
        ItemState.FAILED, "not offered any more", "Choose another number.", ("US-LOCAL-718",),
    ),
    "pbxme none left": Case(
        ProviderOrder(external_id="", status=Upstream.CANCELED, quantity_ordered=1,
                      detail="PBXme has no number available in pbx-us-718",
                      shortfall=Shortfall.OUT_OF_STOCK),
        ItemState.FAILED, "ran out before the order could be completed",
        "Choose another number or area.", ("pbx-us-718",),
    ),
    "pbxme cycle refused": Case(
        errors.InvalidRequest("PBXme bills numbers monthly only, not 'annual'",
                              field="billing_cycle"),
        ItemState.FAILED, "could not be accepted as it was placed",
        "Choose another number or billing period", ("bills numbers monthly only",),
    ),
    "didww key rejected": Case(
        errors.AuthFailed("DIDWW rejected the API key"),
        ItemState.DEAD_LETTER, "taking longer than expected; our team is looking into it",
        "the amount stays on hold", ("rejected the API key",), mailed=False,
    ),
}  # fmt: skip


def page(client, user, name: str, *args) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, name
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("name", list(CASES))
def test_clients_and_resellers_read_a_reason_and_a_next_step_admins_the_providers_words(
    name, shop, provider, client, django_capture_on_commit_callbacks
):
    case = CASES[name]
    fund(shop)
    group = DidGroup.objects.get(external_id="us-3")
    provider.place = [case.answer]
    provider.get = [case.answer]
    order = buy(shop, group, quantity=case.quantity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = drive(order.items.get())
    assert item.state == case.state, (item.state, item.last_error)
    words = case.provider_words

    for user in (shop["client_user"], shop["owner"]):
        detail = page(client, user, "billing:order", order.reference)
        assert case.reason in detail and case.next_step in detail, user
        # An order that ended short offers the next step as a link (to the client, who buys).
        offered = "Find another number" in detail
        assert offered == (case.mailed and user == shop["client_user"])
        assert_no_provider_names(detail, *words)
        for listing in ("billing:orders", "billing:numbers", "billing:cart"):
            assert_no_provider_names(page(client, user, listing), *words)
    assert_no_provider_names(page(client, shop["client_user"], "billing:wallet"), *words)

    if case.mailed:
        assert len(mail.outbox) == 2  # the client, and the reseller's copy
        for message in mail.outbox:
            assert case.reason in message.body and case.next_step in message.body
            assert_no_provider_names(f"{message.subject}\n{message.body}", *words)
    else:
        assert mail.outbox == []

    # The admin reads what the provider said, word for word.
    admin = UserFactory(is_staff=True, is_superuser=True)
    change = page(client, admin, "admin:billing_orderitem_change", item.pk)
    assert all(word in change for word in words), item.last_error


def test_a_partial_refund_says_one_number_not_one_numbers(shop, provider):
    fund(shop)
    provider.place = [CASES["idt partly delivered"].answer]
    order = buy(shop, DidGroup.objects.get(external_id="us-3"), quantity=2)
    drive(order.items.get())
    memos = list(LedgerTransaction.objects.filter(order=order).values_list("memo", flat=True))
    assert any(memo.endswith("refund for 1 undelivered number") for memo in memos), memos
    assert any(memo.endswith("1 of 2 numbers delivered") for memo in memos), memos


def test_an_offer_that_cannot_be_priced_says_so_without_the_platforms_reasons(shop, client):
    """No exchange rate from the provider's currency: the client is not told which currency
    the platform buys in, nor from whom; the cart says what to do."""
    group = DidGroup.objects.get(external_id="de-ber")  # an EUR cost
    add_to_cart(shop, group)
    ExchangeRate.objects.all().delete()
    for name in ("billing:cart", "billing:checkout"):  # the review prices the cart again
        text = page(client, shop["client_user"], name)
        if name == "billing:checkout":
            assert "cannot be priced right now: try again later, or remove it" in text
        assert "exchange rate" not in text and "EUR" not in text
        assert_no_provider_names(text)
    client = shop["client"]
    with pytest.raises(ValidationError) as refused:
        cart_item_add(
            client=client, group=group, sku=group.skus.first(), quantity=1,
            billing_cycle="monthly", book=PriceBook(reseller=client.reseller,
                                                                 client=client),
        )  # fmt: skip
    text = " ".join(refused.value.messages)
    assert "cannot be priced right now" in text and "try again later" in text
    assert "EUR" not in text and "exchange rate" not in text
    assert_no_provider_names(text)


def test_the_cart_and_the_review_say_what_regulated_numbers_need(shop, client):
    fund(shop)
    regulated = DidGroup.objects.get(external_id="de-muc")
    add_to_cart(shop, regulated)
    email = shop["reseller"].support_email
    admin_user = shop["client_user"]
    client.login(email=admin_user.email, password=PASSWORD)
    for name in ("billing:cart", "billing:checkout"):
        response = client.get(reverse(name))
        if response.status_code != 200:
            continue  # the review is for client administrators
        text = html.unescape(response.content.decode())
        assert_no_provider_names(text)
    group_page = html.unescape(
        client.get(reverse("billing:group", args=[regulated.pk])).content.decode()
    )
    assert "upload" not in group_page.lower()
    assert f"send them by email to {email}" in group_page
    assert "charged only once the documents are approved" in group_page
    assert_no_provider_names(group_page)


def test_waiting_for_documents_explains_what_to_do(shop, provider):
    fund(shop)
    regulated = DidGroup.objects.get(external_id="de-muc")
    provider.place = [
        ProviderOrder(external_id="DIDWW-ORD-9", status=Upstream.COMPLETED,
                      numbers=("+498912345",), awaiting_registration=("+498912345",))
    ]  # fmt: skip
    item = drive(buy(shop, regulated).items.get(), rest_at=(ItemState.AWAITING_DOCUMENTS,))
    assert item.state == ItemState.AWAITING_DOCUMENTS
    why = OrderItem.objects.select_related("order__reseller").get(pk=item.pk).explanation
    assert "needs documents" in why.reason
    assert shop["reseller"].support_email in why.next_step
    assert "charged only once the documents are approved" in why.next_step


def test_the_orders_list_says_documents_required_and_stops_polling(shop, provider, client):
    fund(shop)
    provider.place = [
        ProviderOrder(external_id="DIDWW-ORD-10", status=Upstream.COMPLETED,
                      numbers=("+498912346",), awaiting_registration=("+498912346",))
    ]  # fmt: skip
    drive(
        buy(shop, DidGroup.objects.get(external_id="de-muc")).items.get(),
        rest_at=(ItemState.AWAITING_DOCUMENTS,),
    )
    for user in (shop["client_user"], shop["owner"]):
        text = page(client, user, "billing:orders")
        assert "Documents required" in text and 'hx-trigger="every 2s"' not in text
        assert_no_provider_names(text)
    assert "Documents required" in page(client, shop["client_user"], "client_dashboard")
    pending = buy(shop, DidGroup.objects.get(external_id="us-3"))
    assert pending.in_flight  # placed, not yet provisioned: the list keeps itself up to date
    assert 'hx-trigger="every 2s"' in page(client, shop["owner"], "billing:orders")


def test_no_page_promises_what_the_product_cannot_do_yet(shop, client):
    """Routing and a documents upload do not exist yet: no page may promise them."""
    text = page(client, shop["client_user"], "client_dashboard")
    assert "You have no numbers yet" in text
    for promise in ("routing", "route", "upload", "afterwards"):
        assert promise not in text.lower(), promise
    regulated = DidGroup.objects.get(external_id="de-muc")
    text = page(client, shop["client_user"], "billing:group", regulated.pk).lower()
    assert "upload" not in text and "afterwards" not in text
    add_to_cart(shop, regulated)
    fund(shop)
    text = page(client, shop["client_user"], "billing:checkout")
    assert "You will be asked for them" not in text
    assert "renew automatically" not in text  # renewals are not built yet
    assert f"send them by email to {shop['reseller'].support_email}" in text
