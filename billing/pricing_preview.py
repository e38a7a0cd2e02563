"""Example prices for the pricing page, taken from the scope of the rule being edited.

A rule for Germany previews German numbers (one row per area and type), a rule for toll-free
numbers previews toll-free numbers in several countries, and the default rule a spread of
countries: whatever the rule touches is what the reseller sees before saving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min

from inventory import selectors as catalog
from inventory.models import NumberType

from .models import MarkupRule
from .pricing import FeePrice, PriceBook, PriceUnavailable

SAMPLES = 8
CANDIDATES = 400  # the cheapest groups of one country looked at to find its areas
# Shown first in the default spread when the catalog has them (the rest by catalog size).
FAMILIAR_COUNTRIES = ("US", "GB", "DE", "FR", "CA", "NL", "AU", "JP")


@dataclass(frozen=True)
class Scope:
    country: str = ""  # ISO code
    number_type: str = ""
    country_name: str = ""  # for people

    @property
    def type_label(self) -> str:
        return NumberType(self.number_type).label if self.number_type else ""


@dataclass(frozen=True)
class Sample:
    where: str
    type: str
    now: FeePrice
    after: FeePrice | None


@dataclass(frozen=True)
class _Offer:
    where: str
    country: str
    number_type: str
    monthly: Decimal
    currency: str


def _area_offers(scope: Scope) -> list[_Offer]:
    """One country's areas (of one type, when the scope has one): its cheapest groups."""
    groups = (
        catalog.live_groups()
        .filter(country_id=scope.country, monthly_price__isnull=False)
        .select_related("country", "region", "city")
        .order_by("monthly_price", "id")
    )
    if scope.number_type:
        groups = groups.filter(number_type=scope.number_type)
    return [
        _Offer(
            group.label, group.country_id, group.number_type, group.monthly_price, group.currency
        )
        for group in groups[:CANDIDATES]
    ]


def _country_offers(scope: Scope) -> list[_Offer]:
    """Per country (and type): the lowest monthly cost, the biggest catalogs first."""
    rows = catalog.live_groups().filter(monthly_price__isnull=False)
    if scope.number_type:
        rows = rows.filter(number_type=scope.number_type)
    rows = (
        rows.values("country_id", "country__name", "number_type", "currency")
        .annotate(groups=Count("id"), low=Min("monthly_price"))
        .order_by("-groups", "country__name")
    )

    def rank(row: dict) -> tuple:
        familiar = row["country_id"] in FAMILIAR_COUNTRIES
        order = FAMILIAR_COUNTRIES.index(row["country_id"]) if familiar else len(FAMILIAR_COUNTRIES)
        return (order, -row["groups"])

    return [
        _Offer(
            row["country__name"], row["country_id"], row["number_type"], row["low"], row["currency"]
        )
        for row in sorted(rows, key=rank)
    ]


def _book_with(book: PriceBook, draft: MarkupRule | None) -> PriceBook | None:
    return book.with_rule(draft) if draft is not None else None


def preview_samples(book: PriceBook, scope: Scope, draft: MarkupRule | None = None) -> list[Sample]:
    """Up to ``SAMPLES`` monthly prices from ``scope``, with the saved rules and with ``draft``.

    In a country: the cheapest offer per area and type. Otherwise: per country, one row
    (its most offered type for the default rule), so the rows spread over countries."""
    trial = _book_with(book, draft)
    if scope.country:
        offers, key = _area_offers(scope), lambda o: (o.where, o.number_type)
    else:
        offers, key = _country_offers(scope), lambda o: o.country
    best: dict[tuple | str, Sample] = {}
    for offer in offers:
        k = key(offer)
        if k not in best and len(best) >= SAMPLES:
            continue
        args = {
            "setup": Decimal(0), "monthly": offer.monthly, "currency": offer.currency,
            "country": offer.country, "number_type": offer.number_type,
        }  # fmt: skip
        try:
            now = book.price(**args).monthly
            after = trial.price(**args).monthly if trial else None
        except PriceUnavailable:
            continue
        if k in best and best[k].now.retail.amount <= now.retail.amount:
            continue
        best[k] = Sample(offer.where, NumberType(offer.number_type).label, now, after)
    return list(best.values())
