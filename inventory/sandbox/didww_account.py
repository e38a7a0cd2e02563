"""The DIDWW simulator's account endpoints: balance, orders, owned DIDs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from . import didww_jsonapi as j
from .didww_jsonapi import ApiError
from .didww_orders import DidRecord, OrderRecord
from .held import HeldNumber

if TYPE_CHECKING:
    from . import didww_catalog as cat
    from .didww_orders import DidwwState, OrderBook
    from .didww_trunks import VoiceIn


class AccountEndpoints:
    """Mixed into ``DidwwSandbox``, which provides the catalog, state, order book and renderers."""

    catalog: cat.Catalog
    state: DidwwState
    book: OrderBook
    voice_in: VoiceIn

    def _title_case(self, request: httpx.Request) -> bool:
        # 2022-05-10 writes "Pending"; newer API versions write "pending".
        return request.headers.get("X-DIDWW-API-Version") == j.API_VERSION

    def _render_group(
        self, g: cat.Group, inc: frozenset[str], included: dict
    ) -> dict[str, Any]:  # pragma: no cover - provided by DidwwSandbox
        raise NotImplementedError

    def _balance(self, request: httpx.Request, _rid: str | None) -> httpx.Response:
        s = self.state
        return j.document(
            {
                "id": self.catalog.uid("balance"),
                "type": "balances",
                "attributes": {
                    "balance": f"{s.balance:.2f}",
                    "credit": f"{s.credit:.2f}",
                    "total_balance": f"{s.balance + s.credit:.2f}",
                },
            }
        )

    def _order(self, oid: str) -> OrderRecord:
        order = self.state.orders.get(oid)
        if order is None:
            raise ApiError(404, "Record not found", code="404")
        return order

    def _orders(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("external_reference_id", "status", "reference"))
        j.includes(params, ())
        title = self._title_case(request)
        if rid is not None:
            order = self._order(rid)
            self.book.poll(order)
            return j.document(self._render_order(order, title))
        rows = list(self.state.orders.values())
        for key, value in filters.items():
            rows = [o for o in rows if _match(value, str(getattr(o, key)))]
        for order in rows:
            self.book.poll(order)
        return j.collection(request, params, rows, lambda o, _i: self._render_order(o, title))

    def _create_order(self, request: httpx.Request) -> httpx.Response:
        data = _body(request, "orders")
        attrs = data.get("attributes")
        if not isinstance(attrs, dict):
            raise ApiError(400, "data.attributes is missing", code="100")
        order = self.book.place(attrs)
        return j.respond(
            201,
            {
                "data": self._render_order(order, self._title_case(request)),
                "meta": {"api_version": j.API_VERSION},
            },
        )

    def _render_order(self, o: OrderRecord, title: bool) -> dict[str, Any]:
        items = [
            {
                "type": "did_order_items",
                "attributes": {
                    "qty": it.qty,
                    "nrc": str(it.sku.setup_price),
                    "mrc": str(it.sku.monthly_price),
                    "prorated_mrc": False,
                    "billed_from": None,
                    "billed_to": None,
                    "setup_price": str(it.sku.setup_price),
                    "monthly_price": str(it.sku.monthly_price),
                    "did_group_id": it.group_id,
                },
            }
            for it in o.items
        ]
        return {
            "id": o.id,
            "type": "orders",
            "attributes": {
                "amount": str(o.amount),
                "status": o.status.capitalize() if title else o.status,
                "created_at": o.created_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
                "description": "DID",
                "reference": o.reference,
                "items": items,
                "callback_method": o.callback_method,
                "callback_url": o.callback_url,
                "external_reference_id": o.external_reference_id or None,
            },
        }

    def _dids(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(
            request,
            (
                "number",
                "order.id",
                "did_group.id",
                "terminated",
                "blocked",
                "awaiting_registration",
            ),
        )
        inc = j.includes(params, ("did_group", "order", *_TRUNK_RELATIONS))
        title = self._title_case(request)
        if rid is not None:
            included: dict[tuple[str, str], dict] = {}
            return j.document(self._render_did(self._did(rid), inc, included, title), included)
        rows = list(self.state.dids.values())
        fields = {
            "number": "number",
            "order.id": "order_id",
            "did_group.id": "group_id",
            "terminated": "terminated",
            "blocked": "blocked",
            "awaiting_registration": "awaiting_registration",
        }
        for key, value in filters.items():
            rows = [d for d in rows if _match(value, _text(getattr(d, fields[key])))]
        return j.collection(request, params, rows, lambda d, i: self._render_did(d, inc, i, title))

    def _did(self, did_id: str) -> DidRecord:
        did = self.state.dids.get(did_id)
        if did is None:
            raise ApiError(404, "Record not found", code="404")
        return did

    def _render_did(
        self, d: DidRecord, inc: frozenset[str], included: dict, title: bool
    ) -> dict[str, Any]:
        if "did_group" in inc:
            included[("did_groups", d.group_id)] = self._render_group(
                self.catalog.group_by_id[d.group_id], frozenset(), {}
            )
        if "order" in inc and d.order_id in self.state.orders:  # an adopted DID has none here
            included[("orders", d.order_id)] = self._render_order(
                self.state.orders[d.order_id], title
            )
        for name, rtype in _TRUNK_RELATIONS.items():
            rid = getattr(d, f"{name}_id")
            if name in inc and rid:
                included[(rtype, rid)] = self.voice_in.render(rtype, rid) or {
                    "id": rid,
                    "type": rtype,
                    "attributes": {"name": rid},
                }
        return {
            "id": d.id,
            "type": "dids",
            "attributes": {
                "blocked": d.blocked,
                "capacity_limit": None,
                "description": d.description,
                "terminated": d.terminated,
                "awaiting_registration": d.awaiting_registration,
                "created_at": d.created_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
                "number": d.number,
                "expires_at": d.expires_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
                "channels_included_count": d.channels,
                "dedicated_channels_count": 0,
                "billing_cycles_count": d.billing_cycles_count,
            },
            "relationships": {
                "did_group": j.rel(
                    "dids",
                    d.id,
                    "did_group",
                    j.linkage("did_groups", d.group_id),
                    show="did_group" in inc,
                ),
                "order": j.rel(
                    "dids", d.id, "order", j.linkage("orders", d.order_id), show="order" in inc
                ),
                **{
                    name: j.rel(
                        "dids",
                        d.id,
                        name,
                        j.linkage(rtype, getattr(d, f"{name}_id")),
                        show=name in inc,
                    )
                    for name, rtype in _TRUNK_RELATIONS.items()
                },
            },
        }

    def adopt(self, held: HeldNumber) -> bool:
        """Hold ``held`` as a DID bought earlier (see ``held``); False if already held."""
        digits = held.digits
        if any(d.number == digits and not d.terminated for d in self.state.dids.values()):
            return False
        now = datetime.now(UTC).replace(microsecond=0)
        did_id = held.number_id or f"did-held-{digits}"
        self.state.dids[did_id] = DidRecord(
            id=did_id, number=digits, group_id=self._group_holding(held).id,
            order_id=f"order-held-{digits}", channels=2, awaiting_registration=False,
            created_at=held.created_at or now,
            expires_at=held.expires_at or now + timedelta(days=30),
            # A suspension stops the renewal (and unroutes: a held number starts unrouted).
            billing_cycles_count=0 if held.suspended else None,
        )  # fmt: skip
        self.state.taken.add(digits)
        made = held.made
        if made and held.targets:
            # The trunks its route made, under their ids; a suspended number rings none of
            # them (its suspension's snapshot names them for the restore).
            self.voice_in.plant_route(made, held.targets)
            if not held.suspended:
                did = self.state.dids[did_id]
                did.voice_in_trunk_id = made.get("voice_in_trunk_id") or None
                did.voice_in_trunk_group_id = made.get("voice_in_trunk_group_id") or None
        return True

    def _group_holding(self, held: HeldNumber) -> cat.Group:
        """The given group, else the country's group whose prefix (and pool) the number fits,
        of its type where known, else any group of the country."""
        # Our catalog splits a NANP group per exchange: "<group id>:<NANPA prefix id>".
        given = self.catalog.group_by_id.get(held.group_id.split(":")[0])
        if given is not None:
            return given
        iso, _code, national = held.parts()
        countries = {c.id for c in self.catalog.countries if c.iso == iso}
        ranked = []
        for g in self.catalog.groups:
            if g.country_id not in countries:
                continue
            fits = national.startswith(g.prefix)
            pooled = any(national.startswith(p.prefix) for p in g.pools)
            typed = not held.number_type or g.type_key == held.number_type
            ranked.append(((typed and fits, pooled and typed, fits, len(g.prefix)), g))
        if not ranked:
            raise ValueError(f"the DIDWW simulator sells nothing like {held.number}")
        return max(ranked, key=lambda pair: pair[0])[1]

    def _patch_routing(self, did: DidRecord, data: dict[str, Any]) -> None:
        """``relationships.voice_in_trunk`` / ``voice_in_trunk_group``: a linkage or null."""
        relationships = data.get("relationships") or {}
        if not isinstance(relationships, dict):
            raise ApiError(400, "data.relationships is not an object", code="100")
        for name, value in relationships.items():
            if name not in _TRUNK_RELATIONS:
                raise ApiError(403, f"{name} can not be changed", code="100")
            linkage = value.get("data", ...) if isinstance(value, dict) else ...
            if linkage is None:
                setattr(did, f"{name}_id", None)
                continue
            rtype = _TRUNK_RELATIONS[name]
            if (
                not isinstance(linkage, dict)
                or linkage.get("type") != rtype
                or not isinstance(linkage.get("id"), str)
                or not self.voice_in.exists(rtype, linkage["id"])
            ):
                # As DIDWW answers an unknown trunk (group): 422, pointing at the id attribute.
                raise ApiError(
                    422,
                    "is invalid",
                    detail=f"{name} - is invalid",
                    code="100",
                    pointer=f"/data/attributes/{name}_id",
                )
            # One route at a time: assigning a trunk unassigns the group, and the reverse.
            did.voice_in_trunk_id = did.voice_in_trunk_group_id = None
            setattr(did, f"{name}_id", linkage["id"])

    def _patch_did(self, request: httpx.Request, did_id: str) -> httpx.Response:
        did = self._did(did_id)
        data = _body(request, "dids")
        if data.get("id") != did_id:
            raise ApiError(409, "data.id does not match the URL", code="100")
        attrs = data.get("attributes") or {}
        if not isinstance(attrs, dict):
            raise ApiError(400, "data.attributes is not an object", code="100")
        for name, kinds in (("terminated", bool), ("blocked", bool)):
            if name in attrs and not isinstance(attrs[name], kinds):
                raise ApiError(
                    422, f"{name} - is invalid", code="100", pointer=f"/data/attributes/{name}"
                )
        self._patch_routing(did, data)
        if "terminated" in attrs:
            did.terminated = attrs["terminated"]
        if "billing_cycles_count" in attrs:
            cycles = attrs["billing_cycles_count"]
            if cycles is not None and (isinstance(cycles, bool) or not isinstance(cycles, int)):
                raise ApiError(
                    422,
                    "billing_cycles_count - is invalid",
                    code="100",
                    pointer="/data/attributes/billing_cycles_count",
                )
            did.billing_cycles_count = cycles
        if "description" in attrs:
            did.description = attrs["description"]
        return j.document(self._render_did(did, frozenset(), {}, self._title_case(request)))


_TRUNK_RELATIONS = {
    "voice_in_trunk": "voice_in_trunks",
    "voice_in_trunk_group": "voice_in_trunk_groups",
}


def _match(wanted: str, actual: str) -> bool:
    return wanted.lower() == actual.lower()


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _body(request: httpx.Request, rtype: str) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    if content_type != j.MEDIA_TYPE:
        raise ApiError(415, "Unsupported Media Type", detail=f"Content-Type must be {j.MEDIA_TYPE}")
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        raise ApiError(400, "Invalid JSON in request body", code="100") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ApiError(400, "data is missing", code="100")
    if data.get("type") != rtype:
        raise ApiError(409, f"data.type must be {rtype}", code="100")
    return data
