"""DIDfarm simulator: the Connect API (``/api/v1``) as the guide documents it, in memory.

Search with ``country``/``type``/``city`` (the older ``country_code``/``number_type`` too), pages of
``limit`` (max 100) with ``meta.total``; an atomic wallet checkout of exact numbers (422
``insufficient_balance`` leaves the wallet untouched); owned numbers that stay ``provisioning``
until the order's first status poll (``GET /numbers``) after ``fulfil_after_polls`` polls (or
``fulfil_after_seconds``); routing to SIP trunks, trunk credentials, SMS charged per segment,
wallet transactions linking back to orders (with the checkout ``metadata`` echoed), and signed
webhooks queued in ``state.webhooks_due``.

Not documented anywhere and chosen here: ``GET /numbers`` records, ``DELETE /numbers/{id}`` to
release, the checkout answer beyond ``order_id``/``items[].did_number_id``/``requires_regulatory``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import phonenumbers

from . import didfarm_catalog as catalog
from .didfarm_catalog import Offer, Stock
from .didfarm_messages import MessageHandlers
from .didfarm_portal import PortalHandlers
from .didfarm_state import (
    CYCLE_MONTHS,
    Did,
    DidfarmState,
    Order,
    error,
    invalid,
    now,
    ok,
    ok_json,
    page_of,
    page_params,
    page_text,
)
from .faults import DirectTransport, simulator_lock
from .held import HeldNumber

_ROUTE_PREFIXES = ("/api/v1", "/v1")  # Connect base path; the older api.didfarm.com/v1 too
_PURCHASES = frozenset({"/wallet/checkout", "/messages/send"})


class DidfarmSandbox(MessageHandlers, PortalHandlers):
    kind: ClassVar[str] = "didfarm"
    base_path: ClassVar[str] = "/api/v1"

    def __init__(
        self,
        *,
        credentials: Mapping[str, str],
        seed: int = 1,
        scale: int = 1,
        balance: Decimal = Decimal("500.00"),
        fulfil_after_polls: int = 0,
        fulfil_after_seconds: float | None = None,
    ) -> None:
        if not credentials.get("api_key"):
            raise ValueError("the DIDfarm sandbox needs credentials['api_key']")
        self.api_key = credentials["api_key"]
        self.read_only_key = credentials.get("read_only_api_key", "")  # keys can be read-only
        self.webhook_secret = credentials.get("webhook_secret", "whsec_sandbox")
        self.seed, self.scale = seed, max(1, scale)
        self.fulfil_after_polls = fulfil_after_polls
        self.fulfil_after_seconds = fulfil_after_seconds
        self.state = DidfarmState(balance_cents=0)
        self.state.record_transaction(
            amount=int(balance * 100),
            description="Wallet top-up",
            reference_type="payment",
            reference_id=None,
        )
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., httpx.Response]]] = [
            ("GET", re.compile(r"/numbers/search"), self._search),
            ("POST", re.compile(r"/wallet/checkout"), self._checkout),
            ("GET", re.compile(r"/wallet/balance"), self._balance),
            ("GET", re.compile(r"/wallet/transactions"), self._transactions),
            ("GET", re.compile(r"/numbers"), self._numbers),
            ("DELETE", re.compile(r"/numbers/([^/]+)"), self._release),
            ("POST", re.compile(r"/portal/did-routing"), self._route),
            ("GET", re.compile(r"/portal/sip-trunks"), self._list_trunks),
            ("POST", re.compile(r"/portal/sip-trunks"), self._create_trunk),
            (
                "POST",
                re.compile(r"/portal/sip-trunks/([^/]+)/regenerate-credentials"),
                self._regenerate,
            ),
            ("POST", re.compile(r"/messages/send"), self._send_message),
        ]
        self._routes += self._message_routes()  # inbound texts (didfarm_messages.py)

    # --- the sandbox interface --------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        return DirectTransport(self)  # the lock shared with FaultyTransport and the server

    def error_response(self, status: int, message: str) -> httpx.Response:
        return error(status, message)

    def is_purchase(self, request: httpx.Request) -> bool:
        return request.method == "POST" and self._path(request.url.path) in _PURCHASES

    # --- what tests ask a simulator (the fault matrix) -------------------------------------

    buys_per_number: ClassVar[bool] = False  # one checkout per order item

    def purchases_for(self, *, reference: str, external_id: str, number_ids: Sequence[str]) -> int:
        """How many purchases were made upstream for one order item of ours."""
        return sum(reference in map(str, o.metadata.values()) for o in self.state.orders.values())

    def purchases_total(self) -> int:
        return len(self.state.orders)

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with simulator_lock(self):
            return self._handle(request)

    # --- dispatch ---------------------------------------------------------------------------

    @staticmethod
    def _path(raw: str) -> str | None:
        for prefix in _ROUTE_PREFIXES:
            if raw.startswith(prefix + "/"):
                return raw[len(prefix) :].rstrip("/") or "/"
        return None

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = self._path(request.url.path)
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not token or token not in (self.api_key, self.read_only_key):
            return error(401, "Invalid or missing API key.")
        if path is None:
            return error(404, "Resource not found.")
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            allowed = True
            if method != request.method:
                continue
            if method != "GET" and token != self.api_key:
                return error(403, "This API key is read-only.")
            if method == "POST":
                try:
                    body = json.loads(request.content or b"{}")
                except ValueError:
                    return error(400, "The request body is not valid JSON.")
                if not isinstance(body, dict):
                    return error(400, "The request body must be a JSON object.")
                return handler(body, *match.groups())
            return handler(request.url.params, *match.groups())
        if allowed:
            return error(405, f"The {request.method} method is not supported for this route.")
        return error(404, "Resource not found.")

    # --- inventory --------------------------------------------------------------------------

    def stock(self, country: str, kind: str) -> Stock:
        key = (country, kind)
        stock = self.state.stock.get(key)
        if stock is None:
            offers = catalog.generate(seed=self.seed, scale=self.scale, country=country, kind=kind)
            stock = Stock([o for o in offers if o.number not in self.state.taken])
            self.state.stock[key] = stock
        return stock

    def _search(self, params: httpx.QueryParams) -> httpx.Response:
        country = (params.get("country") or params.get("country_code") or "").strip().upper()
        kind = (params.get("type") or params.get("number_type") or "").strip().lower()
        if not country:
            return invalid("The country field is required.")
        if len(country) != 2 or not country.isalpha():
            return invalid("The country must be a valid ISO 3166-1 alpha-2 code.")
        if not kind:
            return invalid("The type field is required.")
        if kind not in catalog.NUMBER_TYPES:
            return invalid("The selected type is invalid.")
        paging = page_params(params, default=20)
        if isinstance(paging, httpx.Response):
            return paging
        stock = self.stock(country, kind)
        city = (params.get("city") or "").strip()
        offers = stock.in_city(city) if city else stock.offers
        return ok_json(page_text(offers, *paging, Offer.json_text))

    def _find_offer(self, number: str, country: str, kind: str) -> Offer | None:
        if not country:
            country = phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or ""
        kinds = [kind] if kind else list(catalog.number_types(country))
        for each in kinds:
            offer = self.stock(country, each).by_number.get(number)
            if offer is not None:
                return offer
        return None

    # --- wallet -----------------------------------------------------------------------------

    def _balance(self, params: httpx.QueryParams) -> httpx.Response:
        return ok({"balance": str(self.state.balance), "currency": "EUR"})

    def _transactions(self, params: httpx.QueryParams) -> httpx.Response:
        paging = page_params(params, default=20)
        if isinstance(paging, httpx.Response):
            return paging
        newest_first = self.state.transactions[::-1]
        return ok(page_of(newest_first, *paging, dict))

    def _checkout(self, body: dict[str, Any]) -> httpx.Response:
        items = body.get("items")
        if not isinstance(items, list) or not items:
            return invalid("The items field is required.")
        metadata = body.get("metadata", {})
        if not isinstance(metadata, dict):
            return invalid("The metadata must be an object.")
        picked: list[tuple[Offer, str]] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("number"), str):
                return invalid(f"The items.{index}.number field is required.")
            try:
                parsed = phonenumbers.parse(item["number"], None)
            except phonenumbers.NumberParseException:
                return invalid(f"The items.{index}.number must be an E.164 number.")
            number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if number in seen:
                return invalid(f"The items.{index}.number field has a duplicate value.")
            seen.add(number)
            cycle = item.get("billing_cycle", "monthly")
            if cycle not in CYCLE_MONTHS:
                return invalid(f"The selected items.{index}.billing_cycle is invalid.")
            country = str(item.get("country") or "").upper()
            kind = str(item.get("type") or "").lower()
            if kind and kind not in catalog.NUMBER_TYPES:
                return invalid(f"The selected items.{index}.type is invalid.")
            offer = self._find_offer(number, country, kind)
            if offer is None:
                return invalid(f"The number {number} is no longer available.", "number_unavailable")
            picked.append((offer, cycle))
        total = sum(o.setup + o.monthly * CYCLE_MONTHS[cycle] for o, cycle in picked)
        if total > self.state.balance_cents:
            return invalid("Wallet balance too low for this purchase.", "insufficient_balance")
        # Everything checked: debit, order and numbers happen together (the guide's atomicity).
        state = self.state
        order = Order(
            state.next_id("order", 1042), [], total, dict(metadata), now(), time.monotonic()
        )
        for offer, cycle in picked:
            self.stock(offer.country, offer.type).take(offer.number)
            state.taken.add(offer.number)
            did = Did(state.next_id("did", 42), offer, order.id, cycle, dict(metadata), now())
            state.numbers[did.id] = did
            order.did_ids.append(did.id)
        state.orders[order.id] = order
        state.record_transaction(
            amount=-total,
            description=f"Checkout order #{order.id} ({len(picked)} numbers)",
            reference_type="order",
            reference_id=order.id,
            metadata=dict(metadata),
        )
        regulated = any(o.regulated for o, _ in picked)
        return ok(
            {
                "data": {
                    "order_id": order.id,
                    "status": order.status,
                    "total": total,
                    "currency": "EUR",
                    "requires_regulatory": regulated,
                    "items": [self._item(state.numbers[i]) for i in order.did_ids],
                }
            },
            201,
        )

    @staticmethod
    def _item(did: Did) -> dict[str, Any]:
        return {
            "number": did.offer.number,
            "did_number_id": did.id,
            "country": did.offer.country,
            "type": did.offer.type,
            "monthly_rate": did.offer.monthly,
            "setup_fee": did.offer.setup,
            "status": did.status,
            "requires_regulatory": did.offer.regulated,
        }

    # --- numbers ----------------------------------------------------------------------------

    def _numbers(self, params: httpx.QueryParams) -> httpx.Response:
        paging = page_params(params, default=20)
        if isinstance(paging, httpx.Response):
            return paging
        self._advance_orders()  # a status poll: pending orders move on
        return ok(page_of(list(self.state.numbers.values()), *paging, Did.to_json))

    def _advance_orders(self) -> None:
        for order in self.state.orders.values():
            if order.status != "processing":
                continue
            if self.fulfil_after_seconds is not None:
                due = time.monotonic() - order.created_clock >= self.fulfil_after_seconds
            else:
                due = order.polls >= self.fulfil_after_polls
            if not due:
                order.polls += 1
                continue
            order.status = "completed"
            for did_id in order.did_ids:
                did = self.state.numbers[did_id]
                did.status = "pending_regulatory" if did.offer.regulated else "active"
                if did.status == "active":
                    self._webhook("number.activated", did)

    def _webhook(self, event: str, did: Did) -> None:
        trunk = self.state.trunks.get(did.sip_trunk_id or 0)
        data = {
            "number": did.offer.number,
            "country": did.offer.country,
            "type": did.offer.type,
            "trunk_uuid": trunk.uuid if trunk else None,
            "order_id": did.order_id,
        }
        self.state.webhook(self.webhook_secret, event, data)

    def adopt(self, held: HeldNumber) -> bool:
        """Hold ``held`` as a number bought earlier (see ``held``); False if already held."""
        state = self.state
        if any(d.offer.number == held.number and d.status != "released"
               for d in state.numbers.values()):  # fmt: skip
            return False
        iso = held.parts()[0]
        offer = self._find_offer(held.number, iso, held.number_type) if iso else None
        if offer is None:  # not on sale here: as the number says it is
            cents = int((held.monthly_cost or Decimal("1.00")) * 100)
            kind = held.number_type or "local"
            offer = Offer(held.number, iso, kind, None, cents, 0, False, False)
        self.stock(offer.country, offer.type).take(offer.number)
        state.taken.add(offer.number)
        wanted = int(held.number_id) if held.number_id.isdigit() else 0
        did_id = wanted if wanted and wanted not in state.numbers else state.next_id("did", 42)
        state.counters["did"] = max(state.counters.get("did", 0), did_id)
        # DIDfarm counts the period from the purchase: it ends when ours does.
        created = held.created_at or now()
        if held.expires_at is not None:
            created = held.expires_at - timedelta(days=30)
        order_id = state.next_id("order", 1042)
        did = Did(did_id, offer, order_id, "monthly", {}, created, "active")
        state.numbers[did_id] = did
        trunk = self._trunk(held.made.get("sip_trunk_id") or "") if held.route else None
        if trunk is not None and not held.suspended:  # rings its route's trunk again
            did.sip_trunk_id = trunk.id
        return True

    def _release(self, params: httpx.QueryParams, raw_id: str) -> httpx.Response:
        did = self._owned(raw_id)
        if did is None:
            return error(404, "Number not found.")
        if did.status == "released":
            return invalid("The number has already been released.", "number_released")
        if did.status == "provisioning":
            return invalid("The number is still being provisioned.", "number_not_active")
        did.status, did.sip_trunk_id = "released", None
        self._webhook("number.released", did)
        return ok({"data": did.to_json()})
