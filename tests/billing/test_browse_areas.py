"""The demo's catalog (four simulated providers, each with its own spelling) browsed as a client,
a reseller and an admin: each area once, names spelt one way, every count the rows it leads to."""

from __future__ import annotations

import io
import re
import socket
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from customers.models import User

pytestmark = pytest.mark.django_db
BROWSE = reverse("billing:browse")
COUNTRIES = {
    "US": "United States",
    "DE": "Germany",
    "GB": "United Kingdom",
    "FR": "France",
    "JP": "Japan",
}
NANP_LOCAL = re.compile(r"^[A-Z][\w .'-]+ \(\d{3}\) \d{3}$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo(monkeypatch, settings):
    """``make demo``'s data: people, price plans and the four sandboxes' synced catalog."""
    settings.DEMO_MODE = True  # seed_demo runs only in the demo
    monkeypatch.setenv("SANDBOX_PORT", str(_free_port()))
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()
    return {
        role: User.objects.get(email=f"{role}@example.com") for role in ("client", "reseller")
    } | {"admin": User.objects.get(email="admin@example.com")}


class Browser:
    def __init__(self, http, user) -> None:
        http.force_login(user)
        self.http = http

    def html(self, **params) -> str:
        response = self.http.get(BROWSE, params)
        assert response.status_code == 200
        return response.content.decode()

    def rows(self, **params) -> tuple[list[tuple[str, str, Decimal]], str]:
        """Every row listed (label, type, monthly retail) over every page, and the first page."""
        found, number, first = [], 1, ""
        while True:
            html = self.html(page=number, **params)
            first = first or html
            body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
                cells = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                label = cells[0].split("\n")[0].strip()
                found.append((label, cells[1], Decimal(cells[5].split()[0].replace(",", ""))))
            if 'rel="next"' not in html:
                return found, first
            number += 1


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def heading_count(html: str) -> int:
    return int(re.search(r"(\d[\d,]*) areas? on offer", html).group(1).replace(",", ""))


def chips(html: str) -> dict[str, int]:
    if 'class="facets"' not in html:
        return {}
    section = html.split('class="facets"')[1].split("</section>")[0]
    links = re.findall(r'<a href="[^"]*">(.*?)<span class="count">(\d+)</span>', section, re.S)
    return {_text(label): int(count) for label, count in links}


def card_counts(html: str) -> dict[str, int]:
    cards = re.findall(
        r'class="country-name">([^<]+)</span>\s*<span class="muted">(\d+) areas?', html
    )
    return {name.strip(): int(count) for name, count in cards}


def test_each_area_once_and_every_count_is_its_rows(client, demo):
    browser = Browser(client, demo["client"])
    cards = card_counts(browser.html())
    for code, name in COUNTRIES.items():
        html = browser.html(country=code)
        regions = chips(html)
        assert cards[name] == heading_count(html) == sum(regions.values()), code
        if code == "US":
            continue  # 3,000 areas: its states are walked below
        rows, _first = browser.rows(country=code)
        assert len(rows) == cards[name], code
        assert len({(label, kind) for label, kind, _price in rows}) == len(rows), code
        for label, _kind, _price in rows:
            assert label != label.upper() or not re.search("[A-Z]{2}", label), label
    # A state: its area-code chips add up to its rows, each listed once.
    rows, html = browser.rows(country="US", region="US-NY")
    assert heading_count(html) == len(rows) == sum(chips(html).values())
    assert len({label for label, _kind, _price in rows}) == len(rows)
    assert all(NANP_LOCAL.match(label) for label, _kind, _price in rows), rows[:5]


def test_one_spelling_per_place(client, demo):
    browser = Browser(client, demo["client"])
    de = {label for label, _kind, _price in browser.rows(country="DE")[0]}
    # The country's own names (the geocoder's and ISO 3166-2's), whichever provider sells it.
    assert {"München", "Köln", "Hannover", "Toll-free (800)"} <= de
    assert not de & {"Munich", "MUNICH", "Cologne", "Hanover", "HANOVER"}
    assert "Bayern" in browser.html(country="DE")
    fr = {label for label, _kind, _price in browser.rows(country="FR")[0]}
    assert "Marseille" in fr and "MARSEILLE" not in fr
    us = browser.rows(country="US", region="-")[0]  # nationwide: the toll-free codes
    assert {label for label, _kind, _price in us} >= {"Toll-free (800)", "Toll-free (844)"}
    assert len(us) == len({label for label, _kind, _price in us})


def test_area_code_201_is_listed_under_new_jersey(client, demo):
    browser = Browser(client, demo["client"])
    new_jersey, _html = browser.rows(country="US", region="US-NJ")
    new_york, html = browser.rows(country="US", region="US-NY")
    assert any("(201)" in label for label, _kind, _price in new_jersey)
    assert not any("(201)" in label for label, _kind, _price in new_york)
    assert "201" not in chips(html)  # some providers (and the geocoder) put 201-631 there


def test_drilling_down_keeps_each_areas_best_offer(client, demo):
    browser = Browser(client, demo["client"])
    country = {label: price for label, _kind, price in browser.rows(country="GB")[0]}
    england, html = browser.rows(country="GB", region="GB-ENG")
    assert england and "Bristol" in {label for label, _kind, _price in england}
    for label, _kind, price in england:
        assert price == country[label], label
    cities = chips(html)
    assert sum(cities.values()) == len(england)
    bristol = re.search(r'href="\?([^"]*city=\d+)"[^>]*>\s*Bristol', html).group(1)
    query = bristol.replace("&amp;", "&")
    page = browser.html(**dict(pair.split("=") for pair in query.split("&")))
    crumbs = _text(page.split('class="crumbs"')[1].split("</nav>")[0])
    assert "England" in crumbs and "Bristol" in crumbs  # the chosen city is in the breadcrumb
    assert heading_count(page) == 1


def test_sorted_by_price_is_sorted_by_the_price_shown(client, demo):
    browser = Browser(client, demo["client"])
    for code in ("JP", "DE", "FR", "GB"):
        rows, _html = browser.rows(country=code, sort="price")
        prices = [price for _label, _kind, price in rows]
        assert prices == sorted(prices), code
        prices = [price for _label, _kind, price in browser.rows(country=code, sort="-price")[0]]
        assert prices == sorted(prices, reverse=True), code


def test_resellers_see_their_wholesale_cost_never_the_providers(client, demo):
    reseller = Browser(client, demo["reseller"]).html(country="GB", region="GB-ENG")
    assert "Your cost" in reseller and "Your margin" in reseller
    assert "Provider cost" not in reseller and not re.search(r"\d+ offers", reseller)
    alternatives = Browser(client, demo["reseller"]).html(country="GB", area="local|c:bristol")
    assert heading_count(alternatives) == heading_count(
        Browser(client, demo["reseller"]).html(country="GB")
    )  # the provider offers behind a row are not listed for a reseller
    admin = Browser(client, demo["admin"]).html(country="GB", region="GB-ENG")
    assert "Provider cost" in admin and "Reseller margin" in admin
    assert re.search(r"\d+ offers", admin)
