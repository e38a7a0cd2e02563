"""Routing in real Chromium against the providers' simulators (issue #12), on a phone and a
desktop: the client admin adds a SIP address, ticks a DIDWW and a PBXme number in My numbers,
routes both in one go, sees "Applying…" until the worker has run the jobs (the real adapters,
over the in-process sandbox), then done by itself (HTMX polling); the simulators ring the new
route; then the client releases one of them. No provider name on the client's pages, no
console error (CSP included), nothing wider than the window."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import Number, UpstreamAction
from inventory.sandbox.held import HeldNumber
from inventory.sandbox.registry import sandbox_for
from tests.billing.reconcile.support import make_account
from tests.billing.renewals.helpers import make_number, tenants
from tests.e2e.conftest import open_page, sign_in
from tests.e2e.test_phone import fits
from tests.factories import PASSWORD, client_member
from tests.inventory.routing.conftest import run_action

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PROVIDER_WORDS = re.compile(r"didww|didfarm|idt ?express|pbxme|sandbox", re.I)
NUMBERS = {"didww": "+12125550141", "pbxme": "+12064574710"}


@pytest.fixture
def held(monkeypatch):
    """A client admin holding a number at DIDWW and one at PBXme, both held by the simulators;
    route jobs wait for the "worker" (the test) instead of running on commit."""
    _reseller, client, _ = tenants()
    client.billing_country = "US"
    client.save(update_fields=["billing_country"])
    admin = client_member(client)
    numbers = {}
    for kind, e164 in NUMBERS.items():
        account = make_account(kind, f"{kind}-e2e")
        number = make_number(client, anchor=timezone.now().date() - dt.timedelta(days=3), k=1)
        Number.objects.filter(pk=number.pk).update(
            provider_account=account, e164=e164, cost_currency=account.currency
        )
        sandbox_for(kind, account.name).adopt(HeldNumber(e164))
        numbers[kind] = Number.objects.get(pk=number.pk)
    queued: list[int] = []
    monkeypatch.setattr("inventory.routing._enqueue_action", queued.append)
    return admin, numbers, queued


def no_provider_names(page) -> None:
    text = page.inner_text("main")
    assert not PROVIDER_WORDS.search(text), PROVIDER_WORDS.search(text)


@pytest.mark.parametrize("size", SIZES)
def test_route_two_numbers_through_the_simulators_then_release_one(
    browser, live_server, held, size
):
    admin, numbers, queued = held
    page = open_page(browser, live_server.url, **SIZES[size])
    page.size_name = size
    width = SIZES[size]["viewport"]["width"]
    sign_in(page, admin.user.email, PASSWORD)

    page.goto("/numbers/destinations/")
    page.get_by_label("SIP address", exact=True).check()
    page.get_by_label("Name").fill("Office PBX")
    page.get_by_label("SIP address or phone number").fill("sip:office@pbx.example.com")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    expect(page.locator("#destination-list")).to_contain_text("sip:office@pbx.example.com")
    no_provider_names(page)
    fits(page, "routing-sandbox-destinations")

    page.goto("/numbers/")
    for number in numbers.values():
        page.locator(f"#number-{number.pk} input[type=checkbox]").check()
    page.locator("#route-selected").click()
    page.wait_for_load_state()
    expect(page.locator("#route-bulk-form tbody tr")).to_have_count(2)
    no_provider_names(page)
    fits(page, "routing-sandbox-bulk")
    page.locator("#id_destination").select_option(label="Office PBX · sip:office@pbx.example.com")
    page.get_by_role("button", name="Route 2 numbers").click()
    page.wait_for_url("**/numbers/")

    badges = {kind: page.locator(f"#route-badge-{n.pk}") for kind, n in numbers.items()}
    for badge in badges.values():
        expect(badge).to_have_attribute("data-route-state", "applying")
        expect(badge).to_contain_text("Applying")
    fits(page, "routing-sandbox-applying")

    # The worker's part: each queued job calls the provider's simulator through its adapter.
    assert len(queued) == 2
    for action in UpstreamAction.objects.filter(pk__in=queued):
        assert run_action(action) == ["done"], action.last_error
    for badge in badges.values():
        expect(badge).to_have_attribute("data-route-state", "done", timeout=15_000)
        expect(badge).to_contain_text("Office PBX")
    no_provider_names(page)
    fits(page, "routing-sandbox-done")
    pbxme = sandbox_for("pbxme", "pbxme-e2e").state.owned
    assert [(d.forward_type, d.forward_destination) for d in pbxme.values()] == [
        ("sip", "office@pbx.example.com")
    ]
    voice_in = sandbox_for("didww", "didww-e2e").voice_in
    did = next(iter(sandbox_for("didww", "didww-e2e").state.dids.values()))
    trunk = voice_in.trunks[did.voice_in_trunk_id]
    assert trunk.configuration["attributes"]["host"] == "pbx.example.com"

    # Releasing the PBXme number: the job runs on commit; gone once the provider confirmed.
    page.locator(f"#number-{numbers['pbxme'].pk}").get_by_role("link", name="Release…").click()
    no_provider_names(page)
    page.get_by_label("Now").check()
    page.get_by_role("button", name="Release number").click()
    page.wait_for_url("**/numbers/")
    expect(page.locator(f"#number-{numbers['pbxme'].pk}")).to_have_count(0)
    expect(page.locator(f"#number-{numbers['didww'].pk}")).to_have_count(1)
    assert sandbox_for("pbxme", "pbxme-e2e").state.owned == {}
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not page.console_errors, page.console_errors
    page.context.close()
