"""Regulated numbers against the DIDWW simulator: delivered upstream but held until documents
are approved, the item waits in "documents required" with its money on hold (nothing charged,
no number yet), the client is told what to do, and the provider's answer settles it later:
approved → charged and live, refused → refunded."""

from __future__ import annotations

from itertools import islice

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from billing.models import AccountKind, Hold, ItemState, OrderItem, OrderStatus, ProviderEvent
from billing.provisioning import DOCUMENTS_POLL
from inventory.accounts import adapter_for, provider_account_create
from inventory.models import DidGroup, Number, NumberStatus
from inventory.sandbox import registry
from inventory.sync import catalog_sync
from tests.billing.messages_helpers import assert_no_provider_names
from tests.billing.orders_helpers import add_to_cart, buy, drive, fund
from tests.billing.webhooks_support import didfarm_body, didfarm_send
from tests.factories import PASSWORD

WAITING = (ItemState.AWAITING_DOCUMENTS,)


@pytest.fixture
def regulated(store):
    """A DIDWW sandbox account with one regulated group in stock (and the store funded)."""
    account = provider_account_create(kind="didww", name="didww-docs", sandbox=True, rate_limit="")
    records = islice(adapter_for(account).coverage(), 3000)
    record = next(r for r in records if r.needs_registration and r.available_count and r.skus)
    catalog_sync(account=account, records=[record])
    fund(store)
    return DidGroup.objects.get(account=account)


def sandbox_dids(group: DidGroup, item: OrderItem) -> list:
    state = registry.sandbox_for("didww", group.account.name).state
    return [d for d in state.dids.values() if d.order_id == item.external_id]


def placed(store, group: DidGroup) -> OrderItem:
    from billing.checkout import order_place

    line = add_to_cart(store, group)
    order, _ = order_place(
        client=store["client"], user=store["client_user"], idempotency_key="docs",
        item_ids=[line.pk],
    )  # fmt: skip
    return drive(order.items.get(), rest_at=WAITING)


def clearing() -> int:
    return ledger.platform_account(AccountKind.CLEARING, "USD").balance_minor


def test_a_regulated_number_waits_with_its_money_held_then_is_charged_once_approved(
    store, regulated, client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = placed(store, regulated)
    order = item.order
    assert item.state == ItemState.AWAITING_DOCUMENTS
    assert item.delivered_numbers and item.resolved_at is None
    assert item.next_check_at - item.updated_at >= DOCUMENTS_POLL * 0.9  # hourly, not seconds
    assert {h.status for h in Hold.objects.filter(item=item)} == {Hold.Status.OPEN}
    assert clearing() == order.retail_total_minor + order.wholesale_total_minor
    assert not Number.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING

    # The client is told, once, what to do; neither email names the provider.
    subjects = sorted(m.subject for m in mail.outbox)
    brand = store["reseller"].display_name or store["reseller"].name
    assert subjects == sorted(
        [
            f"[{brand}] Order {order.reference}: documents required",
            f"[Globex] Order {order.reference}: documents required",
        ]
    )
    email = store["reseller"].support_email
    for message in mail.outbox:
        assert f"Write to {email} to send them" in message.body
        assert "charged only once the documents are approved" in message.body
        assert_no_provider_names(message.body)
    client.login(email=store["client_user"].email, password=PASSWORD)
    page = client.get(reverse("billing:order", args=[order.reference])).content.decode()
    assert "Documents required" in page and f"Write to {email}" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing changes in seconds: no polling
    assert "On hold since checkout" in page and "Charged" not in page
    assert_no_provider_names(page)

    # Still pending upstream: a slow check changes nothing and mails nobody again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = drive(item, steps=2)
    assert item.state == ItemState.AWAITING_DOCUMENTS and mail.outbox == []

    # Approved upstream: charged, live, and the order ends (one more email).
    for did in sandbox_dids(regulated, item):
        did.awaiting_registration = False
    with django_capture_on_commit_callbacks(execute=True):
        item = drive(item)
    assert item.state == ItemState.FULFILLED
    assert {h.status for h in Hold.objects.filter(item=item)} == {Hold.Status.SETTLED}
    assert clearing() == 0
    number = Number.objects.get()
    assert number.status == NumberStatus.ACTIVE and [number.e164] == item.delivered_numbers
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [
            f"[{brand}] Order {order.reference} is complete",
            f"[Globex] Order {order.reference} is complete",
        ]
    )


def test_documents_refused_upstream_refund_in_full(store, regulated):
    before = ledger.client_wallet(store["client"]).balance_minor
    item = placed(store, regulated)
    assert item.state == ItemState.AWAITING_DOCUMENTS
    for did in sandbox_dids(regulated, item):
        did.terminated = True  # the provider gave the number up: the documents were refused
    item = drive(item)
    assert item.state == ItemState.FAILED
    assert ledger.client_wallet(store["client"]).balance_minor == before
    assert clearing() == 0 and not Number.objects.exists()
    assert "documents were not approved" in str(item.explanation)
    assert "DIDWW" not in str(item.explanation) and item.last_error


def test_a_providers_approval_event_makes_a_waiting_item_due_at_once(
    web, store, regulated, didfarm_bare
):
    """DIDfarm announces approvals (``regulatory.approved``): the item is checked now, not at
    its next hourly look."""
    item = buy(store, regulated).items.get()
    far = timezone.now() + DOCUMENTS_POLL
    OrderItem.objects.filter(pk=item.pk).update(
        provider_account=didfarm_bare, state=ItemState.AWAITING_DOCUMENTS, external_id="77",
        delivered_numbers=["+4930123456"], next_check_at=far,
    )  # fmt: skip
    body = didfarm_body("regulatory.approved", order_id=77, number="+4930123456")
    assert didfarm_send(web, didfarm_bare, body).status_code == 200
    item.refresh_from_db()
    assert item.next_check_at < far and item.poked_at is not None
    assert "checking with the provider now" in ProviderEvent.objects.get().outcome
