"""Accent colours stay readable: WCAG contrast, text on buttons, link shades (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.colours import (
    AA_TEXT,
    PAGE_BACKGROUNDS,
    accent_palette,
    contrast,
    ratio_text,
)


@pytest.mark.parametrize(
    ("foreground", "background", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#f5e663", "#ffffff", 1.28),  # the yellow: unreadable white text
        ("#777777", "#ffffff", 4.48),  # the classic "just fails AA" grey
        ("#767676", "#ffffff", 4.54),  # ... and the one that just passes
        ("#1f6feb", "#ffffff", 4.63),
    ],
)
def test_wcag_contrast_of_known_pairs(foreground, background, ratio):
    assert contrast(foreground, background) == pytest.approx(ratio, abs=0.01)
    assert contrast(background, foreground) == pytest.approx(ratio, abs=0.01)


def test_a_pale_accent_gets_black_button_text_and_a_darker_link_shade():
    palette = accent_palette("#F5E663")
    assert palette.button_ratio == pytest.approx(1.28, abs=0.01)
    assert palette.buttons_adjusted and palette.links_adjusted
    assert palette.on_accent == "#000000"
    assert contrast(palette.on_accent, palette.accent) >= AA_TEXT
    assert palette.ink != palette.accent
    assert all(contrast(palette.ink, bg) >= AA_TEXT for bg in PAGE_BACKGROUNDS)
    assert palette.button_ratio_text == "1.28:1"


def test_a_dark_accent_is_used_as_it_is():
    palette = accent_palette("#7c3aed")
    assert palette.on_accent == "#ffffff" and palette.ink == "#7c3aed"
    assert not palette.buttons_adjusted and not palette.links_adjusted


def test_the_shown_ratio_never_rounds_up_to_a_pass():
    assert ratio_text(4.4999) == "4.49:1"
    assert ratio_text(21.0) == "21.00:1"


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=0xFFFFFF))
def test_every_accent_yields_readable_buttons_and_links(value):
    accent = f"#{value:06x}"
    palette = accent_palette(accent)
    assert contrast(palette.on_accent, accent) >= AA_TEXT
    assert all(contrast(palette.ink, bg) >= AA_TEXT for bg in PAGE_BACKGROUNDS)
    if contrast(accent, "#ffffff") >= AA_TEXT:
        assert palette.on_accent == "#ffffff"  # the brand's white text is kept when it passes
