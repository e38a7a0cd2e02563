"""A stateful in-process simulator of the DIDWW API v3 (JSON:API), for demos, tests and benches.

Speaks the documented shapes (``/work/shared/providers/didww-v3-buy-flow.txt`` and the provider
README): ``Api-Key`` auth, JSON:API documents and ``errors[]``, ``page[number]``/``page[size]``
with ``links``, ``include`` of DID-group relationships, orders charged at once and completed on a
later poll, back-orders, regulated groups (DIDs ``awaiting_registration``) and signed callbacks
queued in ``state.callbacks_due`` for a deliverer. Pages are capped at 500 rows (DIDWW allows
1000) so clients must follow ``links.next``.

Voice-in trunks and trunk groups, and routing a DID to one of them: ``didww_trunks``.

Sandbox limits: ``available_dids`` needs ``filter[did_group.id]``; there are no DID reservations,
POPs or other resources outside the buy flow and inbound routing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from . import didww_catalog as cat
from . import didww_jsonapi as j
from .didww_account import AccountEndpoints, _match
from .didww_jsonapi import ApiError
from .didww_orders import DidwwState, OrderBook
from .didww_trunks import VoiceIn

_GROUP_INCLUDES = ("country", "region", "city", "did_group_type", "stock_keeping_units")


class DidwwSandbox(AccountEndpoints):
    kind: ClassVar[str] = "didww"

    def __init__(
        self,
        *,
        credentials: Mapping[str, str],
        seed: int = 1,
        scale: int = 1,
        balance: Decimal = Decimal("500.00"),
        fulfil_after_polls: int = 0,
        fulfil_after_seconds: float | None = None,
        backorder_polls: int = 2,
    ) -> None:
        self.api_key = credentials["api_key"]
        self.catalog = cat.Catalog(seed=seed, scale=scale)
        self.state = DidwwState(balance=Decimal(balance))
        self.book = OrderBook(
            self.catalog,
            self.state,
            api_key=self.api_key,
            fulfil_after_polls=fulfil_after_polls,
            fulfil_after_seconds=fulfil_after_seconds,
            backorder_polls=backorder_polls,
        )
        self.voice_in = VoiceIn(self.catalog, self.state)  # voice-in trunks and trunk groups
        self._lock = threading.RLock()

    # --- the sandbox interface -------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def error_response(self, status: int, message: str) -> httpx.Response:
        return j.respond(status, j.error_body(ApiError(status, message)))

    def is_purchase(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.rstrip("/").endswith("/v3/orders")

    # --- what tests ask a simulator (the fault matrix) -------------------------------------

    buys_per_number: ClassVar[bool] = False  # one purchase (order) per order item

    def purchases_for(self, *, reference: str, external_id: str, number_ids: Sequence[str]) -> int:
        """How many purchases were made upstream for one order item of ours."""
        return sum(o.external_reference_id == reference for o in self.state.orders.values())

    def purchases_total(self) -> int:
        return len(self.state.orders)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            try:
                return self._handle(request)
            except ApiError as error:
                return j.respond(error.status, j.error_body(error))

    # --- routing ---------------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Api-Key") != self.api_key:
            raise ApiError(401, "Unauthorized", detail="Api-Key is missing or invalid", code="401")
        accept = request.headers.get("Accept", "")
        if accept and j.MEDIA_TYPE not in accept and "*/*" not in accept:
            raise ApiError(406, "Not Acceptable", detail=f"Accept must be {j.MEDIA_TYPE}")
        path = request.url.path
        marker = path.find("/v3/")
        if marker < 0:
            raise ApiError(404, "Record not found", code="404")
        parts = [p for p in path[marker + 4 :].split("/") if p]
        self.book.advance_timers()
        method = request.method
        name = parts[0] if parts else ""
        rid = parts[1] if len(parts) == 2 else None
        if len(parts) > 2:
            raise ApiError(404, "Record not found", code="404")
        if name in ("voice_in_trunks", "voice_in_trunk_groups"):
            return self.voice_in.handle(request, name, rid)
        if method == "GET":
            handler = self._GETS.get((name, rid is not None))
            if handler is not None:
                return handler(self, request, rid)
        elif method == "POST" and name == "orders" and rid is None:
            return self._create_order(request)
        elif method == "DELETE" and name == "orders" and rid:
            self.book.cancel(self._order(rid))
            return j.respond(204, None)
        elif method == "PATCH" and name == "dids" and rid:
            return self._patch_did(request, rid)
        raise ApiError(404, "Record not found", code="404")

    # --- catalog ---------------------------------------------------------------------------

    def _countries(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("id", "iso", "name", "is_available"))
        j.includes(params, ())
        rows = self.catalog.countries
        if "id" in filters:
            rows = [c for c in rows if c.id == filters["id"]]
        if "iso" in filters:
            rows = [c for c in rows if c.iso == filters["iso"].upper()]
        if "name" in filters:
            rows = [c for c in rows if c.name.lower() == filters["name"].lower()]
        if "is_available" in filters:
            want = filters["is_available"] == "true"
            stocked = {g.country_id for g in self.catalog.groups if self.book.available_count(g)}
            rows = [c for c in rows if (c.id in stocked) == want]
        if params.get("sort") == "-name":
            rows = list(reversed(rows))
        return j.collection(request, params, rows, lambda c, _inc: j.render_country(c))

    def _regions(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("id", "country.id", "name", "iso"))
        j.includes(params, ())
        rows = [
            r
            for r in self.catalog.regions
            if all(
                _match(v, {"id": r.id, "country.id": r.country_id, "name": r.name, "iso": r.iso}[k])
                for k, v in filters.items()
            )
        ]
        return j.collection(request, params, rows, lambda r, _inc: j.render_region(r))

    def _cities(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("id", "country.id", "region.id", "name"))
        j.includes(params, ())
        rows = [
            c
            for c in self.catalog.cities
            if all(
                _match(
                    v,
                    {
                        "id": c.id,
                        "country.id": c.country_id,
                        "region.id": c.region_id or "",
                        "name": c.name,
                    }[k],
                )
                for k, v in filters.items()
            )
        ]
        return j.collection(request, params, rows, lambda c, _inc: j.render_city(c))

    def _nanpa_prefixes(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("country.id", "region.id", "npa", "nxx"))
        j.includes(params, ())
        if "region.id" in filters:
            rows = self.catalog.nanpa_by_region.get(filters["region.id"], [])
        else:
            rows = self.catalog.nanpa_prefixes()
        for key, attr in (("country.id", "country_id"), ("npa", "npa"), ("nxx", "nxx")):
            if key in filters:
                rows = [p for p in rows if getattr(p, attr) == filters[key]]
        return j.collection(request, params, rows, lambda p, _inc: j.render_nanpa(p))

    def _did_group_types(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        _filters, params = j.query(request, ())
        rows = list(self.catalog.group_types.values())
        return j.collection(
            request,
            params,
            rows,
            lambda t, _inc: {"id": t[0], "type": "did_group_types", "attributes": {"name": t[1]}},
        )

    def _did_groups(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(
            request,
            (
                "country.id",
                "region.id",
                "city.id",
                "nanpa_prefix.id",
                "did_group_type.id",
                "prefix",
                "area_name",
                "needs_registration",
                "is_available",
            ),
        )
        inc = j.includes(params, _GROUP_INCLUDES)
        if rid is not None:
            included: dict[tuple[str, str], dict] = {}
            return j.document(self._render_group(self._group(rid), inc, included), included)
        rows = self.catalog.groups
        if "nanpa_prefix.id" in filters:
            prefix = self.catalog.nanpa_by_id.get(filters["nanpa_prefix.id"])
            rows = [self.catalog.group_by_id[prefix.group_id]] if prefix else []
        checks = {k: v for k, v in filters.items() if k != "nanpa_prefix.id"}
        if checks:
            rows = [
                g
                for g in rows
                if all(_match(v, self._group_field(g, k)) for k, v in checks.items())
            ]
        return j.collection(request, params, rows, lambda g, i: self._render_group(g, inc, i))

    def _group_field(self, g: cat.Group, key: str) -> str:
        if key == "needs_registration":
            return str(g.needs_registration).lower()
        if key == "is_available":
            return str(self.book.available_count(g) > 0).lower()
        return {
            "country.id": g.country_id,
            "region.id": g.region_id or "",
            "city.id": g.city_id or "",
            "did_group_type.id": g.type_id,
            "prefix": g.prefix,
            "area_name": g.area_name,
        }[key]

    def _group(self, gid: str) -> cat.Group:
        group = self.catalog.group_by_id.get(gid)
        if group is None:
            raise ApiError(404, "Record not found", code="404")
        return group

    def _render_group(self, g: cat.Group, inc: frozenset[str], included: dict) -> dict[str, Any]:
        count = self.book.available_count(g)
        country = self.catalog.country_by_id[g.country_id]
        type_id, type_name = g.type_id, self.catalog.type_name_by_id[g.type_id]
        relationships = {
            "country": j.rel(
                "did_groups",
                g.id,
                "country",
                j.linkage("countries", g.country_id),
                show="country" in inc,
            ),
            "city": j.rel(
                "did_groups", g.id, "city", j.linkage("cities", g.city_id), show="city" in inc
            ),
            "did_group_type": j.rel(
                "did_groups",
                g.id,
                "did_group_type",
                j.linkage("did_group_types", type_id),
                show="did_group_type" in inc,
            ),
            "region": j.rel(
                "did_groups",
                g.id,
                "region",
                j.linkage("regions", g.region_id),
                show="region" in inc,
            ),
            "stock_keeping_units": j.rel(
                "did_groups",
                g.id,
                "stock_keeping_units",
                [{"type": "stock_keeping_units", "id": s.id} for s in g.skus],
                show="stock_keeping_units" in inc,
            ),
            "requirement": j.rel("did_groups", g.id, "requirement"),
        }
        if "country" in inc:
            included[("countries", country.id)] = j.render_country(country)
        if "did_group_type" in inc:
            included[("did_group_types", type_id)] = {
                "id": type_id,
                "type": "did_group_types",
                "attributes": {"name": type_name},
            }
        if "region" in inc and g.region_id:
            region = self.catalog.region_by_id[g.region_id]
            included[("regions", region.id)] = j.render_region(region)
        if "city" in inc and g.city_id:
            city = self.catalog.city_by_id[g.city_id]
            included[("cities", city.id)] = j.render_city(city)
        if "stock_keeping_units" in inc:
            for s in g.skus:
                included[("stock_keeping_units", s.id)] = j.render_sku(s)
        return {
            "id": g.id,
            "type": "did_groups",
            "attributes": {
                "prefix": g.prefix,
                "features": list(g.features),
                "is_metered": False,
                "area_name": g.area_name,
                "allow_additional_channels": True,
                "service_restrictions": None,
            },
            "relationships": relationships,
            "meta": {
                "available_dids_enabled": g.available_dids_enabled,
                "needs_registration": g.needs_registration,
                "is_available": count > 0,
                "total_count": count,
            },
        }

    def _available_dids(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("did_group.id", "nanpa_prefix.id", "number_contains"))
        j.includes(params, ())
        if rid is not None:
            found = self.state.available_ids.get(rid)
            if found is None or found[1] in self.state.taken:
                raise ApiError(404, "Record not found", code="404")
            return j.document(_render_available(rid, found[0], found[1]))
        if "did_group.id" not in filters:
            raise ApiError(400, "filter[did_group.id] is required in the sandbox", code="102")
        group = self.catalog.group_by_id.get(filters["did_group.id"])
        rows: list[tuple[str, str]] = []
        total: int | None = None
        if group is not None and group.available_dids_enabled:
            pools = group.pools
            if "nanpa_prefix.id" in filters:
                prefix = self.catalog.nanpa_by_id.get(filters["nanpa_prefix.id"])
                pools = [prefix.pool] if prefix and prefix.group_id == group.id else []
            contains = filters.get("number_contains")
            if contains is None and pools is group.pools:
                # Draw numbers only for the pools this page reaches (a NANP group has hundreds).
                number, _asked, served = j.page_bounds(params)
                total = self.book.available_count(group)
                for pool in pools:
                    if len(rows) >= number * served:
                        break
                    rows += [(group.id, n) for n in self.book.in_stock(pool)]
            else:
                for pool in pools:
                    rows += [(group.id, n) for n in self.book.in_stock(pool)]
                rows = [r for r in rows if contains is None or contains in r[1]]
        return j.collection(
            request,
            params,
            rows,
            lambda r, _inc: _render_available(self.book.available_id(*r), r[0], r[1]),
            total=total,
        )

    # --- account ---------------------------------------------------------------------------

    _GETS: ClassVar[dict[tuple[str, bool], Any]] = {
        ("countries", False): _countries,
        ("regions", False): _regions,
        ("cities", False): _cities,
        ("nanpa_prefixes", False): _nanpa_prefixes,
        ("did_group_types", False): _did_group_types,
        ("did_groups", False): _did_groups,
        ("did_groups", True): _did_groups,
        ("available_dids", False): _available_dids,
        ("available_dids", True): _available_dids,
        ("orders", False): AccountEndpoints._orders,
        ("orders", True): AccountEndpoints._orders,
        ("dids", False): AccountEndpoints._dids,
        ("dids", True): AccountEndpoints._dids,
        ("balance", False): AccountEndpoints._balance,
    }


def _render_available(did_id: str, group_id: str, number: str) -> dict[str, Any]:
    return {
        "id": did_id,
        "type": "available_dids",
        "attributes": {"number": number},
        "relationships": {
            "did_group": j.rel("available_dids", did_id, "did_group"),
            "nanpa_prefix": j.rel("available_dids", did_id, "nanpa_prefix"),
        },
    }
