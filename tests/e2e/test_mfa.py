"""An owner who must use two-factor authentication signs in, is sent to set it up, enrols an
authenticator (the test computes its codes), keeps the recovery codes and reaches the owner's
pages; the next sign-in asks for a code. Every page of the way fits a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from customers.models import Role
from tests.customers.mfa_helpers import totp_code
from tests.e2e.conftest import open_page, sign_in, sign_out
from tests.e2e.test_phone import SIZES, fits
from tests.factories import PASSWORD, ResellerFactory, reseller_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["phone", "desktop"])
def sized_page(request, browser, live_server):
    page = open_page(browser, live_server.url, **SIZES[request.param])
    page.size_name = request.param
    yield page
    page.context.close()


def test_an_owner_enrols_totp_before_reaching_the_owner_pages(sized_page, settings):
    settings.MFA_REQUIRED_FOR_LEADERS = True
    page = sized_page
    reseller = ResellerFactory(display_name="Wavelength Voice")
    owner = reseller_member(reseller, Role.RESELLER_OWNER, email="owner@wave.example").user

    sign_in(page, owner.email, PASSWORD)
    # allauth asks for the password again before any MFA change, even just after signing in
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/\?next=.*activate"))
    expect(page.locator("#mfa-reason")).to_contain_text("Account owners must use two-factor")
    fits(page, "mfa-reauthenticate")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("#mfa-reason")).to_contain_text("Account owners must use two-factor")
    fits(page, "mfa-enrol")
    page.goto("/reseller/branding/")  # every other page leads back here
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill("000000" if totp_code(secret) != "000000" else "1")
    page.get_by_role("button", name="Activate").click()
    assert not Authenticator.objects.filter(user=owner).exists()  # a wrong code enrols nothing
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert Authenticator.objects.filter(user=owner, type="totp").exists()
    fits(page, "mfa-recovery-codes")

    page.goto("/reseller/branding/")
    expect(page.get_by_role("heading", name="Branding")).to_be_visible()
    page.goto("/accounts/2fa/totp/activate/")  # enrolled: allauth offers to deactivate instead
    expect(page.locator("#mfa-reason")).to_have_count(0)
    page.goto("/reseller/security/")
    fits(page, "reseller-security")
    page.goto("/accounts/2fa/")
    fits(page, "mfa-index")

    sign_out(page)
    sign_in(page, owner.email, PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    fits(page, "mfa-authenticate")
    page.get_by_label("Code").fill(totp_code(secret, step=-1))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/reseller/$"))
    page.goto("/accounts/email/")
    page.wait_for_url(re.compile(r"/accounts/email/$"))
    fits(page, "account-email")
    assert not page.console_errors, page.console_errors
