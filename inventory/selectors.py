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

from .models import Country, DidGroup, ProviderAccount, Region

NANP = frozenset({"US", "CA"})
FACET_LIMIT = 300


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


def live_groups() -> QuerySet[DidGroup]:
    return DidGroup.objects.filter(retired_at__isnull=True, account_id__in=enabled_account_ids())


def filtered_groups(filters: CatalogFilters) -> QuerySet[DidGroup]:
    groups = live_groups()
    if filters.country:
        groups = groups.filter(country_id=filters.country)
    if filters.region:
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


def facet_counts(filters: CatalogFilters) -> tuple[str, list[dict]]:
    """The next step down the tree for these filters: ("region"|"npa"|"nxx"|"city", rows).

    Cached until the catalog changes (the key carries the last sync time): the counts are the
    same for every viewer and only a sync changes them.
    """
    updated = catalog_updated_at()
    key_text = repr((filters, enabled_account_ids()))
    digest = hashlib.md5(key_text.encode(), usedforsecurity=False).hexdigest()
    key = f"facets:{updated.timestamp() if updated else 0}:{digest}"
    return cache.get_or_set(key, lambda: _facet_counts(filters), 3600)


def _facet_counts(filters: CatalogFilters) -> tuple[str, list[dict]]:
    groups = filtered_groups(filters)
    if filters.country in NANP:
        if not filters.region and not filters.npa:
            return "region", _facet(groups.exclude(region=None), "region_id", "region__name")
        if not filters.npa:
            return "npa", _facet(groups.exclude(npa=""), "npa", "npa")
        if not filters.nxx:
            return "nxx", _facet(groups.exclude(nxx=""), "nxx", "nxx")
        return "", []
    if not filters.region and not filters.city:
        regions = _facet(groups.exclude(region=None), "region_id", "region__name")
        if len(regions) > 1:
            return "region", regions
    if not filters.city:
        return "city", _facet(groups.exclude(city=None), "city_id", "city__name")
    return "", []


def _facet(groups: QuerySet, key: str, label: str) -> list[dict]:
    rows = groups.values(key, label).annotate(groups=Count("id")).order_by(label)[:FACET_LIMIT]
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


def place_names(country: str, region: str = "") -> tuple[str, str]:
    """(country name, region name); cached, names of places do not change."""
    return tuple(
        cache.get_or_set(
            f"place-names:{country}:{region}", lambda: _place_names(country, region), 3600
        )
    )


def _place_names(country: str, region: str) -> tuple[str, str]:
    if region:
        row = Region.objects.filter(code=region).values_list("country__name", "name").first()
        if row:
            return row
    name = Country.objects.filter(code=country).values_list("name", flat=True).first()
    return name or country, ""
