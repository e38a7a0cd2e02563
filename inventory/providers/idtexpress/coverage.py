"""The IDT Express coverage walk: countries -> regions (where the country has them) -> DID groups,
plus each toll-free country's toll-free groups (browsed without a region, as the document says).

Streams one region's DID groups at a time; nothing is kept across regions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from .. import errors
from ..types import CoverageRecord, Feature, NumberType, Sku
from . import wire
from .client import LABEL, IdtExpressClient

logger = logging.getLogger("didhub.providers")

NANP_CALLING_CODE = "1"
_ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# Codes IDT still writes the pre-2002 way ("CA-NF" in the Get Regions example).
_LEGACY_REGIONS = {"CA-NF": "CA-NL", "CA-PQ": "CA-QC", "CA-YU": "CA-YT"}
# NANP group names end with the NPA and NXX: "FANWOOD (908) 312".
_NANP_NAME = re.compile(r"^(?P<city>.*?)\s*\(\s*\d{3}\s*\)\s*\d{3}$")
# Codes with which IDT says "this part of the catalog is not offered": skip it, keep walking.
_NOT_OFFERED = frozenset({"4000", "4002", "4003"})
# IDT documents no feature flags; its DIDs are inbound voice numbers.
_FEATURES = frozenset({Feature.VOICE})


def walk(client: IdtExpressClient) -> Iterator[CoverageRecord]:
    for country in client.countries():
        if country.has_regions:
            for region in client.regions(country.iso):
                yield from _records(client, country, region_code=region.code, toll_free=False)
        else:
            yield from _records(client, country, region_code="", toll_free=False)
        if country.supports_toll_free:
            yield from _records(client, country, region_code="", toll_free=True)


def _records(
    client: IdtExpressClient, country: wire.Country, *, region_code: str, toll_free: bool
) -> Iterator[CoverageRecord]:
    groups = client.did_groups(country.iso, region_code=region_code, toll_free=toll_free)
    try:
        for group in groups:
            # Each group is reported by the query for its kind only: a server that ignores the
            # toll_free flag must not make us report a group twice.
            if group.toll_free != toll_free and (toll_free or country.supports_toll_free):
                continue
            yield to_record(group, fallback_country=country.iso)
    except errors.InvalidRequest as exc:
        if exc.code not in _NOT_OFFERED:
            raise
        logger.info(
            "%s %s %s: not offered (%s)",
            LABEL, country.iso, region_code or ("toll-free" if toll_free else "-"), exc,
        )  # fmt: skip


def region_iso(code: str, country_iso: str) -> str:
    """IDT's region code as ISO 3166-2 ("US-NY"); a bare "NY" gets the country; "" if unusable."""
    text = code.strip().upper().replace("_", "-")
    if text and "-" not in text:
        text = f"{country_iso}-{text}"
    text = _LEGACY_REGIONS.get(text, text)
    if not _ISO_3166_2.match(text) or not text.startswith(f"{country_iso}-"):
        return ""
    return text


def city_of(group: wire.DidGroup) -> str:
    if group.toll_free:
        return ""
    match = _NANP_NAME.match(group.name)
    return (match["city"] if match else group.name).strip()


def to_record(group: wire.DidGroup, *, fallback_country: str = "") -> CoverageRecord:
    country = group.country.iso or fallback_country
    nanp = group.country_calling_code == NANP_CALLING_CODE
    region = group.region
    region_code = region_iso(region.code, country) if region else ""
    if region and not region_code:
        logger.warning(
            "%s did_group %s: region code %r is not ISO 3166-2", LABEL, group.id, region.code
        )
    city = city_of(group)
    return CoverageRecord(
        external_id=group.id,
        country=country,
        number_type=NumberType.TOLL_FREE if group.toll_free else NumberType.LOCAL,
        features=_FEATURES,
        # One price per group: the group id doubles as the SKU id (orders name the group).
        skus=(Sku(group.id, group.fees.setup_fee, group.fees.monthly_fee),),
        region_code=region_code,
        region_name=region.name if region else "",
        city=city,
        npa=group.area_code if nanp else "",
        nxx=group.nxx if nanp else "",
        area_prefix="" if nanp else group.area_code,
        area_name=group.name,
        available_count=None,  # IDT does not say how many numbers a group holds
    )
