"""A reseller onboards a client in a real browser; the invited person joins and sees the brand."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from customers.models import Client, Role
from tests.e2e.conftest import sign_in, sign_out
from tests.factories import PASSWORD, ClientFactory, ResellerFactory, reseller_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_reseller_creates_a_client_and_invites_a_user_who_joins(page, screenshot):
    reseller = ResellerFactory(display_name="Wavelength Voice", accent_colour="#c2410c")
    owner = reseller_member(reseller, Role.RESELLER_OWNER, email="owner@wave.example")

    sign_in(page, owner.user.email, PASSWORD)
    assert page.url.endswith("/reseller/")
    screenshot(page, "reseller-dashboard")

    page.get_by_role("link", name="New client").first.click()
    page.get_by_role("button", name="Create client").click()  # empty: errors, nothing saved
    assert page.locator(".field.has-error").count() >= 2
    assert not Client.objects.exists()
    page.locator("#id_name").fill("Globex Corporation")
    page.get_by_label("Contact email").fill("ops@globex.example")
    page.get_by_label("Billing country").select_option("US")
    screenshot(page, "client-form")
    page.get_by_role("button", name="Create client").click()
    page.wait_for_url(re.compile(r"/reseller/clients/\d+/$"))
    assert page.get_by_role("heading", name=re.compile("Globex Corporation")).is_visible()

    page.get_by_label("Email address").fill("nia@globex.example")
    page.get_by_label("Role").select_option("client_user")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("Invitation sent to nia@globex.example").is_visible()
    screenshot(page, "client-detail")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/invitations/", 1)[1]
    sign_out(page)

    page.goto(f"/invitations/{path}")
    assert page.get_by_role("heading", name="Join Wavelength Voice").is_visible()
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.locator("#id_password1").fill("s3cure-pass-phrase")
    page.locator("#id_password2").fill("s3cure-pass-phrase")
    screenshot(page, "invitation-accept")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/client/$"))

    sign_out(page)
    sign_in(page, "nia@globex.example", "s3cure-pass-phrase")
    assert page.url.endswith("/client/")
    assert page.locator(".brand-name").inner_text() == "Wavelength Voice"
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#c2410c"
    assert "Globex Corporation" in page.locator("h1").inner_text()
    screenshot(page, "client-dashboard")
    assert page.console_errors == []


def test_clients_list_paginates_with_htmx_without_reloading(page, screenshot):
    reseller = ResellerFactory()
    owner = reseller_member(reseller)
    for n in range(45):
        ClientFactory(reseller=reseller, name=f"Customer {n:02d}")
    sign_in(page, owner.user.email, PASSWORD)
    page.goto("/reseller/clients/")
    page.evaluate("window.__sameDocument = true")
    assert page.get_by_role("link", name="Customer 00").is_visible()

    page.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    page.get_by_role("link", name="Customer 20").wait_for()
    assert page.evaluate("window.__sameDocument === true")  # swapped in place, no reload
    assert page.get_by_role("link", name="Customer 00").count() == 0
    screenshot(page, "clients-page-2")

    page.get_by_label("Search").fill("Customer 4")
    page.get_by_role("link", name="Customer 44").wait_for()
    page.wait_for_url(re.compile(r"q=Customer"))
    assert page.get_by_role("link", name="Customer 20").count() == 0
    assert page.evaluate("window.__sameDocument === true")

    page.go_back()
    page.get_by_role("link", name="Customer 20").wait_for()
    assert page.console_errors == []
