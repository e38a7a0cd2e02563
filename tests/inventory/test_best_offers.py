"""The number browser's page of best offers by price, read off the cheapest groups, is exactly
the page the full ranking (``best_offers``) gives: same areas, same offer per area, same order."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from inventory import offers as offer_pages
from inventory.accounts import provider_account_create
from inventory.offers import Markup, OfferPages, best_offers
from inventory.providers.types import CoverageRecord, Feature, NumberType
from inventory.providers.types import Sku as SkuRecord
from inventory.selectors import CatalogFilters
from inventory.sync import catalog_sync

pytestmark = pytest.mark.django_db

USD_VIEWER = {"USD": Decimal(1), "EUR": Decimal("1.10")}
EUR_VIEWER = {"EUR": Decimal(1), "USD": Decimal(1) / Decimal("1.10")}  # as viewer_rates has it
USD_ONLY = {"USD": Decimal(1)}  # no EUR rate: the EUR offers cannot be shown
# The viewer's price marks mobile numbers up more than local ones (as the demo's plans do for
# toll-free): sorting by the provider's price would list a dearer mobile row first.
MARKUPS = {
    "local": (Markup(Decimal(15), minimum=Decimal("0.10")), Markup(Decimal(40))),
    "mobile": (Markup(Decimal(20), Decimal("0.05")), Markup(Decimal(150), Decimal("1.00"))),
}
# Few distinct prices, so many offers tie (also across currencies: 1.00 EUR = 1.10 USD).
USD_PRICES = ["0.85", "1.10", "0.85", "0.90", "1.10", "2.00"]
EUR_PRICES = ["1.00", "0.70", "1.00", "1.50"]


def record(ext: str, nxx: int, monthly: str | None, *, region="US-NY", npa="212", **kw):
    return CoverageRecord(
        external_id=ext,
        country="US",
        number_type=kw.pop("type_", NumberType.LOCAL),
        features=frozenset(kw.pop("features", {Feature.VOICE})),
        skus=(SkuRecord(f"{ext}-sku", Decimal("0.10"), Decimal(monthly), 1),) if monthly else (),
        region_code=region,
        region_name={"US-NY": "New York", "US-NJ": "New Jersey"}[region],
        city="New York",
        npa=npa,
        nxx=f"{nxx:03d}",
        **kw,
    )


@pytest.fixture
def catalog():
    """Three providers (two in USD, one in EUR) over 90 exchanges: most exchanges offered by two
    or three of them, names spelt differently by each, some in New Jersey, some unpriced."""
    usd = provider_account_create(kind="didww", name="usd-one", sandbox=True, rate_limit="")
    usd2 = provider_account_create(kind="didww", name="usd-two", sandbox=True, rate_limit="")
    eur = provider_account_create(
        kind="didfarm", name="eur-one", sandbox=True, rate_limit="", countries=["US"]
    )
    one, two, three = [], [], []
    for n in range(90):
        nxx = 200 + n
        # 201 is a New Jersey area code whatever a provider says (the second one says New York).
        npa = "201" if n % 11 == 0 else "212" if n % 3 else "718"
        one.append(record(f"a{n}", nxx, USD_PRICES[n % 6], npa=npa, area_name=f"New York {nxx}"))
        if n % 4:
            features = {Feature.VOICE, Feature.SMS} if n % 2 else {Feature.VOICE}
            two.append(
                record(
                    f"b{n}", nxx, USD_PRICES[(n + 1) % 6], npa=npa, features=features,
                    area_name=f"NEW YORK ({npa}) {nxx}",
                    region="US-NY",
                )
            )  # fmt: skip
        if n % 5 != 1:
            three.append(
                record(
                    f"c{n}", nxx, EUR_PRICES[n % 4] if n % 13 else None, npa=npa,
                    area_name="" if n % 2 else f"New York {nxx}",
                    features={Feature.VOICE, Feature.SMS},
                    # Sold out at a provider that does not back-order: ranks after the others.
                    available_count=0 if n % 7 == 3 else 5,
                )
            )  # fmt: skip
    for n in range(3):  # exchanges only a sold-out offer serves
        three.append(record(f"s{n}", 900 + n, "0.50", npa="718", available_count=0))
    for n in range(6):  # another type in the same exchanges: other areas
        one.append(record(f"t{n}", 200 + n, "3.00", type_=NumberType.MOBILE))
    catalog_sync(account=usd, records=one)
    catalog_sync(account=usd2, records=two)
    catalog_sync(account=eur, records=three)
    return {"usd": usd, "usd2": usd2, "eur": eur}


FILTERS = [
    CatalogFilters(country="US"),
    CatalogFilters(country="US", region="US-NY"),
    CatalogFilters(country="US", region="US-NJ"),
    CatalogFilters(country="US", region="US-NY", npa="212"),
    CatalogFilters(country="US", feature="sms"),
    CatalogFilters(country="US", number_type="mobile"),
    CatalogFilters(country="GB"),
]


def rows(groups) -> list[tuple[int, int | None]]:
    return [(group.pk, group.offers) for group in groups]


def pages_agree(filters: CatalogFilters, rates: dict, size: int, markups=None) -> int:
    """Every page of ``OfferPages`` by price equals the full ranking's; returns the area count."""
    ranked = list(best_offers(filters, to_viewer_currency=rates, markups=markups))
    offers = OfferPages(filters, to_viewer_currency=rates, markups=markups)
    assert offers.count() == len(ranked)
    for start in range(0, len(ranked) + size, size):
        assert rows(offers[start : start + size]) == ranked[start : start + size], (filters, start)
    return len(ranked)


