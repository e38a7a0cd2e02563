"""A client sends a text from a DIDfarm number in a real browser, sees it sent, and sees the
simulator's reply arrive (delivered as a signed webhook to the live server)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from inventory.sandbox.delivery import CallbackDeliverer, httpx_post
from inventory.sandbox.registry import sandbox_for
from messaging.models import Direction, Message, MessageStatus
from tests.billing.conftest import store  # noqa: F401
from tests.billing.webhooks_support import url
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.messaging.support import ACCOUNT, sms_number

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

PROVIDER_WORDS = re.compile(r"didww|didfarm|\bidt|pbxme", re.IGNORECASE)


@pytest.fixture
def worker():
    """A real Celery worker in this process (threads) on Redis, on a queue of its own: it shares
    the sandbox simulator with the live server."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    queue = f"test-sms-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, queues=[queue]
        ):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.fixture
def deliverer(live_server):
    """The simulator's webhooks go out to the live server, as DIDfarm's would."""
    deliveries = {}

    def start(account):
        http = httpx.Client(timeout=5.0)
        running = CallbackDeliverer(
            {"didfarm": sandbox_for("didfarm", ACCOUNT)},
            httpx_post(http),
            webhook_urls={"didfarm": live_server.url + url(account)},
            interval=0.2,
        )
        running.start()
        deliveries["running"], deliveries["http"] = running, http
        return running

    yield start
    if "running" in deliveries:
        deliveries["running"].stop()
        deliveries["http"].close()


def no_providers(page) -> None:
    found = PROVIDER_WORDS.findall(page.content())
    assert not found, f"provider names on {page.url}: {found}"


def test_a_client_sends_a_text_and_sees_the_reply(
    page,
    store,  # noqa: F811
    worker,
    deliverer,
    screenshot,
):
    client = store["client"]
    client.billing_country = "NL"
    client.save(update_fields=["billing_country"])
    number = sms_number(client)
    voice_only = sms_number(client, sms=False)
    deliverer(number.provider_account)

    sign_in(page, store["client_user"].email, PASSWORD)
    page.goto("/numbers/")
    page.locator(f"#number-{number.pk}").get_by_role("link", name="Messages").click()
    page.wait_for_url(re.compile(rf"/numbers/{number.pk}/messages/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Messages")
    no_providers(page)

    page.get_by_role("textbox", name="To").fill("06 8765 4321")
    page.get_by_role("textbox", name="Message").fill("Is the shop open on Sunday?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(rf"/numbers/{number.pk}/messages/$"))

    sent = page.locator(".sms-out").first
    expect(sent).to_contain_text("Is the shop open on Sunday?")
    expect(sent.locator("[data-status]")).to_have_attribute("data-status", "sent", timeout=20_000)
    reply = page.locator(".sms-in").first
    expect(reply).to_contain_text("Auto-reply", timeout=20_000)
    expect(reply).to_contain_text("Is the shop open on Sunday?")
    no_providers(page)
    screenshot(page, "sms-sent-and-replied")

    outbound = Message.objects.get(direction=Direction.OUT)
    assert outbound.status == MessageStatus.SENT and outbound.recipient == "+31687654321"
    inbound = Message.objects.get(direction=Direction.IN)
    assert (inbound.number_id, inbound.sender) == (number.pk, "+31687654321")

    # Phone width: the conversation still reads.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(".sms-in").first).to_be_visible()
    screenshot(page, "sms-phone")

    # A number without texts says so and offers no form.
    page.goto(f"/numbers/{voice_only.pk}/messages/")
    expect(page.locator("#no-texts")).to_contain_text(
        "This number cannot send or receive text messages."
    )
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    assert not page.console_errors, page.console_errors
