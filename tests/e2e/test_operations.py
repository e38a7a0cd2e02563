"""Stuck orders seen in a real browser: the client's notice and the admin's operations page, on a
desktop and on a phone, under the CSP (any blocked inline style or script is a console error)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import ItemState, Order, OrderItem
from inventory.models import DidGroup, ProviderAccount
from tests.billing.conftest import catalog, selling_reseller  # noqa: F401
from tests.billing.orders_helpers import buy, fund
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def stuck(catalog, monkeypatch):  # noqa: F811
    """A client's order 3 minutes old with one item still pending and one dead-lettered, and a
    provider account with a failed sync and a low balance."""
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)
    shop = {**selling_reseller(client_role="client_admin", rates={"EUR": "1.10"}), **catalog}
    fund(shop)
    platform = UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")
    order = buy(shop, DidGroup.objects.get(external_id="us-3"))
    first = order.items.get()
    dead = OrderItem.objects.get(pk=first.pk)
    dead.pk, dead.reference = None, f"{first.reference}-2"
    dead.state, dead.state_before_dead_letter = ItemState.DEAD_LETTER, ItemState.SUBMITTING
    dead.attempts = 8
    dead.last_error = "submit: AuthFailed: 401 " + "a long provider message " * 12
    dead.save()
    OrderItem.objects.filter(pk=first.pk).update(state=ItemState.PENDING_UPSTREAM)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    ProviderAccount.objects.filter(name="didfarm-main").update(
        last_sync_status=ProviderAccount.SyncStatus.FAILED,
        last_sync_error="Unavailable: 502 Bad Gateway from the provider",
        last_check_ok=False,
        last_check_detail="401 Unauthorized",
        balance=Decimal("7.25"),
    )
    return {"shop": shop, "order": order, "platform": platform, "dead": dead}


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("size", SIZES)
def test_the_client_is_told_what_happens_next(page, stuck, screenshot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, stuck["shop"]["client_user"].email, PASSWORD)
    page.goto(f"/orders/{stuck['order'].reference}/")
    notices = page.locator(".order-delay")
    expect(notices).to_have_count(1)
    expect(notices.first).to_contain_text("taking longer than usual")
    expect(page.locator(".item-reason")).to_contain_text("our team is looking into it")
    assert "401" not in page.content()
    screenshot(page, f"order-delayed-{size}")
    fits(page, width)
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("size", SIZES)
def test_the_admin_sees_and_retries_what_is_stuck(page, stuck, screenshot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    stuck["platform"].set_password(PASSWORD)
    stuck["platform"].save()
    sign_in(page, "ops@example.com", PASSWORD)
    page.goto("/admin/")
    summary = page.locator("#operations-summary")
    expect(summary).to_be_visible()
    screenshot(page, f"admin-index-operations-{size}")
    summary.get_by_role("link", name="Operations").click()
    page.wait_for_url("**/admin/operations/")
    expect(page.locator("#count-dead-letters")).to_have_text("1")
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(page.locator("#count-sync")).to_have_text("1")
    expect(page.locator("#count-balances")).to_have_text("1")
    expect(page.locator("#balances")).to_contain_text("7.25 EUR")
    screenshot(page, f"admin-operations-{size}")
    fits(page, width)

    page.locator("#dead-letters").get_by_role("button", name="Retry").click()
    page.wait_for_url("**/admin/operations/")
    expect(page.locator(".messagelist")).to_contain_text("sent back to provisioning")
    stuck["dead"].refresh_from_db()
    assert stuck["dead"].state == ItemState.SUBMITTING
    assert not page.console_errors, page.console_errors