@pytest.mark.parametrize("rates", [USD_VIEWER, EUR_VIEWER, USD_ONLY], ids=["usd", "eur", "no-fx"])
@pytest.mark.parametrize("size", [1, 7, 25])
def test_pages_by_price_are_the_full_rankings_pages(catalog, rates, size):
    areas = [pages_agree(filters, rates, size) for filters in FILTERS]
    assert areas[0] > 90 and 0 < areas[2] < areas[1]  # the catalog is what the test needs


@pytest.mark.parametrize("rates", [USD_VIEWER, EUR_VIEWER], ids=["usd", "eur"])
def test_short_walks_stopping_inside_ties_give_the_same_pages(catalog, rates, monkeypatch):
    """A walk of a few groups ends inside a run of equal prices: it must read the whole run."""
    monkeypatch.setattr(offer_pages, "WALK_MIN_GROUPS", 1)
    monkeypatch.setattr(offer_pages, "WALK_GROUPS_PER_AREA", 1)
    for filters in FILTERS:
        pages_agree(filters, rates, 4)


def test_a_page_by_price_does_not_rank_the_whole_scope(catalog, monkeypatch):
    offers = OfferPages(CatalogFilters(country="US", region="US-NY"), to_viewer_currency=USD_VIEWER)
    expected = list(best_offers(offers.filters, to_viewer_currency=USD_VIEWER)[25:50])

    def no_full_ranking(self):
        raise AssertionError("ranked every group of the state for one page")

    monkeypatch.setattr(OfferPages, "_ranked", no_full_ranking)
    assert rows(offers[25:50]) == expected


def test_other_orders_and_one_areas_alternatives_are_ranked_in_full(catalog):
    for sort in ("-price", "area"):
        filters = CatalogFilters(country="US", region="US-NY")
        offers = OfferPages(filters, to_viewer_currency=USD_VIEWER, sort=sort)
        ranked = list(best_offers(filters, to_viewer_currency=USD_VIEWER, sort=sort))
        assert rows(offers[0:25]) == ranked[0:25] and len(ranked) > 25
    area = CatalogFilters(country="US", area_key="local|212|202")
    alternatives = OfferPages(area, to_viewer_currency=USD_VIEWER)[0:25]
    assert [group.offers for group in alternatives] == [3, 3, 3]  # every offer, not the best


def test_offer_counts_only_when_asked(catalog):
    filters = CatalogFilters(country="US", region="US-NY")
    counted = rows(OfferPages(filters, to_viewer_currency=USD_VIEWER)[0:25])
    uncounted = rows(OfferPages(filters, to_viewer_currency=USD_VIEWER, count_offers=False)[0:25])
    assert [pk for pk, _n in counted] == [pk for pk, _n in uncounted]
    assert {n for _pk, n in uncounted} == {None}
    assert counted == list(best_offers(filters, to_viewer_currency=USD_VIEWER)[0:25])
    assert {n for _pk, n in counted} >= {2, 3}


