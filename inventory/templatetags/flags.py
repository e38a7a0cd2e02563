"""Country flags as SVG images from static/flags/ (emoji flags are boxes or letters on many
machines). The image is decorative: the country's name always stands beside it."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@lru_cache(maxsize=1)
def _vendored_codes() -> frozenset[str]:
    # The codes static/flags/ holds (see its README): every ISO 3166-1 alpha-2 country and Kosovo.
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def flag_img(code: str | None) -> SafeString | str:
    code = (code or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return ""
    name = code.lower() if code in _vendored_codes() else "xx"
    return format_html(
        '<img src="{}" alt="" width="20" height="15" class="flag">',
        static(f"flags/{name}.svg"),
    )


@register.simple_tag(name="flag")
def flag_tag(code: str | None) -> SafeString | str:
    """``{% flag country.code %}``"""
    return flag_img(code)


@register.filter(name="flag")
def flag_filter(code: str | None) -> SafeString | str:
    """``{{ country.code|flag }}``"""
    return flag_img(code)
