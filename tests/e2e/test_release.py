"""Releasing numbers in real Chromium, on a phone and a desktop, through the providers'
simulators: a client admin releases a number held at an API provider (gone from My numbers once
the provider confirmed) and one at DIDfarm (listed as "Releasing" until an admin marks the
upstream task done on the operations page). No provider name on the client's pages, no console
error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import Number, NumberStatus
from inventory.sandbox.held import HeldNumber
from inventory.sandbox.registry import sandbox_for
from tests.billing.reconcile.support import make_account
from tests.billing.renewals.helpers import make_number, tenants
from tests.e2e.conftest import open_page, sign_in
from tests.factories import PASSWORD, UserFactory, client_member

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
PROVIDER_WORDS = re.compile(r"didww|didfarm|idt ?express|pbxme|sandbox", re.I)


@pytest.fixture
def held():
    _reseller, acme, _ = tenants()
    admin = client_member(acme)
    numbers = {}
    for kind, e164 in (("pbxme", "+12064574710"), ("didfarm", "+16172625428")):
        account = make_account(kind, f"{kind}-e2e")
        number = make_number(acme, anchor=timezone.now().date() - dt.timedelta(days=3), k=1)
        Number.objects.filter(pk=number.pk).update(
            provider_account=account, e164=e164, cost_currency=account.currency
        )
        sandbox_for(kind, account.name).adopt(HeldNumber(e164))
        numbers[kind] = Number.objects.get(pk=number.pk)
    UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")
    return admin, numbers


def _release(page, number: Number) -> None:
    page.goto("/numbers/")
    page.locator(f"#number-{number.pk}").get_by_role("link", name="Release…").click()
    assert not PROVIDER_WORDS.search(page.inner_text("main"))
    page.get_by_label("Now").check()
    page.get_by_role("button", name="Release number").click()
    page.wait_for_url("**/numbers/")


@pytest.mark.parametrize("size", SIZES)
def test_release_through_the_provider_then_the_admins_task(browser, live_server, held, size):
    admin, numbers = held
    width, height = SIZES[size]
    page = open_page(browser, live_server.url, viewport={"width": width, "height": height})
    sign_in(page, admin.user.email, PASSWORD)

    _release(page, numbers["pbxme"])  # the job ran on commit (eager): PBXme released it
    expect(page.locator(f"#number-{numbers['pbxme'].pk}")).to_have_count(0)
    _release(page, numbers["didfarm"])
    row = page.locator(f"#number-{numbers['didfarm'].pk}")
    expect(row.locator(".status")).to_have_text("Releasing")
    assert not PROVIDER_WORDS.search(page.inner_text("main"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert sandbox_for("pbxme", "pbxme-e2e").state.owned == {}

    ops = open_page(browser, live_server.url, viewport={"width": width, "height": height})
    sign_in(ops, "ops@example.com", PASSWORD)
    ops.goto("/admin/operations/")
    expect(ops.locator("#upstream-manual")).to_contain_text(numbers["didfarm"].e164)
    ops.locator("#upstream-manual").get_by_role("button", name="Done").click()
    expect(ops.locator(".messagelist")).to_contain_text("marked done upstream")
    assert ops.evaluate("document.documentElement.scrollWidth") <= width

    page.goto("/numbers/")
    expect(page.locator(f"#number-{numbers['didfarm'].pk}")).to_have_count(0)
    assert Number.objects.get(pk=numbers["didfarm"].pk).status == NumberStatus.RELEASED
    assert not page.console_errors, page.console_errors
    assert not ops.console_errors, ops.console_errors
    ops.context.close()
    page.context.close()
