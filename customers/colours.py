"""Readable brand colours: WCAG 2.x contrast of a reseller's accent, and the text colours that
keep buttons and links readable (AA, 4.5:1 for normal text) whatever accent it picks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from coloraide import Color

AA_TEXT = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
# The backgrounds links sit on (static/css/app.css): --surface, --bg.
PAGE_BACKGROUNDS = ("#ffffff", "#f6f7f9")
# The current page's navigation link sits on 12% of the accent over the surface (app.css).
NAV_TINT = 0.12


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2.1 contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    return Color(foreground).contrast(background, method="wcag21")


def _hex(colour: Color) -> str:
    return colour.convert("srgb").fit().to_string(hex=True, compress=False)


def _link_backgrounds(accent: str) -> list[str]:
    tint = _hex(Color(accent).mix(PAGE_BACKGROUNDS[0], 1 - NAV_TINT, space="srgb"))
    return [*PAGE_BACKGROUNDS, tint]


def _worst(foreground: str, backgrounds: list[str]) -> float:
    return min(contrast(foreground, background) for background in backgrounds)


def _readable_shade(accent: str, backgrounds: list[str]) -> str:
    """The accent itself when it passes as text on every background, else the lightest darker
    shade of it (same hue and, as far as sRGB allows, chroma) that does."""
    if _worst(accent, backgrounds) >= AA_TEXT:
        return accent
    base = Color(accent).convert("oklch")
    passing, failing = BLACK, accent
    low, high = 0.0, base["lightness"]
    for _ in range(24):  # binary search on lightness; passing only improves as it falls
        middle = (low + high) / 2
        candidate = _hex(base.clone().set("lightness", middle))
        if _worst(candidate, backgrounds) >= AA_TEXT:
            passing, low = candidate, middle
        else:
            failing, high = candidate, middle
        if passing != BLACK and passing == failing:
            break
    return passing


@dataclass(frozen=True)
class AccentPalette:
    accent: str
    on_accent: str  # text on accent-coloured buttons
    ink: str  # the accent as text (links) on the page
    button_ratio: float  # white text on the accent, what buttons had before
    link_ratio: float  # the accent as text on the page background

    @property
    def buttons_adjusted(self) -> bool:
        return self.button_ratio < AA_TEXT

    @property
    def links_adjusted(self) -> bool:
        return self.ink != self.accent

    @property
    def button_ratio_text(self) -> str:
        return ratio_text(self.button_ratio)

    @property
    def link_ratio_text(self) -> str:
        return ratio_text(self.link_ratio)


def ratio_text(ratio: float) -> str:
    """ "1.28:1". Rounded down, so a ratio just short of 4.5 never reads as 4.50."""
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


@lru_cache(maxsize=256)
def accent_palette(accent: str) -> AccentPalette:
    accent = accent.lower()
    on_white = contrast(accent, WHITE)
    if on_white >= AA_TEXT:
        on_accent = WHITE
    else:  # one of black and white always reaches 4.58:1 at least
        on_accent = BLACK if contrast(accent, BLACK) >= on_white else WHITE
    return AccentPalette(
        accent=accent,
        on_accent=on_accent,
        ink=_readable_shade(accent, _link_backgrounds(accent)),
        button_ratio=on_white,
        link_ratio=min(contrast(accent, background) for background in PAGE_BACKGROUNDS),
    )
