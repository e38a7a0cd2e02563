"""A client, funded by its reseller, buys a number in a real browser and watches it go live."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from billing import ledger, wallets
from billing.models import ItemState, Order
from inventory.models import DidGroup, Number
from portal.templatetags.phone import phone_display
from tests.billing.conftest import sandbox_account, store  # noqa: F401
from tests.e2e.conftest import sign_in, sign_out
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

PROVIDER_WORDS = re.compile(r"didww|didfarm|\bidt|pbxme", re.IGNORECASE)


@pytest.fixture
def worker():
    """A real Celery worker in this process (threads) on Redis, on a queue of its own: it shares
    the sandbox simulators with the live server, which a worker process could not."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    queue = f"test-buy-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, queues=[queue]
        ):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


def no_providers(page) -> None:
    found = PROVIDER_WORDS.findall(page.content())
    assert not found, f"provider names on {page.url}: {found}"


def test_funded_client_buys_a_number_and_sees_it_live(page, store, worker, screenshot):  # noqa: F811
    account = sandbox_account("didww", groups=20)
    group = (
        DidGroup.objects.filter(account=account, needs_registration=False)
        .exclude(available_count=0)
        .order_by("id")
        .first()
    )
    admin_staff = type(store["owner"]).objects.create(email="ops@example.com", is_staff=True)
    wallets.wallet_top_up(
        actor=admin_staff, membership=None, wallet=wallets.wallet_of(store["reseller"]),
        amount_minor=50_000, method="bank_transfer", reference="OPENING",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    client = store["client"]

    # The reseller records the client's bank transfer.
    sign_in(page, store["owner"].email, PASSWORD)
    page.goto(f"/reseller/clients/{client.pk}/wallet/")
    page.get_by_label("Amount").fill("40.00")
    page.get_by_label("Reference").fill("BANK-4711")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("BANK-4711")
    assert ledger.client_wallet(client).balance_minor == 4000
    screenshot(page, "buy-reseller-records-payment")
    sign_out(page)

    # The client finds the area, adds a number, reviews and buys.
    sign_in(page, store["client_user"].email, PASSWORD)
    page.goto(f"/numbers/browse/?country={group.country_id}")
    page.goto(f"/numbers/browse/{group.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(group.label)
    no_providers(page)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    page.get_by_role("link", name="Review and buy").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    total = page.locator("#checkout-total").inner_text()
    no_providers(page)
    screenshot(page, "buy-review")
    page.get_by_role("button", name=re.compile(r"^Buy for")).click()

    page.wait_for_url(re.compile(r"/orders/DH-[A-Z0-9]{8}/$"))
    order = Order.objects.get()
    expect(page.locator("#order-state")).to_have_text("Completed", timeout=20_000)
    no_providers(page)
    screenshot(page, "buy-order-completed")
    item = order.items.get()
    assert item.state == ItemState.FULFILLED

    page.get_by_role("link", name="See my numbers").click()
    number = Number.objects.get(client=client)
    expect(page.locator("table")).to_contain_text(
        phone_display(number.e164, client.billing_country)
    )
    expect(page.locator(f'data[value="{number.e164}"]')).to_have_count(1)
    expect(page.locator("table")).to_contain_text("Active")
    no_providers(page)
    screenshot(page, "buy-my-numbers")

    page.goto("/wallet/")
    charged = ledger.client_wallet(client).balance_minor
    assert charged == 4000 - order.retail_total_minor
    expect(page.locator("body")).to_contain_text(total)  # the hold in the statement
    assert not page.console_errors, page.console_errors
