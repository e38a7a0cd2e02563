"""Best offers per area, priced for the viewer's currency, a page at a time (DESIGN.md §3).

The same area from several providers is one row: its cheapest offer in the viewer's currency.
``OfferPages`` reads a page by price off the price indexes where it can and falls back to the
full ranking (``best_offers``) where it cannot.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from .models import City, Country, DidGroup, ProviderAccount, Region
from .selectors import (
    CatalogFilters,
    backorder_account_ids,
    catalog_updated_at,
    enabled_account_ids,
    offered_groups,
)


@dataclass(frozen=True)
class Markup:
    """One step of the viewer's monthly price as billing applies it, before rounding:
    ``max(amount * (1 + percent/100) + fixed, amount + minimum, amount)``.

    Browsing sorts by the viewer's price, not the provider's: number types marked up
    differently (toll-free) would otherwise list 10.99 before 9.99. Rounding up is left out: it
    never reorders two prices of one rule, and rules differ per country and type only.
    """

    percent: Decimal
    fixed: Decimal = Decimal(0)
    minimum: Decimal = Decimal(0)


# Per number type ("" for the others): the steps from the provider's price, in the viewer's
# currency, to the price the viewer pays.
Markups = dict[str, tuple[Markup, ...]]
_TABLE = "inventory_didgroup"


def _price_sql(rate: Decimal, markups: Markups) -> tuple[str, list]:
    """SQL for the viewer's monthly price of a group priced in a currency with ``rate``."""

    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"  # the demo's SQLite

    def steps_sql(steps: tuple[Markup, ...]) -> tuple[str, list]:
        sql, params = f"({_TABLE}.monthly_price * %s)", [rate]
        for step in steps:
            factor = 1 + step.percent / 100
            sql, params = (
                f"{greatest}({sql} * %s + %s, {sql} + %s, {sql})",
                [*params, factor, step.fixed, *params, step.minimum, *params],
            )
        return sql, params

    typed = {kind: steps for kind, steps in markups.items() if kind and steps}
    default_sql, default_params = steps_sql(markups.get("", ()))
    if not typed:
        return default_sql, default_params
    whens, params = [], []
    for kind, steps in sorted(typed.items()):
        sql, step_params = steps_sql(steps)
        whens.append(f"WHEN {_TABLE}.number_type = %s THEN {sql}")
        params += [kind, *step_params]
    return f"(CASE {' '.join(whens)} ELSE {default_sql} END)", [*params, *default_params]


def _lowest_slope(markups: Markups) -> Decimal:
    """The least any type's price grows per unit of provider price (bounds a walk's read): a
    step multiplies by 1 + percent/100 at least, unless a negative fixed part lowers it."""
    slopes = []
    for kind in {"", *markups}:
        slope = Decimal(1)
        for step in markups.get(kind, ()):
            if step.fixed >= 0:
                slope *= 1 + step.percent / 100
        slopes.append(slope)
    return min(slopes)


