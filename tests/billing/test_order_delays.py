"""Orders in flight longer than expected: the overdue rule and what the order page tells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import FINAL_STATES, ItemState, Order, OrderItem
from billing.selectors_orders import (
    DELAYED_POLL_SECONDS,
    POLL_SECONDS,
    item_overdue,
    order_progress,
    overdue_items_q,
)
from inventory.models import DidGroup
from tests.billing.orders_helpers import buy, fund
from tests.factories import PASSWORD

SLOW = "This is taking longer than usual."
ON_HOLD = "Your money stays on hold until"
EVERY_STATE = [state.value for state in ItemState]


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


@pytest.fixture
def order(shop) -> Order:
    fund(shop)
    return buy(shop, DidGroup.objects.get(external_id="us-3"))


def age(order: Order, delta: timedelta, *, state: str = ItemState.PENDING_UPSTREAM) -> OrderItem:
    """The order placed ``delta`` ago, its item in ``state``."""
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - delta)
    order.items.update(state=state)
    order.refresh_from_db()
    return order.items.order_by("id").first()


def page(client, shop, order: Order, *, fragment: bool = False) -> str:
    client.login(email=shop["client_user"].email, password=PASSWORD)
    headers = {"HX-Request": "true"} if fragment else {}
    response = client.get(reverse("billing:order", args=[order.reference]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["placed", "submitting", "pending_upstream"])
def test_an_item_moving_for_two_minutes_is_overdue_and_ten_seconds_is_not(order, state):
    age(order, timedelta(minutes=2), state=state)
    (item,) = order_progress(order).items
    assert item.overdue

    age(order, timedelta(seconds=10), state=state)
    (item,) = order_progress(order).items
    assert not item.overdue


def test_the_expected_time_is_a_setting(order, settings):
    age(order, timedelta(minutes=2))
    settings.ORDER_ITEM_EXPECTED_SECONDS = 300
    assert not order_progress(order).items[0].overdue


def test_a_back_order_is_overdue_only_after_days(order):
    age(order, timedelta(hours=2), state=ItemState.BACKORDERED)
    assert not order_progress(order).items[0].overdue
    age(order, timedelta(days=8), state=ItemState.BACKORDERED)
    assert order_progress(order).items[0].overdue


@pytest.mark.parametrize("state", [*FINAL_STATES, ItemState.DEAD_LETTER])
def test_final_and_dead_lettered_items_are_never_overdue(order, state):
    age(order, timedelta(days=30), state=state)
    assert not order_progress(order).items[0].overdue


@pytest.mark.parametrize("state", EVERY_STATE)
@pytest.mark.parametrize(
    "delta", [timedelta(seconds=10), timedelta(minutes=2), timedelta(days=8)], ids=str
)
def test_the_sql_rule_agrees_with_the_page_rule(order, state, delta):
    """The operations page counts with ``overdue_items_q``; the order page flags with
    ``item_overdue``: one definition."""
    item = age(order, delta, state=state)
    now = timezone.now()
    in_sql = OrderItem.objects.filter(overdue_items_q(now=now), pk=item.pk).exists()
    assert in_sql == item_overdue(state=state, placed_at=order.created_at, now=now)


# --- the page ---------------------------------------------------------------------------------


def test_the_page_says_it_takes_longer_after_two_minutes_and_what_happens_next(client, shop, order):
    age(order, timedelta(minutes=2))
    html = page(client, shop, order)
    assert SLOW in html
    assert "confirmed with the carrier" in html and ON_HOLD in html
    assert "refunded automatically" in html
    assert f'hx-trigger="every {DELAYED_POLL_SECONDS}s"' in html  # it polls slower now
    assert "didww" not in html.lower()  # never the provider


def test_the_live_fragment_carries_the_notice_too(client, shop, order):
    age(order, timedelta(minutes=2), state=ItemState.PLACED)
    html = page(client, shop, order, fragment=True)
    assert "<html" not in html and SLOW in html and "queued to go to the carrier" in html


def test_no_notice_ten_seconds_after_the_order(client, shop, order):
    age(order, timedelta(seconds=10))
    html = page(client, shop, order)
    assert SLOW not in html and ON_HOLD not in html
    assert f'hx-trigger="every {POLL_SECONDS}s"' in html


@pytest.mark.parametrize("state", FINAL_STATES)
def test_no_notice_on_final_items_however_old(client, shop, order, state):
    age(order, timedelta(days=3), state=state)
    html = page(client, shop, order)
    assert SLOW not in html and ON_HOLD not in html and 'class="message order-delay' not in html


def test_a_back_order_says_it_waits_for_stock(client, shop, order):
    age(order, timedelta(seconds=10), state=ItemState.BACKORDERED)
    html = page(client, shop, order)
    # Said once, under the item (the order-level notice is for late in-flight items).
    assert html.count("Waiting for numbers to come back in stock.") == 1
    assert "amount stays on hold" in html
    assert SLOW not in html and 'class="message order-delay' not in html


def test_a_dead_letter_says_our_team_is_on_it(client, shop, order):
    age(order, timedelta(seconds=10), state=ItemState.DEAD_LETTER)
    OrderItem.objects.filter(order=order).update(
        last_error="submit: Unavailable: didww-main said 503 Service Unavailable"
    )
    html = page(client, shop, order)
    assert html.count("our team is looking into it") == 1 and "amount stays on hold" in html
    assert 'class="message order-delay' not in html
    assert "503" not in html and "didww" not in html.lower()  # the admin's words stay there


def test_the_reseller_sees_the_same_notice(client, shop, order):
    age(order, timedelta(minutes=5))
    client.login(email=shop["owner"].email, password=PASSWORD)
    html = client.get(reverse("billing:order", args=[order.reference])).content.decode()
    assert SLOW in html


def test_one_notice_per_kind_naming_the_items_when_there_are_several(shop):
    fund(shop)
    us3 = DidGroup.objects.get(external_id="us-3")
    order = buy(shop, us3)
    # A second line in the same order: a copy of the first item.
    first = order.items.get()
    second = OrderItem.objects.get(pk=first.pk)
    second.pk = None
    second.reference = first.reference + "-2"
    second.description = "Second line"
    second.save()
    age(order, timedelta(minutes=2))
    progress = order_progress(order)
    assert [(d.kind, d.state) for d in progress.delays] == [("slow", "pending_upstream")]
    assert progress.delays[0].items == (first.description, "Second line")
