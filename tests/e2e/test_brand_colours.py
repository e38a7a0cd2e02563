"""A pale accent stays readable in a real browser: black text on its buttons, a darker shade
for links; the branding page says so with the ratio."""

from __future__ import annotations

import pytest
from coloraide import Color

from customers.colours import AA_TEXT, contrast
from customers.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ResellerFactory, reseller_member

pytestmark = pytest.mark.django_db(transaction=True)

COLOUR = """(selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return [style.color, style.backgroundColor];
}"""


def hex_of(css: str) -> str:
    """Chromium's computed colour ("rgb(…)", or "color(srgb …)" after color-mix) as hex."""
    return Color(css).convert("srgb").to_string(hex=True, compress=False)


def test_a_pale_accent_gets_readable_buttons_and_links(page, screenshot):
    reseller = ResellerFactory(display_name="Sunny Lines", accent_colour="#f5e663")
    owner = reseller_member(reseller, Role.RESELLER_OWNER, email="owner@sunny.example")
    sign_in(page, owner.user.email, PASSWORD)
    page.goto("/reseller/branding/")
    assert "1.28:1" in page.locator("#contrast-warning").inner_text()

    text, background = page.evaluate(COLOUR, ".preview .button.primary")
    assert hex_of(background) == "#f5e663"
    assert contrast(hex_of(text), hex_of(background)) >= AA_TEXT
    link, _ = page.evaluate(COLOUR, ".preview p:not(:has(.button)) a")
    assert contrast(hex_of(link), "#ffffff") >= AA_TEXT
    current, current_bg = page.evaluate(COLOUR, '.sidenav a[aria-current="page"]')
    assert contrast(hex_of(current), hex_of(current_bg)) >= AA_TEXT
    screenshot(page, "branding-pale-accent")
    assert page.console_errors == []
