"""Flags are SVG files from static/flags/, never emoji (boxes or letters on many machines)."""

from __future__ import annotations

from pathlib import Path

import pycountry
from django.conf import settings
from django.template import Context, Template

from inventory.templatetags.flags import flag_img

FLAGS = Path(settings.BASE_DIR) / "static" / "flags"


def test_every_iso_country_has_a_vendored_svg_and_the_licence_is_kept():
    missing = [
        c.alpha_2 for c in pycountry.countries if not (FLAGS / f"{c.alpha_2.lower()}.svg").exists()
    ]
    assert missing == []
    assert "MIT License" in (FLAGS / "LICENSE").read_text()
    for name in ("us.svg", "jp.svg", "xx.svg"):
        assert (FLAGS / name).read_text().lstrip().startswith("<svg")


def test_the_tag_and_the_filter_render_a_decorative_image():
    html = Template("{% load flags %}{% flag code %}|{{ code|flag }}").render(
        Context({"code": "de"})
    )
    tag, _, filtered = html.partition("|")
    assert tag == filtered
    assert tag == '<img src="/static/flags/de.svg" alt="" width="20" height="15" class="flag">'


def test_no_regional_indicator_emoji_anywhere():
    html = Template("{% load storefront %}{{ 'JP'|flag }} {{ 'XK'|flag }}").render(Context())
    assert "/static/flags/jp.svg" in html and "/static/flags/xk.svg" in html
    assert not any(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in html)


def test_odd_codes_get_the_placeholder_or_nothing():
    assert "/static/flags/xx.svg" in flag_img("QQ")  # well formed, no such country
    assert flag_img("") == "" and flag_img(None) == "" and flag_img("USA") == ""
    assert flag_img("1<") == ""


def test_templates_use_no_emoji_flags():
    templates = Path(settings.BASE_DIR) / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert not any(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in text), path