def test_disabled_accounts_offers_are_left_out(catalog):
    filters = CatalogFilters(country="US", region="US-NY")
    before = rows(OfferPages(filters, to_viewer_currency=USD_VIEWER)[0:25])
    catalog["usd"].enabled = False
    catalog["usd"].save(update_fields=["enabled"])
    cache.delete("enabled-provider-accounts")  # what the admin's save leaves to expire
    after = pages_agree(filters, USD_VIEWER, 25)
    assert after and rows(OfferPages(filters, to_viewer_currency=USD_VIEWER)[0:25]) != before


@pytest.mark.parametrize("with_account", [True, False])
def test_a_page_by_price_loads_its_groups_as_the_full_ranking_does(
    catalog, with_account, django_assert_num_queries
):
    filters = CatalogFilters(country="US", region="US-NY")
    walked = OfferPages(filters, to_viewer_currency=EUR_VIEWER, with_account=with_account)[0:25]
    ranked = best_offers(filters, to_viewer_currency=EUR_VIEWER)[0:25]
    loaded = offer_pages.groups_in_order(ranked, with_account=with_account)

    def shown(group) -> tuple:
        account = group.account.name if with_account else None
        return (
            group.pk, group.label, account, group.setup_price, group.monthly_price,
            group.currency, group.features, group.available_count, group.needs_registration,
            group.get_number_type_display(), group.area_key, group.country_id, group.offers,
        )  # fmt: skip

    with django_assert_num_queries(0):  # places (and accounts) came with the page
        page = [shown(group) for group in walked]
    assert page == [shown(group) for group in loaded]
    assert all(group.label == group.area_name for group in walked)  # labels are made at sync
    assert len({group.account_id for group in walked}) > 1  # offers of several providers


def test_pages_follow_a_new_sync_with_changed_prices_and_dropped_groups(catalog):
    filters = CatalogFilters(country="US", region="US-NY")
    before = rows(OfferPages(filters, to_viewer_currency=USD_VIEWER)[0:25])
    # The EUR provider now lists a third of its exchanges, all much cheaper; the rest retire.
    cheaper = [record(f"c{n}", 200 + n, "0.10", npa="212" if n % 3 else "718") for n in range(30)]
    catalog_sync(account=catalog["eur"], records=cheaper)
    pages_agree(filters, USD_VIEWER, 25)  # the cached total included: it follows the sync
    after = OfferPages(filters, to_viewer_currency=USD_VIEWER)[0:25]
    assert rows(after) != before
    assert [g.account_id for g in after] == [catalog["eur"].pk] * 25


@pytest.mark.parametrize("rates", [USD_VIEWER, EUR_VIEWER], ids=["usd", "eur"])
@pytest.mark.parametrize("size", [1, 7, 25])
def test_pages_by_the_viewers_price_are_the_full_rankings_pages(catalog, rates, size):
    for filters in FILTERS:
        pages_agree(filters, rates, size, markups=MARKUPS)


def test_the_order_is_the_viewers_price_across_number_types(catalog):
    def viewer_price(group) -> Decimal:
        amount = group.monthly_price * USD_VIEWER[group.currency]
        for step in MARKUPS[group.number_type]:
            amount = max(amount * (1 + step.percent / 100) + step.fixed, amount + step.minimum)
        return amount

    filters = CatalogFilters(country="US")
    offers = OfferPages(filters, to_viewer_currency=USD_VIEWER, markups=MARKUPS)
    groups = offers[0 : offers.count()]
    prices = [viewer_price(group) for group in groups if group.available_count != 0]
    assert prices == sorted(prices)
    # Without the markups a mobile row (3.00 USD) sorts among the local ones it costs more than.
    assert {group.number_type for group in groups} == {"local", "mobile"}


def test_an_area_shows_an_offer_that_can_be_bought(catalog):
    filters = CatalogFilters(country="US")
    groups = offer_pages.groups_in_order(best_offers(filters, to_viewer_currency=USD_VIEWER))
    sold_out = [g for g in groups if g.available_count == 0]
    # The areas only a sold-out offer serves come last, though they are the cheapest.
    assert [g.external_id for g in sold_out] == ["s0", "s1", "s2"]
    assert groups[-3:] == sold_out
    # An area whose cheapest offer is sold out shows the next one.
    for n in (3, 10, 17, 24):
        ranked = best_offers(
            CatalogFilters(
                country="US", area_key=f"local|{'718' if n % 3 == 0 else '212'}|{200 + n}"
            ),
            to_viewer_currency=USD_VIEWER,
        )
        alternatives = offer_pages.groups_in_order(ranked)
        assert alternatives[-1].external_id == f"c{n}" and len(alternatives) > 1
