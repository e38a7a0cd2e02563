"""The provisioning state machine against a scripted provider (billing/provisioning.py)."""

from __future__ import annotations

import pytest
from django.core import mail

from billing import ledger
from billing.models import AccountKind, Hold, ItemState, OrderItem, OrderStatus, Posting
from billing.provisioning import MAX_ATTEMPTS, order_item_advance, order_item_retry
from billing.settlement import clearing_matches_holds
from inventory.models import DidGroup, Number
from inventory.providers import errors
from inventory.providers.types import OrderStatus as Upstream
from tests.billing.orders_helpers import PAST, buy, drive, fund
from tests.billing.scripted_provider import upstream


@pytest.fixture
def group(shop):
    fund(shop)
    return DidGroup.objects.get(external_id="us-3")  # USD 0.90 monthly, 0.50 setup


def balances(shop):
    reseller = shop["reseller"]
    return {
        "client": ledger.client_wallet(shop["client"]).balance_minor,
        "reseller": ledger.reseller_wallet(reseller).balance_minor,
        "revenue": ledger.reseller_revenue(reseller, "USD").balance_minor,
        "platform": ledger.platform_account(AccountKind.PLATFORM_REVENUE, "USD").balance_minor,
        "payable": ledger.provider_payable(shop["usd"], "USD").balance_minor,
        "clearing": ledger.platform_account(AccountKind.CLEARING, "USD").balance_minor,
    }


def assert_ledger_consistent():
    for account in ledger.LedgerAccount.objects.all():
        total = sum(account.postings.values_list("amount_minor", flat=True))
        assert total == account.balance_minor, account
    assert clearing_matches_holds("USD")


