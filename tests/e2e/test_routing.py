"""Routing in real Chromium, on a phone and a desktop (issue #12): the client admin adds a SIP
address, ticks two numbers in My numbers, routes them in one go, and watches "Applying…" turn
into done by itself (HTMX polling); no console error (CSP included), nothing wider than the
window.

The provider here is the scripted one (tests/inventory/routing/conftest.py ``FakeRouter``),
not the sandbox simulators: the adapters' ``route_set`` is another change's. The first call
for each number fails (503), so the page shows "Applying…" until the test runs the retries.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import UpstreamAction
from tests.e2e.conftest import sign_in
from tests.e2e.test_phone import fits, sized_page  # noqa: F401
from tests.factories import PASSWORD
from tests.inventory.routing.conftest import FakeRouter, run_action, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(monkeypatch):
    fake = FakeRouter()
    fake.script = ["503", "503"]  # the first attempt of each number's route
    monkeypatch.setattr("inventory.upstream_run.adapter_for", lambda account: fake)
    return fake


def test_client_routes_two_numbers_to_a_new_sip_address(sized_page, world, provider):  # noqa: F811
    page = sized_page
    n = world["numbers"]
    sign_in(page, world["admin"].user.email, PASSWORD)

    page.goto("/numbers/destinations/")
    expect(page.locator("#destination-support")).to_contain_text("SIP address")
    page.get_by_label("SIP address", exact=True).check()
    page.get_by_label("Name").fill("Office PBX")
    page.get_by_label("SIP address or phone number").fill("sip:office@pbx.example.com")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    expect(page.locator("#destination-list")).to_contain_text("sip:office@pbx.example.com")
    fits(page, "routing-destinations")

    page.goto("/numbers/")
    for number in (n["didww"], n["pbxme"]):
        page.locator(f"#number-{number.pk} input[type=checkbox]").check()
    page.locator("#route-selected").click()
    page.wait_for_load_state()
    expect(page.locator("#route-bulk-form tbody tr")).to_have_count(2)
    fits(page, "routing-bulk")
    page.get_by_role("button", name="Route 2 numbers").click()
    page.wait_for_url("**/numbers/")

    badges = [page.locator(f"#route-badge-{number.pk}") for number in (n["didww"], n["pbxme"])]
    for badge in badges:
        expect(badge).to_have_attribute("data-route-state", "applying")
        expect(badge).to_contain_text("Applying")
    fits(page, "routing-applying")

    # The sweeper's part: the retries go through.
    for action in UpstreamAction.objects.filter(kind="route"):
        run_action(action)
    for badge in badges:
        expect(badge).to_have_attribute("data-route-state", "done", timeout=15_000)
        expect(badge).to_contain_text("Office PBX")
    assert len(provider.routes) == 2
    fits(page, "routing-done")

    # A number whose provider has no routing API says so before the client chooses.
    page.goto(f"/numbers/{n['idt'].pk}/routing/")
    expect(page.locator("#route-support")).to_contain_text("Set up on request")
    fits(page, "routing-number-manual")
    assert not page.console_errors, page.console_errors


def test_client_makes_a_sip_trunk_and_sees_its_password_once(sized_page, world, monkeypatch):  # noqa: F811
    fake = FakeRouter()
    monkeypatch.setattr("inventory.routing_trunks.adapter_for", lambda account: fake)
    page = sized_page
    sign_in(page, world["admin"].user.email, PASSWORD)
    page.goto("/numbers/destinations/")
    page.get_by_label("SIP trunk", exact=True).check()
    page.get_by_label("Name").fill("Head office trunk")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url("**/numbers/destinations/*/")
    # The job ran when the trunk was saved (eager here); the page polls while it works.
    expect(page.locator("#destination-state [data-state]")).to_have_attribute(
        "data-state", "ready", timeout=15_000
    )
    page.get_by_role("button", name="Show the password (once)").click()
    page.wait_for_load_state()
    password = fake.trunks["trunk-1"]["password"]
    expect(page.locator("#trunk-password")).to_have_text(password)
    fits(page, "routing-trunk-password")
    page.reload()  # reloading never shows it again
    expect(page.locator("#trunk-password")).to_have_count(0)
    page.get_by_role("link", name="Regenerate credentials…").click()
    page.wait_for_load_state()
    expect(page.locator("#destination-confirm")).to_contain_text("stops working")
    fits(page, "routing-trunk-regenerate")
    page.get_by_role("button", name="Regenerate").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Show the password (once)").click()
    page.wait_for_load_state()
    expect(page.locator("#trunk-password")).to_have_text(fake.trunks["trunk-1"]["password"])
    assert fake.trunks["trunk-1"]["password"] != password
    assert not page.console_errors, page.console_errors
