"""The DIDWW coverage walk: countries -> DID groups (+ regions -> NANPA prefixes for NANP).

Outside NANP one record per DID group. In NANP countries a local DID group covers an area code
(``prefix`` is the NPA) and DIDWW's NANPA prefixes pick the exchange inside it: a NANPA prefix
selects the group(s) in its region whose prefix is its NPA (``filter[nanpa_prefix.id]``), and an
order item carrying ``nanpa_prefix_id`` delivers a number from that NPA-NXX. So every
(group, NANPA prefix) pair becomes one record, with the composite id ``<group id>:<prefix id>``;
a local group no NANPA prefix points at stays one NPA-level record.

Streams: only a NANP country's local groups (one per area code or rate centre, a few thousand at
most) are held while its NANPA prefixes, which can be hundreds of thousands, stream past.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from ..normalize import features as normalize_features
from ..normalize import number_type
from ..types import CoverageRecord, NumberType, Sku
from . import wire
from .client import LABEL, DidwwClient, one

logger = logging.getLogger("didhub.providers")

GROUP_INCLUDE = "stock_keeping_units,did_group_type,region,city"
NANP_CALLING_CODE = "1"
ID_SEPARATOR = ":"  # between a DID group id and a NANPA prefix id in a record's external id
_ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def split_external_id(external_id: str) -> tuple[str, str]:
    """``"<group>:<nanpa prefix>"`` -> (group id, nanpa prefix id); a bare group id -> (id, "")."""
    group_id, _, nanpa_id = external_id.partition(ID_SEPARATOR)
    return group_id, nanpa_id


def walk(client: DidwwClient) -> Iterator[CoverageRecord]:
    for country in client.collection("/v3/countries", {}, one(wire.country)):
        if country.prefix == NANP_CALLING_CODE:
            yield from _nanp_country(client, country)
        else:
            for group in _groups(client, {"filter[country.id]": country.id}):
                record = to_record(group, country)
                if record is not None:
                    yield record


def _groups(client: DidwwClient, filters: dict[str, str]) -> Iterator[wire.DidGroupWire]:
    params = {**filters, "include": GROUP_INCLUDE}
    return client.collection("/v3/did_groups", params, wire.did_group)


def _nanp_country(client: DidwwClient, country: wire.Country) -> Iterator[CoverageRecord]:
    by_area: dict[tuple[str, str], list[wire.DidGroupWire]] = {}
    for group in _groups(client, {"filter[country.id]": country.id}):
        if group.type_name and _is_local(group.type_name) and group.region and group.prefix:
            by_area.setdefault((group.region.id, group.prefix), []).append(group)
        elif (record := to_record(group, country)) is not None:
            yield record
    if not by_area:
        return
    matched: set[str] = set()
    # A group's record, made once: its NANPA prefixes only change the id and exchange.
    templates: dict[str, CoverageRecord | None] = {}
    regions = client.collection("/v3/regions", {"filter[country.id]": country.id}, one(wire.region))
    for region in regions:
        prefixes = client.collection(
            "/v3/nanpa_prefixes",
            {"filter[country.id]": country.id, "filter[region.id]": region.id},
            one(wire.nanpa_prefix),
        )
        for prefix in prefixes:
            candidates = by_area.get((region.id, prefix.npa), [])
            if len(candidates) > 1:
                # Several groups share this area code (rate centres): ask DIDWW which one(s).
                chosen = {g.id for g in _groups(client, {"filter[nanpa_prefix.id]": prefix.id})}
                candidates = [g for g in candidates if g.id in chosen]
            for group in candidates:
                if group.id not in templates:
                    templates[group.id] = to_record(group, country)
                template = templates[group.id]
                if template is not None:
                    matched.add(group.id)
                    yield with_nanpa(template, prefix)
    for groups in by_area.values():
        for group in groups:
            if group.id not in matched and (record := to_record(group, country)) is not None:
                yield record


def with_nanpa(record: CoverageRecord, prefix: wire.NanpaPrefix) -> CoverageRecord:
    """The record of one NPA-NXX inside a NANP group (composite id ``<group>:<prefix>``).

    Built field by field: ``dataclasses.replace`` inspects the class on every call, and a NANP
    walk makes a hundred thousand of these."""
    r = record
    return CoverageRecord(
        external_id=f"{r.external_id}{ID_SEPARATOR}{prefix.id}",
        country=r.country,
        number_type=r.number_type,
        features=r.features,
        skus=r.skus,
        region_code=r.region_code,
        region_name=r.region_name,
        city=r.city,
        npa=prefix.npa,
        nxx=prefix.nxx,
        area_prefix=r.area_prefix,
        area_name=r.area_name,
        needs_registration=r.needs_registration,
        # total_count counts the whole group; DIDWW gives no figure per NANPA prefix.
        available_count=None,
        available_numbers=r.available_numbers,
    )


def _is_local(type_name: str) -> bool:
    return type_name.strip().lower() == "local"


def to_number_type(type_name: str | None) -> NumberType | None:
    """DIDWW's type names as ours; None for Global (and unknown) types, which are skipped.

    Global numbers (UIFN/iNum-style, not tied to one country's numbering plan) have no place in a
    per-country catalog, so they are left out rather than passed off as national numbers.
    """
    if not type_name or type_name.strip().lower() == "global":
        return None
    try:
        return number_type(type_name)
    except ValueError:
        return None


def to_record(group: wire.DidGroupWire, country: wire.Country) -> CoverageRecord | None:
    kind = to_number_type(group.type_name)
    if kind is None:
        level = logging.DEBUG if (group.type_name or "").lower() == "global" else logging.WARNING
        logger.log(level, "%s did_group %s: type %r skipped", LABEL, group.id, group.type_name)
        return None
    if not group.skus:
        logger.warning("%s did_group %s: no SKUs, skipped", LABEL, group.id)
        return None
    nanp = country.prefix == NANP_CALLING_CODE
    region = group.region
    region_code = region.iso if region and _ISO_3166_2.match(region.iso) else ""
    skus = tuple(
        Sku(
            external_id=s.id,
            setup_price=s.setup_price,
            monthly_price=s.monthly_price,
            channels=s.channels,
        )
        for s in group.skus
    )
    return CoverageRecord(
        external_id=group.id,
        country=country.iso,
        number_type=kind,
        features=normalize_features(list(group.features)),
        skus=skus,
        region_code=region_code,
        region_name=region.name if region else "",
        city=group.city.name if group.city else "",
        npa=group.prefix if nanp else "",
        area_prefix="" if nanp else group.prefix,
        area_name=group.area_name,
        needs_registration=group.needs_registration,
        available_count=group.total_count,
    )