def test_a_delivered_number_is_charged_once_and_becomes_a_number(shop, group, provider):
    provider.place = [upstream(Upstream.PENDING)]
    provider.get = [upstream(Upstream.COMPLETED, ["+17182010001"])]
    order = buy(shop, group)
    item = order.items.get()
    # Each fee is marked up and rounded up on its own: setup 0.50 → 0.55 → 0.83, monthly
    # 0.90 → 0.99 → 1.49.
    retail, wholesale = order.retail_total_minor, order.wholesale_total_minor
    assert (retail, wholesale) == (232, 154)
    assert balances(shop)["clearing"] == retail + wholesale

    item = drive(item)

    assert item.state == ItemState.FULFILLED
    assert provider.calls.count("place") == 1
    number = Number.objects.get()
    assert (number.e164, number.client, number.status) == ("+17182010001", shop["client"], "active")
    assert balances(shop) == {
        "client": 100_000 - retail,
        "reseller": 100_000 - wholesale,
        "revenue": retail,
        "platform": wholesale - 140,  # cost 0.50 + 0.90 is owed to the provider
        "payable": 140,
        "clearing": 0,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert_ledger_consistent()


def test_a_lost_purchase_response_is_found_again_not_bought_twice(shop, group, provider):
    provider.place = [errors.OutcomeUnknown("timed out after sending")]
    provider.find = [upstream(Upstream.COMPLETED, ["+17182010002"])]
    item = drive(buy(shop, group).items.get())
    assert item.state == ItemState.FULFILLED
    assert provider.calls == ["place", "find"]
    assert item.external_id == "up-1"


def test_only_a_verified_absence_allows_buying_again(shop, group, provider):
    provider.place = [errors.OutcomeUnknown("lost"), upstream(Upstream.COMPLETED, ["+1718201003"])]
    provider.find = [errors.Unavailable("503"), None]
    item = drive(buy(shop, group).items.get())
    assert provider.calls == ["place", "find", "find", "place"]
    assert item.state == ItemState.FULFILLED


def test_a_refused_purchase_fails_and_refunds_in_full(shop, group, provider):
    before = balances(shop)
    provider.place = [errors.InvalidRequest("DIDWW: sold out", field="sku")]
    item = drive(buy(shop, group).items.get())
    assert item.state == ItemState.FAILED
    assert "DIDWW" not in item.detail  # clients read it
    assert balances(shop) == before
    assert not Number.objects.exists()
    assert Hold.objects.get(item=item, wallet__kind=AccountKind.CLIENT_WALLET).released_minor > 0
    assert_ledger_consistent()


def test_partial_fulfilment_charges_what_arrived_and_refunds_the_rest(shop, group, provider):
    provider.place = [upstream(Upstream.PARTIAL, ["+17182010004"], quantity=3)]
    order = buy(shop, group, quantity=3)
    item = drive(order.items.get())
    assert item.state == ItemState.PARTIALLY_FULFILLED
    assert balances(shop)["client"] == 100_000 - order.retail_total_minor // 3
    assert balances(shop)["revenue"] == order.retail_total_minor // 3
    assert Number.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    assert_ledger_consistent()


def test_a_backorder_keeps_its_hold_until_delivered(shop, group, provider):
    provider.place = [upstream(Upstream.BACKORDERED)]
    provider.get = [upstream(Upstream.BACKORDERED)]
    order = buy(shop, group)
    item = drive(order.items.get(), steps=3)
    assert item.state == ItemState.BACKORDERED
    assert balances(shop)["clearing"] == order.retail_total_minor + order.wholesale_total_minor
    provider.get = [upstream(Upstream.COMPLETED, ["+17182010005"])]
    assert drive(item).state == ItemState.FULFILLED
    assert balances(shop)["clearing"] == 0


def test_transient_failures_end_in_the_dead_letter_state_and_an_admin_retry(shop, group, provider):
    provider.place = [upstream(Upstream.PENDING)]
    provider.get = [errors.Unavailable("DIDWW answered 503")]
    order = buy(shop, group)
    item = drive(order.items.get(), steps=MAX_ATTEMPTS + 3)
    assert item.state == ItemState.DEAD_LETTER
    assert item.state_before_dead_letter == ItemState.PENDING_UPSTREAM
    assert "503" in item.last_error and "503" not in item.detail
    assert balances(shop)["clearing"] > 0  # the outcome is unknown: the money stays held
    assert order_item_advance(item_id=item.pk) == "skipped"

    provider.get = [upstream(Upstream.COMPLETED, ["+17182010006"])]
    assert order_item_retry(item_id=item.pk)
    item = drive(item)
    assert item.state == ItemState.FULFILLED
    assert provider.calls.count("place") == 1


def test_a_rejected_platform_credential_goes_straight_to_a_person(shop, group, provider):
    provider.place = [errors.AuthFailed("DIDWW rejected the API key")]
    item = drive(buy(shop, group).items.get(), steps=2)
    assert item.state == ItemState.DEAD_LETTER


def test_a_finished_item_never_moves_again(shop, group, provider):
    provider.place = [upstream(Upstream.COMPLETED, ["+17182010007"])]
    item = drive(buy(shop, group).items.get())
    postings = Posting.objects.count()
    provider.get = [upstream(Upstream.CANCELED)]
    OrderItem.objects.filter(pk=item.pk).update(next_check_at="2000-01-01T00:00Z")
    assert order_item_advance(item_id=item.pk) == "skipped"
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    assert Posting.objects.count() == postings


def test_the_client_and_the_reseller_hear_when_an_order_ends(
    shop, group, provider, django_capture_on_commit_callbacks
):
    provider.place = [upstream(Upstream.COMPLETED, ["+17182010008"])]
    order = buy(shop, group)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        drive(order.items.get())
    order.refresh_from_db()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"[Globex] Order {order.reference} is complete",
        f"[Wave Voice] Order {order.reference} is complete",
    ]
    client_mail = next(m for m in mail.outbox if m.subject.startswith("[Wave Voice]"))
    # In the reseller's name, on the platform's sending address; replies go to its support.
    assert all(m.from_email == "Wave Voice <no-reply@didhub.example>" for m in mail.outbox)
    assert client_mail.reply_to == [shop["reseller"].support_email]
    assert all("didhub" not in (m.subject + m.body).lower() for m in mail.outbox)
    assert "+17182010008" in client_mail.body
    assert "didww" not in client_mail.body.lower()
    assert order.notified_at is not None


def test_a_throttled_purchase_is_sent_again_without_a_search(shop, group, provider):
    provider.place = [
        errors.RateLimited("429", retry_after=0),
        upstream(Upstream.COMPLETED, ["+1718201009"]),
    ]
    item = drive(buy(shop, group).items.get())
    assert item.state == ItemState.FULFILLED
    assert provider.calls == ["place", "place"]  # a 429 bought nothing: no find_order


def test_an_answer_from_a_worker_whose_lease_ran_out_is_dropped(shop, group, provider, monkeypatch):
    """Worker A is slow; its lease runs out and worker B takes the item over; A's late answer
    (here: "canceled") must not write over what B found (the order is pending upstream)."""
    item = buy(shop, group).items.get()

    def slow_place(request):
        OrderItem.objects.filter(pk=item.pk).update(lease_until=PAST, next_check_at=PAST)
        provider.find = [upstream(Upstream.PENDING)]
        assert order_item_advance(item_id=item.pk) == ItemState.PENDING_UPSTREAM  # worker B
        return upstream(Upstream.CANCELED)

    monkeypatch.setattr(provider, "place_order", slow_place)
    assert order_item_advance(item_id=item.pk) == "stale"  # worker A, too late
    item.refresh_from_db()
    assert item.state == ItemState.PENDING_UPSTREAM
    assert balances(shop)["clearing"] > 0  # nothing refunded on A's word
