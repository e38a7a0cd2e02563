"""Upstream actions that need an admin, on the operations page in a real browser, on a desktop
and on a phone, under the CSP: a dead release with its provider's words and a manual release
marked done."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import UpstreamAction, UpstreamState
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.inventory.upstream.conftest import make_account, make_number

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def waiting():
    UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")
    dead = UpstreamAction.objects.create(
        number=make_number(make_account("didww")), kind="release", state="dead", mode="api",
        attempts=8, reason="grace over",
        last_error="release: Unavailable: " + "DIDWW did not answer in time " * 12,
    )  # fmt: skip
    manual = UpstreamAction.objects.create(
        number=make_number(make_account("didfarm"), "+31201234567"), kind="release",
        state="manual", mode="manual", reason="grace over",
    )  # fmt: skip
    return {"dead": dead, "manual": manual}


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("size", SIZES)
def test_the_admin_sees_upstream_actions_and_marks_one_done(page, waiting, screenshot, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "ops@example.com", PASSWORD)
    page.goto("/admin/operations/")
    expect(page.locator("#count-upstream-dead")).to_have_text("1")
    expect(page.locator("#count-upstream-manual")).to_have_text("1")
    expect(page.locator("#upstream-dead")).to_contain_text("DIDWW did not answer in time")
    expect(page.locator("#upstream-manual")).to_contain_text("+31201234567")
    screenshot(page, f"admin-operations-upstream-{size}")
    fits(page, width)

    page.locator("#upstream-manual").get_by_role("button", name="Done").click()
    page.wait_for_url("**/admin/operations/")
    expect(page.locator(".messagelist")).to_contain_text("marked done upstream")
    expect(page.locator("#count-upstream-manual")).to_have_text("0")
    waiting["manual"].refresh_from_db()
    assert waiting["manual"].state == UpstreamState.DONE
    fits(page, width)
    assert not page.console_errors, page.console_errors