def _sold_out() -> Case:
    """1 for a group known to have no numbers whose provider does not back-order, else 0:
    such a group ranks after those that can be bought."""
    return Case(
        When(Q(available_count=0) & ~Q(account_id__in=backorder_account_ids()), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def best_offers(
    filters: CatalogFilters,
    *,
    to_viewer_currency: dict[str, Decimal],
    sort: str = "price",
    markups: Markups | None = None,
) -> QuerySet:
    """One row per area — ``(id, offers)``, the best offer for the viewer — in page order.

    ``to_viewer_currency`` multiplies each account currency into the viewer's; groups priced in
    a currency without a rate are left out (they cannot be offered). ``markups`` make the order
    the viewer's prices' (see ``Markup``). An area's best offer is its cheapest that can be
    bought (sold-out groups of providers that do not back-order rank last), and areas whose
    offers are all sold out sort after the others. This ranks every group of the scope:
    ``OfferPages`` reads a page by price without it when it can.
    """
    groups = _priced_groups(filters, to_viewer_currency)
    parts, params = [], []
    for code, rate in to_viewer_currency.items():
        sql, sql_params = _price_sql(rate, markups or {})
        parts.append(f"WHEN {_TABLE}.currency = %s THEN {sql}")
        params += [code, *sql_params]
    comparable = RawSQL(  # noqa: S611 (the SQL is this module's; values are parameters)
        f"CASE {' '.join(parts)} END" if parts else "NULL",
        params,
        output_field=DecimalField(max_digits=20, decimal_places=8),
    )
    sold_out = _sold_out()
    partition = [F("country_id"), F("area_key")]
    ranked = groups.annotate(
        comparable_monthly=comparable,
        sold_out=sold_out,
        rank=Window(
            RowNumber(),
            partition_by=partition,
            order_by=[sold_out.asc(), comparable.asc(), F("id").asc()],
        ),
        offers=Window(Count("id"), partition_by=partition),
    )
    if not filters.area_key:
        ranked = ranked.filter(rank=1)
    order = {
        "price": ["sold_out", "comparable_monthly", "area_name", "id"],
        "-price": ["sold_out", "-comparable_monthly", "area_name", "id"],
        "area": ["area_name", "comparable_monthly", "id"],
    }[sort]
    return ranked.order_by(*order).values_list("id", "offers")


def _priced_groups(filters: CatalogFilters, to_viewer_currency: dict[str, Decimal]) -> QuerySet:
    # The same groups the country cards and the chips count (one definition of what is listed).
    return offered_groups(filters, to_viewer_currency)


# The cheapest groups read per wanted area: areas have a few offers each (one per provider).
WALK_GROUPS_PER_AREA = 4
WALK_MIN_GROUPS = 100

# The walk reads the cheapest groups of each currency off an index, up to a price: the viewer's
# price of the last of the first ``read`` groups (infinite when that was all of them), ties
# included. Groups that cannot be bought (sold out, no back-order) are left out: areas only they
# offer sort after every other, which a walk never reaches.
_BUYABLE = "(available_count IS DISTINCT FROM 0 OR account_id = ANY(%s))"
_WALK_HEAD = """(SELECT {price} AS price FROM inventory_didgroup
    WHERE {where} AND currency = %s AND {buyable} ORDER BY monthly_price LIMIT %s)"""
_WALK_PART = """(SELECT id, area_key, area_name, {price} AS comparable
    FROM inventory_didgroup WHERE {where} AND currency = %s AND {buyable}
    AND monthly_price <= (SELECT price FROM walk_edge) / %s + 0.0001
    AND {price} <= (SELECT price FROM walk_edge))"""
# The page's groups come with the names of their places (and account) for labels: looked up
# per row, where a join would hash every city for 25 rows.
_WALK = """WITH walk_edge AS (
    SELECT CASE WHEN count(*) < %s THEN 'Infinity'::numeric ELSE max(price) END AS price
    FROM (SELECT price FROM ({heads}) heads ORDER BY price LIMIT %s) head
), walk AS ({parts}), best AS (
    SELECT DISTINCT ON (area_key) id, area_key, area_name, comparable FROM walk
    ORDER BY area_key, comparable, id
), page AS (
    SELECT id, area_name, comparable FROM best ORDER BY comparable, area_name, id
    OFFSET %s LIMIT %s
)
SELECT (SELECT count(*) FROM best), (SELECT price = 'Infinity' FROM walk_edge),
    (SELECT name FROM inventory_city WHERE id = g.city_id),
    (SELECT name FROM inventory_region WHERE code = g.region_id),
    (SELECT name FROM inventory_country WHERE code = g.country_id),
    {account}, {columns}
FROM page JOIN inventory_didgroup g ON g.id = page.id
ORDER BY page.comparable, page.area_name, page.id"""
# What the browser shows and prices of a group: not its available numbers or its digest, nor
# a field that converts what the database returns (the rows are read raw; such a field would
# load when first used).
_PAGE_FIELDS = [
    f.attname
    for f in DidGroup._meta.concrete_fields
    if f.attname not in ("available_numbers", "content_hash") and not hasattr(f, "from_db_value")
]


def _cheapest_first(
    filters: CatalogFilters,
    to_viewer_currency: dict[str, Decimal],
    offset: int,
    limit: int,
    *,
    with_account: bool,
    markups: Markups | None = None,
) -> list[DidGroup] | None:
    """``best_offers`` sorted by price, ``[offset:offset + limit]``, loaded as ``groups_in_order``
    loads them, found by reading only the cheapest groups of the scope; None when those do not
    fill the page.

    The viewer's price of a group is its price times its currency's rate, so per currency an
    index yields the groups cheapest first. The walk reads every group up to a price, which
    makes the areas whose best offer is at or below that price complete: the first group of
    each area in (price, id) order, ordered as ``best_offers`` orders them (area names in the
    database's collation). Ranking every group of a state instead sorts thousands of rows.
    """
    wanted = offset + limit
    read = max(WALK_MIN_GROUPS, WALK_GROUPS_PER_AREA * wanted)
    query = _priced_groups(filters, to_viewer_currency).query
    where, where_params = query.get_compiler(connection=connection).compile(query.where)
    if any(count for alias, count in query.alias_refcount.items() if alias != query.base_table):
        return None  # a filter joined another table: the SQL below reads one
    heads, parts, head_params, part_params = [], [], [], []
    buyable = [backorder_account_ids()]
    slope = _lowest_slope(markups or {})
    for code, rate in to_viewer_currency.items():
        price, price_params = _price_sql(rate, markups or {})
        heads.append(_WALK_HEAD.format(where=where, price=price, buyable=_BUYABLE))
        head_params += [*price_params, *where_params, code, *buyable, read]
        parts.append(_WALK_PART.format(where=where, price=price, buyable=_BUYABLE))
        # The first bound is for the index: no group priced above it can cost the viewer less
        # than the edge (a little above the exact limit, which a division cannot give); the
        # second is exact.
        part_params += [
            *price_params, *where_params, code, *buyable, rate * slope, *price_params
        ]  # fmt: skip
    sql = _WALK.format(
        heads=" UNION ALL ".join(heads),
        parts=" UNION ALL ".join(parts),
        account=(
            "(SELECT name FROM inventory_provideraccount WHERE id = g.account_id)"
            if with_account
            else "NULL"
        ),
        columns=", ".join(f"g.{connection.ops.quote_name(name)}" for name in _PAGE_FIELDS),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [read, *head_params, read, *part_params, offset, limit])
        rows = cursor.fetchall()
    if not rows or rows[0][0] < wanted:
        # The walk stopped short of this page, or reached the end of what can be bought (areas
        # only sold-out groups offer come next), or it is empty: rank in full.
        return None
    groups = []
    for _known, _complete, city, region, country, account, *values in rows:
        group = DidGroup.from_db(connection.alias, _PAGE_FIELDS, values)
        # The places' names only (what ``DidGroup.label`` reads), as select_related would set.
        group.country = Country.from_db(
            connection.alias, ["code", "name"], [group.country_id, country]
        )
        if group.region_id:
            group.region = Region.from_db(
                connection.alias, ["code", "name"], [group.region_id, region]
            )
        if group.city_id:
            group.city = City.from_db(connection.alias, ["id", "name"], [group.city_id, city])
        if with_account:
            group.account = ProviderAccount.from_db(
                connection.alias, ["id", "name"], [group.account_id, account]
            )
        groups.append(group)
    return groups


def area_offer_counts(
    filters: CatalogFilters, to_viewer_currency: dict[str, Decimal], area_keys
) -> dict[str, int]:
    """How many offers each of these areas has within the filters (resellers see the number)."""
    return dict(
        _priced_groups(filters, to_viewer_currency)
        .filter(area_key__in=set(area_keys))
        .values("area_key")
        .annotate(n=Count("id"))
        .values_list("area_key", "n")
        .order_by()
    )


class OfferPages:
    """``best_offers`` for a paginator, a page being its groups (as ``groups_in_order`` loads
    them): the total cached until the catalog changes, a page by price read off the cheapest
    groups, other orders ranked in full.

    The total depends on the filters and the currencies offered, never on the viewer's prices;
    counting the ranked areas is a third of a browse request's database time. Each group's
    ``offers`` is None unless ``count_offers``; its account is loaded only ``with_account``.
    """

    def __init__(
        self,
        filters: CatalogFilters,
        *,
        to_viewer_currency: dict[str, Decimal],
        sort: str = "price",
        count_offers: bool = True,
        with_account: bool = True,
        markups: Markups | None = None,
    ) -> None:
        self.filters = filters
        self.rates = to_viewer_currency
        self.markups = markups or {}
        self.sort = sort
        self.count_offers = count_offers
        self.with_account = with_account
        updated = catalog_updated_at()
        key = repr((filters, sorted(to_viewer_currency), enabled_account_ids()))
        digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
        self._key = f"offer-count:{updated.timestamp() if updated else 0}:{digest}"

    def count(self) -> int:
        return cache.get_or_set(self._key, lambda: self._ranked().count(), 3600)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[DidGroup]:
        if self._walkable():
            start = index.start or 0
            groups = _cheapest_first(
                self.filters, self.rates, start, index.stop - start,
                with_account=self.with_account, markups=self.markups,
            )  # fmt: skip
            if groups is not None:
                return self._with_offers(groups)
        return groups_in_order(self._ranked()[index], with_account=self.with_account)

    def _walkable(self) -> bool:
        # By price only (a page by area name or by price downwards is not the cheapest groups),
        # within one country (areas are keyed per country), and not one area's alternatives.
        return (
            self.sort == "price"
            and bool(self.filters.country)
            and not self.filters.area_key
            and connection.vendor == "postgresql"  # DISTINCT ON, numeric infinity
        )

    def _ranked(self) -> QuerySet:
        return best_offers(
            self.filters, to_viewer_currency=self.rates, sort=self.sort, markups=self.markups
        )

    def _with_offers(self, groups: list[DidGroup]) -> list[DidGroup]:
        counts = (
            area_offer_counts(self.filters, self.rates, [g.area_key for g in groups])
            if self.count_offers and groups
            else {}
        )
        for group in groups:
            group.offers = counts.get(group.area_key)
        return groups


def groups_in_order(rows, *, with_account: bool = True) -> list[DidGroup]:
    """The groups of ``best_offers`` rows, in that order, each with ``offers`` set; with their
    account only when asked (its name is for platform admins)."""
    rows = list(rows)
    groups = DidGroup.objects.select_related("country", "region", "city").defer(
        "available_numbers", "content_hash"
    )
    if with_account:
        # The account is here for its name only: never load (and decrypt) its secrets to browse.
        groups = groups.select_related("account").defer(
            "account__credentials",
            "account__webhook_secret",
            "account__countries",
            "account__sandbox_faults",
            "account__last_sync_counts",
        )
    by_id = groups.in_bulk([pk for pk, _offers in rows])
    ordered = []
    for pk, offers in rows:
        group = by_id[pk]
        group.offers = offers
        ordered.append(group)
    return ordered
