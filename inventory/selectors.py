"""Catalog reads for browsing. Pricing is not done here (billing prices what these return)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import (
    Count,
    Max,
    Min,
    QuerySet,
)

from .models import City, Country, DidGroup, ProviderAccount, Region

NANP = frozenset({"US", "CA"})
FACET_LIMIT = 300
# The region filter's value for areas in no region (toll-free, mobile, national numbers): the
# region chips of a country then add up to its rows.
NO_REGION = "-"


@dataclass(frozen=True)
class CatalogFilters:
    country: str = ""
    region: str = ""
    npa: str = ""
    nxx: str = ""
    city: int | None = None
    number_type: str = ""
    feature: str = ""
    area_key: str = ""  # one area's offers from every provider (resellers' "alternatives")


def enabled_account_ids() -> list[int]:
    # Cached briefly: every browse query filters on it, and a join would widen each one.
    return cache.get_or_set(
        "enabled-provider-accounts",
        lambda: list(ProviderAccount.objects.filter(enabled=True).values_list("id", flat=True)),
        60,
    )


def backorder_account_ids() -> list[int]:
    """Accounts whose provider back-orders numbers it has none of (their stock 0 is buyable)."""

    def load() -> list[int]:
        from .providers.registry import adapter_class

        return [
            pk
            for pk, kind in ProviderAccount.objects.values_list("id", "kind")
            if "backorder" in adapter_class(kind).capabilities
        ]

    return cache.get_or_set("backorder-provider-accounts", load, 60)


def live_groups() -> QuerySet[DidGroup]:
    return DidGroup.objects.filter(retired_at__isnull=True, account_id__in=enabled_account_ids())


def filtered_groups(filters: CatalogFilters) -> QuerySet[DidGroup]:
    groups = live_groups()
    if filters.country:
        groups = groups.filter(country_id=filters.country)
    if filters.region == NO_REGION:
        groups = groups.filter(region__isnull=True)
    elif filters.region:
        groups = groups.filter(region_id=filters.region)
    if filters.npa:
        groups = groups.filter(npa=filters.npa)
    if filters.nxx:
        groups = groups.filter(nxx=filters.nxx)
    if filters.city:
        groups = groups.filter(city_id=filters.city)
    if filters.number_type:
        groups = groups.filter(number_type=filters.number_type)
    if filters.feature:
        groups = groups.filter(**{filters.feature: True})
    if filters.area_key:
        groups = groups.filter(area_key=filters.area_key)
    return groups


def country_summaries() -> list[dict]:
    """Per country and number type and currency: how many groups, and the lowest monthly cost."""
    return list(
        live_groups()
        .values("country_id", "country__name", "number_type", "currency")
        .annotate(
            groups=Count("id"), areas=Count("area_key", distinct=True), low=Min("monthly_price")
        )
        .order_by("country__name")
    )


def offered_groups(filters: CatalogFilters, currencies) -> QuerySet[DidGroup]:
    """The groups a viewer pricing in these currencies can be offered (what browse ranks)."""
    return filtered_groups(filters).filter(
        currency__in=sorted(currencies), monthly_price__isnull=False
    )


def country_area_counts(currencies) -> dict[str, int]:
    """Areas on offer per country: the number of rows the country's page lists."""
    return dict(
        offered_groups(CatalogFilters(), currencies)
        .values("country_id")
        .annotate(areas=Count("area_key", distinct=True))
        .values_list("country_id", "areas")
        .order_by()
    )


def facet_counts(filters: CatalogFilters, currencies=()) -> tuple[str, list[dict]]:
    """The next step down the tree for these filters: ("region"|"npa"|"nxx"|"city", rows), each
    with the number of areas (rows) it leads to.

    Cached until the catalog changes (the key carries the last sync time): the counts are the
    same for every viewer pricing in the same currencies and only a sync changes them.
    """
    updated = catalog_updated_at()
    currencies = sorted(currencies)
    key_text = repr((filters, enabled_account_ids(), currencies))
    digest = hashlib.md5(key_text.encode(), usedforsecurity=False).hexdigest()
    key = f"facets:{updated.timestamp() if updated else 0}:{digest}"
    return cache.get_or_set(key, lambda: _facet_counts(filters, currencies), 3600)


def _facet_counts(filters: CatalogFilters, currencies) -> tuple[str, list[dict]]:
    groups = offered_groups(filters, currencies)
    if not filters.region and not filters.npa and not filters.city:
        regions = _facet(groups.exclude(region=None), "region_id", "region__name")
        if filters.country in NANP or len(regions) > 1:
            nowhere = groups.filter(region=None).aggregate(n=Count("area_key", distinct=True))["n"]
            if nowhere:
                # Labelled by the template (in the viewer's language; this is cached).
                regions.append({"value": NO_REGION, "label": "", "groups": nowhere})
            return "region", regions
    if filters.country in NANP:
        if not filters.npa:
            return "npa", _facet(groups.exclude(npa=""), "npa", "npa")
        if not filters.nxx:
            return "nxx", _facet(groups.exclude(nxx=""), "nxx", "nxx")
        return "", []
    if not filters.city:
        return "city", _facet(groups.exclude(city=None), "city_id", "city__name")
    return "", []


def _facet(groups: QuerySet, key: str, label: str) -> list[dict]:
    rows = (
        groups.values(key, label)
        .annotate(groups=Count("area_key", distinct=True))
        .order_by(label)[:FACET_LIMIT]
    )
    return [{"value": row[key], "label": row[label], "groups": row["groups"]} for row in rows]


def catalog_updated_at() -> datetime | None:
    """When the catalog was last refreshed (cached for a minute: shown on every browse page)."""
    return cache.get_or_set(
        "catalog-updated-at",
        lambda: ProviderAccount.objects.filter(enabled=True, last_sync_status="ok").aggregate(
            at=Max("last_sync_at")
        )["at"],
        60,
    )


def group_for_sale(pk: int) -> DidGroup | None:
    return (
        live_groups().select_related("account", "country", "region", "city").filter(pk=pk).first()
    )


def place_names(country: str, region: str = "", city: int | None = None) -> tuple[str, str, str]:
    """(country name, region name, city name); cached, names of places do not change."""
    return tuple(
        cache.get_or_set(
            f"place-names:{country}:{region}:{city or ''}",
            lambda: _place_names(country, region, city),
            3600,
        )
    )


def _place_names(country: str, region: str, city: int | None) -> tuple[str, str, str]:
    city_name = (
        City.objects.filter(pk=city, country_id=country).values_list("name", flat=True).first()
        if city
        else None
    ) or ""
    if region and region != NO_REGION:
        row = Region.objects.filter(code=region).values_list("country__name", "name").first()
        if row:
            return (*row, city_name)
    name = Country.objects.filter(code=country).values_list("name", flat=True).first()
    return name or country, "", city_name
