"""A stateful in-process simulator of the IDT Express DID API v1, for demos, tests and benches.

Speaks the documented shapes (``/work/shared/providers/idtexpress-api-v1.txt`` and the provider
README): ``x-api-key`` + ``x-api-secret`` auth (403, code 2000, when wrong), the error object with
the document's codes, unpaged coverage lists with ``meta.total``, ``page``/``page_size`` on Get
Orders and Get Numbers (capped at ``max_page_size`` rows), ``preview`` orders that validate and
spend nothing, one order item of at most 100 numbers, and orders processed later with the item
statuses of the document (see ``idtexpress_orders``), numbers as ``011`` + country code + number.

Sandbox limits: no regulated groups (the document has none), no order cancelation (the document
says the API cannot cancel yet), balance only through ``state.balance`` (there is no endpoint).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from . import idtexpress_catalog as cat
from . import idtexpress_render as r
from .held import HeldNumber
from .idtexpress_orders import IdtState, NumberRecord, OrderBook
from .idtexpress_render import ApiError

API_ROOT = "/v1/dids/"
MAX_QUANTITY = 100
_TRUE = {"true": True, "1": True, "false": False, "0": False}


class IdtExpressSandbox:
    kind: ClassVar[str] = "idtexpress"

    def __init__(
        self,
        *,
        credentials: Mapping[str, str],
        seed: int = 1,
        scale: int = 1,
        balance: Decimal = Decimal("500.00"),
        fulfil_after_polls: int = 0,
        fulfil_after_seconds: float | None = None,
        backorder_polls: int | None = 2,
        max_page_size: int = 100,
        currency: str = "USD",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.api_key = credentials["api_key"]
        self.api_secret = credentials["api_secret"]
        self.seed = seed
        self.currency = currency
        self.max_page_size = max(1, max_page_size)
        self.catalog = cat.Catalog(seed=seed, scale=scale)
        self.state = IdtState(balance=Decimal(balance))
        self.book = OrderBook(
            self.catalog,
            self.state,
            fulfil_after_polls=fulfil_after_polls,
            fulfil_after_seconds=fulfil_after_seconds,
            backorder_polls=backorder_polls,
            clock=clock,
        )
        self._lock = threading.RLock()

    # --- the sandbox interface -------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def error_response(self, status: int, message: str) -> httpx.Response:
        code = {401: 2000, 403: 2000, 404: 1003, 429: 2002}.get(status, 1000)
        title = message if status >= 500 else None
        with self._lock:
            return r.respond(status, r.error_body(ApiError(status, code, message, title=title),
                                                  self._request_id()))  # fmt: skip

    def is_purchase(self, request: httpx.Request) -> bool:
        """Create Order without ``preview: true`` (a preview spends nothing)."""
        if request.method != "POST" or not request.url.path.rstrip("/").endswith("/v1/dids/orders"):
            return False
        try:
            body = json.loads(request.read() or b"{}")
        except ValueError:
            return True  # refused anyway, but treat an unreadable order as money at stake
        return not (isinstance(body, dict) and body.get("preview") is True)

    # --- what tests ask a simulator (the fault matrix) -------------------------------------

    buys_per_number: ClassVar[bool] = False  # one order per order item

    def purchases_for(self, *, reference: str, external_id: str, number_ids: Sequence[str]) -> int:
        """How many purchases were made upstream for one order item of ours: IDT keeps no
        reference of ours, so the order the item points at, once."""
        return sum(o.id == external_id for o in self.state.orders.values())

    def purchases_total(self) -> int:
        return len(self.state.orders)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            try:
                return self._handle(request)
            except ApiError as error:
                return r.respond(error.status, r.error_body(error, self._request_id()))

    def set_stock(self, group_id: int, count: int) -> None:
        """How many numbers a group has on hand (tests: partial fulfilment, back-orders)."""
        with self._lock:
            self.book.set_stock(group_id, count)

    # --- routing ---------------------------------------------------------------------------

    def _request_id(self) -> str:
        self.state.requests += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"idt-sandbox:{self.seed}:{self.state.requests}"))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if (
            request.headers.get("x-api-key") != self.api_key
            or request.headers.get("x-api-secret") != self.api_secret
        ):
            raise ApiError(
                403,
                2000,
                "Access is Denied. You may no longer have access to the API or have incorrect "
                "credentials set. Reach out to your account manager",
            )
        path = request.url.path
        marker = path.find(API_ROOT)
        parts = [p for p in path[marker + len(API_ROOT) :].split("/") if p] if marker >= 0 else []
        self.book.advance_timers()
        match (request.method, parts):
            case ("GET", ["coverage", "countries"]):
                return self._countries()
            case ("GET", ["coverage", "countries", iso, "regions"]):
                return self._regions(iso)
            case ("GET", ["coverage", "did_groups"]):
                return self._did_groups(request)
            case ("POST", ["orders"]):
                return self._create_order(request)
            case ("GET", ["orders"]):
                return self._orders(request)
            case ("GET", ["orders", order_id]):
                return self._order(order_id)
            case ("GET", ["numbers"]):
                return self._numbers(request)
            case ("DELETE", ["numbers", number]):
                return self._delete_number(number)
        raise ApiError(404, 1003, f"The endpoint {request.method} {path} does not exist")

    # --- coverage --------------------------------------------------------------------------

    def _countries(self) -> httpx.Response:
        rows = [r.country(row) for row in self.catalog.countries]
        return r.respond(200, {"countries": rows, "meta": {"total": len(rows)}})

    def _country(self, iso: str) -> cat.CountryRow:
        row = self.catalog.country(iso)
        if row is None:
            raise ApiError(422, 4003, f"Country {iso} is not offered", field="country_iso")
        return row

    def _regions(self, iso: str) -> httpx.Response:
        row = self._country(iso)
        rows = [{"name": name, "code": code} for code, name in self.catalog.regions(row.iso)]
        return r.respond(200, {"regions": rows, "meta": {"total": len(rows)}})

    def _did_groups(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        iso = params.get("country_iso", "").strip()
        if not iso:
            raise ApiError(422, 1001, "country_iso is required", field="country_iso")
        row = self._country(iso)
        toll_free = _flag(params.get("toll_free", "false"), "toll_free")
        region_code = params.get("region_code", "").strip() or None
        if toll_free:
            if region_code:
                raise ApiError(
                    422, 1002, "Do not include region_code when browsing Toll-Free numbers",
                    field="region_code",
                )  # fmt: skip
            if not row.supports_toll_free:
                raise ApiError(422, 4000, f"Toll-Free numbers are not offered in {row.iso}",
                               field="toll_free")  # fmt: skip
        elif row.has_regions and not region_code:
            raise ApiError(422, 1001, f"region_code is required for {row.iso}", field="region_code")
        elif region_code and region_code.upper() not in {
            code for code, _ in self.catalog.regions(row.iso)
        }:
            raise ApiError(422, 4002, f"Region {region_code} is not offered", field="region_code")
        groups = self.catalog.browse(
            row.iso, region_code=region_code.upper() if region_code else None, toll_free=toll_free
        )
        rows = [r.group(self.catalog, g) for g in groups]
        return r.respond(200, {"did_groups": rows, "meta": {"total": len(rows)}})

    # --- orders ----------------------------------------------------------------------------

    def _create_order(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.read() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(422, 1000, "The request body must be a JSON object", source="/")
        preview = body.get("preview", False)
        if not isinstance(preview, bool):
            raise ApiError(422, 1002, "preview must be true or false", field="preview",
                           source="/preview")  # fmt: skip
        items = body.get("order_items")
        if not isinstance(items, list) or not items:
            raise ApiError(422, 1001, "An order needs 1 order item", field="order_items",
                           source="/order_items")  # fmt: skip
        if len(items) > 1:
            raise ApiError(422, 1002, "Only 1 order item is supported per order",
                           field="order_items", source="/order_items")  # fmt: skip
        item = items[0]
        if not isinstance(item, dict):
            raise ApiError(422, 1002, "An order item must be an object", field="order_items",
                           source="/order_items/0")  # fmt: skip
        group_id = _whole(item, "did_group_id")
        quantity = _whole(item, "quantity")
        if quantity < 1:
            raise ApiError(422, 1002, "Quantity must be greater than 0", field="quantity",
                           source="/order_items/0/quantity")  # fmt: skip
        if quantity > MAX_QUANTITY:
            raise ApiError(422, 1002, f"Quantity must be less than or equal to {MAX_QUANTITY}",
                           field="quantity", source="/order_items/0/quantity")  # fmt: skip
        group = self.catalog.group(group_id)
        if group is None:
            raise ApiError(422, 4004, f"DID Group {group_id} is not offered",
                           field="did_group_id", source="/order_items/0/did_group_id")  # fmt: skip
        cost = self.book.cost(group, quantity)
        if cost > self.state.balance:
            raise ApiError(
                422, 3001,
                f"Insufficient Funds (cost: {cost:.2f}, account balance: {self.state.balance:.2f})",
                source="/",
            )  # fmt: skip
        if preview:
            return r.respond(200, r.preview(self.catalog, group, quantity, self.book.clock()))
        order = self.book.create(group, quantity)
        return r.respond(200, r.order(self.catalog, order))

    def _orders(self, request: httpx.Request) -> httpx.Response:
        page, size = self._paging(request)
        wanted = request.url.params.get("filter_by_status", "").strip().lower()
        rows = [
            o for o in reversed(self.state.orders.values())  # newest first, as in the example
            if not wanted or o.status.lower() == wanted
        ]  # fmt: skip
        chunk = rows[(page - 1) * size : page * size]
        return r.respond(200, {
            "orders": [r.order_summary(o, self.currency) for o in chunk],
            "meta": {"page": page, "page_size": size, "total": len(rows)},
        })  # fmt: skip

    def _order(self, order_id: str) -> httpx.Response:
        order = self.state.orders.get(order_id)
        if order is None:
            raise ApiError(404, 1003, f"Order {order_id} was not found")
        self.book.poll(order)
        return r.respond(200, r.order(self.catalog, order))

    # --- numbers ---------------------------------------------------------------------------

    def _numbers(self, request: httpx.Request) -> httpx.Response:
        page, size = self._paging(request)
        records = list(self.state.numbers.values())
        chunk = records[(page - 1) * size : page * size]
        return r.respond(200, {
            "numbers": [r.number(self.catalog, n) for n in chunk],
            "meta": {"page": page, "page_size": size, "total": len(records)},
        })  # fmt: skip

    def _delete_number(self, number: str) -> httpx.Response:
        record = self.book.release(number)
        if record is None:
            raise ApiError(404, 4001, f"Number {number} was not found on the account",
                           field="number")  # fmt: skip
        return r.respond(200, {"number": record.number, "status": "removed"})

    def adopt(self, held: HeldNumber) -> bool:
        """Hold ``held`` as a number bought earlier (see ``held``); False if already held. IDT
        has no routing API, so a suspension changes nothing here."""
        idt = "011" + held.digits
        kept = self.state.numbers.get(idt)
        if kept is not None and kept.status == "active":
            return False
        added = held.created_at or datetime.now(UTC)
        self.state.numbers[idt] = NumberRecord(idt, self._group_holding(held), added)
        return True

    def _group_holding(self, held: HeldNumber) -> cat.Group:
        """The given group, else the longest-prefix group of the number's country and kind."""
        given = self.catalog.group(int(held.group_id)) if held.group_id.isdigit() else None
        if given is not None:
            return given
        iso, code, national = held.parts()
        toll_free = held.number_type == "toll_free"
        ranked = [
            ((g.toll_free == toll_free, national.startswith(g.prefix), len(g.prefix)), g)
            for g in (self.catalog.groups(iso) if iso else [])
            if g.calling_code == code
        ]
        if not ranked:
            raise ValueError(f"the IDT Express simulator sells nothing like {held.number}")
        return max(ranked, key=lambda pair: pair[0])[1]

    def _paging(self, request: httpx.Request) -> tuple[int, int]:
        params = request.url.params
        values = []
        for name, default in (("page", 1), ("page_size", 100)):
            text = params.get(name, str(default)).strip()
            if not text.isdigit() or int(text) < 1:
                raise ApiError(422, 1002, f"{name} must be a positive integer", field=name)
            values.append(int(text))
        return values[0], min(values[1], self.max_page_size)


def _flag(text: str, name: str) -> bool:
    value = _TRUE.get(text.strip().lower())
    if value is None:
        raise ApiError(422, 1002, f"{name} must be true or false", field=name)
    return value


def _whole(item: Mapping[str, Any], name: str) -> int:
    value = item.get(name)
    source = f"/order_items/0/{name}"
    if value is None:
        raise ApiError(422, 1001, f"{name} is required", field=name, source=source)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, 1002, f"{name} must be an integer", field=name, source=source)
    return value
