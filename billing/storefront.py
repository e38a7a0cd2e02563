"""The shop window: who is looking, and the catalog priced for them (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from customers import selectors as customer_selectors
from customers.models import Client, Reseller
from customers.tenant_status import Action, state_allows
from inventory.models import DidGroup, NumberType
from inventory.offers import Markup

from .models import MarkupRule
from .pricing import PriceBook, PriceUnavailable, SkuPrice, convert


@dataclass(frozen=True)
class Viewer:
    """Whose prices a page shows. Clients see retail; resellers also cost, wholesale and margin;
    platform admins everything, the provider included."""

    role: str  # "client" | "reseller" | "admin"
    reseller: Reseller
    client: Client | None = None

    @property
    def sees_costs(self) -> bool:
        return self.role in ("reseller", "admin")

    @property
    def sees_provider(self) -> bool:
        return self.role == "admin"

    @property
    def can_buy(self) -> bool:
        return self.client is not None

    @property
    def cart_open(self) -> bool:
        """Whether the client's cart may change now: not while it or its reseller is paused."""
        return self.client is not None and state_allows(
            self.reseller.status, self.client.status, Action.CART
        )


def viewer_for(
    request: HttpRequest, *, client_id: int | None = None, reseller_id: int | None = None
) -> Viewer:
    membership = request.membership
    if membership and membership.is_client:
        return Viewer("client", membership.reseller, membership.client)
    if membership and membership.is_reseller:
        client = (
            customer_selectors.client_get(actor=membership, pk=client_id) if client_id else None
        )
        return Viewer("reseller", membership.reseller, client)
    if request.user.is_staff:
        resellers = Reseller.objects.order_by("name")
        reseller = (
            resellers.filter(pk=reseller_id).first() if reseller_id else None
        ) or resellers.first()
        if reseller is None:
            raise Http404("no reseller yet")
        client = reseller.clients.filter(pk=client_id).first() if client_id else None
        return Viewer("admin", reseller, client)
    raise PermissionDenied


@dataclass
class Offer:
    group: DidGroup
    price: SkuPrice
    offers: int | None = 1  # None: not counted (only resellers are shown the number)
    type_label: str = ""


def viewer_rates(book: PriceBook) -> dict[str, Decimal]:
    """Multipliers from every currency the platform has a rate for into the viewer's."""
    currencies = {book.currency} | {code for pair in book.rates for code in pair}
    rates = {}
    for code in currencies:
        try:
            rates[code] = convert(Decimal(1), code, book.currency, book.rates)
        except PriceUnavailable:
            continue
    return rates


def viewer_markups(book: PriceBook, country: str) -> dict[str, tuple[Markup, ...]]:
    """The steps from provider price to the viewer's monthly price per number type in
    ``country`` (wholesale, then retail), so browsing sorts by the price the viewer sees."""
    levels = (MarkupRule.Level.WHOLESALE, MarkupRule.Level.RETAIL)
    markups = {}
    for kind in NumberType.values:
        rules = [book.rule_for(level, country, kind) for level in levels]
        markups[kind] = tuple(
            Markup(rule.percent, rule.fixed_monthly, rule.min_margin_monthly)
            for rule in rules
            if rule is not None
        )
    if len(set(markups.values())) == 1:  # one rule for every type: one price formula
        return {"": next(iter(markups.values()))}
    return markups


def price_group(book: PriceBook, group: DidGroup, *, setup=None, monthly=None) -> SkuPrice:
    return book.price(
        setup=group.setup_price if setup is None else setup,
        monthly=group.monthly_price if monthly is None else monthly,
        currency=group.currency,
        country=group.country_id,
        number_type=group.number_type,
    )


def priced(book: PriceBook, groups) -> list[Offer]:
    # Each type's label translated once: get_number_type_display per row was over a quarter of
    # the time spent rendering the rows.
    labels = {value: str(label) for value, label in NumberType.choices}
    return [
        Offer(
            group=g,
            price=price_group(book, g),
            offers=getattr(g, "offers", 1),
            type_label=labels.get(g.number_type, g.number_type),
        )
        for g in groups
    ]


@dataclass
class CountryCard:
    code: str
    name: str
    areas: int
    lowest: SkuPrice | None


def country_cards(
    book: PriceBook, summaries: list[dict], areas: dict[str, int]
) -> list[CountryCard]:
    """One card per country with areas on offer: its number of areas is the number of rows its
    page lists (``areas``, counted as browse counts them), never a sum over currencies."""
    cards: dict[str, CountryCard] = {}
    for row in summaries:
        if not areas.get(row["country_id"]):
            continue
        card = cards.setdefault(
            row["country_id"],
            CountryCard(row["country_id"], row["country__name"], areas[row["country_id"]], None),
        )
        if row["low"] is None:
            continue
        try:
            price = book.price(
                setup=Decimal(0), monthly=row["low"], currency=row["currency"],
                country=row["country_id"], number_type=row["number_type"],
            )  # fmt: skip
        except PriceUnavailable:
            continue
        if card.lowest is None or price.monthly.retail.amount < card.lowest.monthly.retail.amount:
            card.lowest = price
    return sorted(cards.values(), key=lambda c: c.name)
