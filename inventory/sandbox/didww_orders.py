"""Orders, owned DIDs and stock for the DIDWW simulator.

DIDWW charges the whole order at once and fulfils it later: the order answers ``Pending``, the
numbers are reserved, and the order turns ``Completed`` on a later status poll (or after a delay),
creating the DIDs and queueing the signed callback. Back-ordered quantities wait some polls more and
are then served from the pool's back-order supply.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inventory.providers.didww import callbacks

from . import didww_catalog as cat
from .didww_jsonapi import ApiError

ITEMS_POINTER = "/data/attributes/items"


@dataclass(frozen=True)
class DueCallback:
    """A signed order callback waiting to be delivered (form body for POST, query for GET)."""

    order_id: str
    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class ItemRecord:
    qty: int
    sku: cat.Sku
    group_id: str
    pools: list[cat.Pool]
    numbers: list[str]  # reserved or delivered so far
    nanpa_prefix_id: str | None = None
    available_did_id: str | None = None
    billing_cycles_count: int | None = None

    @property
    def backordered(self) -> int:
        return self.qty - len(self.numbers)


@dataclass
class OrderRecord:
    id: str
    status: str  # "pending" | "completed" | "canceled"
    amount: Decimal
    reference: str
    external_reference_id: str
    created_at: datetime
    items: list[ItemRecord]
    callback_url: str | None = None
    callback_method: str | None = None
    polls: int = 0
    placed_at: float = field(default_factory=time.monotonic)


@dataclass
class DidRecord:
    id: str
    number: str
    group_id: str
    order_id: str
    channels: int
    awaiting_registration: bool
    created_at: datetime
    expires_at: datetime
    blocked: bool = False
    terminated: bool = False
    billing_cycles_count: int | None = None
    description: str | None = None
    # Routing: a DID goes to one voice-in trunk or one trunk group (assigning one clears the
    # other). The simulator keeps no trunk resources; any id of the right type is accepted.
    voice_in_trunk_id: str | None = None
    voice_in_trunk_group_id: str | None = None


@dataclass
class DidwwState:
    """Everything the simulator changes: money, orders, DIDs, stock, callbacks to deliver."""

    balance: Decimal
    credit: Decimal = Decimal("0.00")
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    dids: dict[str, DidRecord] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)  # numbers reserved or sold
    taken_in_stock: Counter[str] = field(default_factory=Counter)  # group id -> from stock
    available_ids: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (group, num)
    pool_numbers: dict[str, list[str]] = field(default_factory=dict)
    callbacks_due: list[DueCallback] = field(default_factory=list)
    order_seq: int = 0


class OrderBook:
    def __init__(
        self,
        catalog: cat.Catalog,
        state: DidwwState,
        *,
        api_key: str,
        fulfil_after_polls: int,
        fulfil_after_seconds: float | None,
        backorder_polls: int,
    ) -> None:
        self.catalog, self.state, self.api_key = catalog, state, api_key
        self.fulfil_after_polls = fulfil_after_polls
        self.fulfil_after_seconds = fulfil_after_seconds
        self.backorder_polls = backorder_polls

    # --- stock -----------------------------------------------------------------------------

    def numbers(self, pool: cat.Pool) -> list[str]:
        cached = self.state.pool_numbers.get(pool.key)
        if cached is None:
            cached = self.state.pool_numbers[pool.key] = self.catalog.pool_numbers(pool)
        return cached

    def in_stock(self, pool: cat.Pool, skip: AbstractSet[str] = frozenset()) -> list[str]:
        taken = self.state.taken
        return [n for n in self.numbers(pool)[: pool.stock] if n not in taken and n not in skip]

    def supply(self, pool: cat.Pool, skip: AbstractSet[str] = frozenset()) -> list[str]:
        taken = self.state.taken
        return [n for n in self.numbers(pool)[pool.stock :] if n not in taken and n not in skip]

    def available_count(self, group: cat.Group) -> int:
        return sum(p.stock for p in group.pools) - self.state.taken_in_stock[group.id]

    def available_id(self, group_id: str, number: str) -> str:
        did_id = self.catalog.uid("available", number)
        self.state.available_ids[did_id] = (group_id, number)
        return did_id

    # --- placing ---------------------------------------------------------------------------

    def place(self, attrs: dict[str, Any]) -> OrderRecord:
        raw_items = attrs.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise ApiError(422, "items - can't be blank", code="100", pointer=ITEMS_POINTER)
        back_ok = attrs.get("allow_back_ordering") is True
        planned: set[str] = set()
        items = [self._plan(i, raw, back_ok, planned) for i, raw in enumerate(raw_items)]
        amount = sum(
            (it.qty * (it.sku.setup_price + it.sku.monthly_price) for it in items), Decimal("0")
        )
        if self.state.balance + self.state.credit < amount:
            raise ApiError(400, "Insufficient funds", code="101")
        url, method = attrs.get("callback_url"), attrs.get("callback_method")
        if url is not None and (not isinstance(url, str) or "://" not in url):
            raise ApiError(
                422,
                "callback_url - is invalid",
                code="100",
                pointer="/data/attributes/callback_url",
            )
        if method is not None and method not in ("GET", "POST"):
            raise ApiError(
                422,
                "callback_method - is not included in the list",
                code="100",
                pointer="/data/attributes/callback_method",
            )
        ref = attrs.get("external_reference_id")
        self.state.order_seq += 1
        seq = self.state.order_seq
        letters = "".join(chr(65 + (seq * k) % 26) for k in (7, 11, 13))
        order = OrderRecord(
            id=self.catalog.uid("order", str(seq)),
            status="pending",
            amount=amount,
            reference=f"{letters}-{100000 + seq * 7919 % 900000}",
            external_reference_id=ref if isinstance(ref, str) else "",
            created_at=datetime.now(UTC),
            items=items,
            callback_url=url,
            callback_method=(method or "POST") if url else None,
        )
        self.state.balance -= amount  # DIDWW charges at once; the order completes later
        for it in items:
            self.state.taken.update(it.numbers)
            self.state.taken_in_stock[it.group_id] += len(it.numbers)
        self.state.orders[order.id] = order
        return order

    def _plan(self, i: int, raw: object, back_ok: bool, planned: set[str]) -> ItemRecord:
        pointer = f"{ITEMS_POINTER}/{i}"
        attrs = raw.get("attributes") if isinstance(raw, dict) else None
        if (
            not isinstance(raw, dict)
            or raw.get("type") != "did_order_items"
            or not isinstance(attrs, dict)
        ):
            raise ApiError(422, f"items/{i} - is invalid", code="100", pointer=pointer)
        sku = self.catalog.sku_by_id.get(str(attrs.get("sku_id")))
        if sku is None:
            raise ApiError(
                422, f"items/{i}/sku_id - is invalid", code="100", pointer=f"{pointer}/sku_id"
            )
        group = self.catalog.group_by_id[sku.group_id]
        cycles = attrs.get("billing_cycles_count")
        if cycles is not None and (not isinstance(cycles, int) or cycles < 0):
            raise ApiError(
                422,
                f"items/{i}/billing_cycles_count - is invalid",
                code="100",
                pointer=f"{pointer}/billing_cycles_count",
            )
        given = [k for k in ("qty", "available_did_id", "did_reservation_id") if k in attrs]
        if len(given) != 1:
            raise ApiError(
                422,
                f"items/{i} - needs exactly one of qty, available_did_id, did_reservation_id",
                code="100",
                pointer=pointer,
            )
        if given[0] == "did_reservation_id":
            raise ApiError(
                422,
                f"items/{i}/did_reservation_id - is invalid",
                code="100",
                pointer=f"{pointer}/did_reservation_id",
            )
        if given[0] == "available_did_id":
            found = self.state.available_ids.get(str(attrs["available_did_id"]))
            if found is None or found[0] != group.id or found[1] in self.state.taken | planned:
                raise ApiError(
                    422,
                    f"items/{i}/available_did_id - is invalid",
                    code="100",
                    pointer=f"{pointer}/available_did_id",
                )
            planned.add(found[1])
            return ItemRecord(
                1,
                sku,
                group.id,
                [],
                [found[1]],
                available_did_id=str(attrs["available_did_id"]),
                billing_cycles_count=cycles,
            )
        qty = attrs["qty"]
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise ApiError(
                422, f"items/{i}/qty - must be greater than 0", code="100", pointer=f"{pointer}/qty"
            )
        pools, nanpa_id = group.pools, attrs.get("nanpa_prefix_id")
        if nanpa_id is not None:
            prefix = self.catalog.nanpa_by_id.get(str(nanpa_id))
            if prefix is None or prefix.group_id != group.id:
                raise ApiError(
                    422,
                    f"items/{i}/nanpa_prefix_id - is invalid",
                    code="100",
                    pointer=f"{pointer}/nanpa_prefix_id",
                )
            pools = [prefix.pool]
        chosen: list[str] = []
        for pool in pools:
            chosen += self.in_stock(pool, planned)[: qty - len(chosen)]
            if len(chosen) == qty:
                break
        if len(chosen) < qty:
            supply = sum(len(self.supply(p, planned)) for p in pools)
            if not back_ok or qty - len(chosen) > supply:
                raise ApiError(
                    422,
                    f"items/{i}/qty - exceeds available DIDs count",
                    code="100",
                    pointer=f"{pointer}/qty",
                )
        planned.update(chosen)
        return ItemRecord(
            qty,
            sku,
            group.id,
            list(pools),
            chosen,
            nanpa_prefix_id=str(nanpa_id) if nanpa_id else None,
            billing_cycles_count=cycles,
        )

    # --- progress --------------------------------------------------------------------------

    def poll(self, order: OrderRecord) -> None:
        """A status read: pending orders move on after enough polls (or seconds)."""
        if order.status == "pending":
            backordered = any(it.backordered for it in order.items)
            needed = self.fulfil_after_polls + (self.backorder_polls if backordered else 0)
            timed = self.fulfil_after_seconds is not None and (
                time.monotonic() - order.placed_at >= self.fulfil_after_seconds
            )
            if order.polls >= needed or (timed and not backordered):
                self.complete(order)
        order.polls += 1

    def advance_timers(self) -> None:
        if self.fulfil_after_seconds is None:
            return
        for order in self.state.orders.values():
            if (
                order.status == "pending"
                and not any(it.backordered for it in order.items)
                and time.monotonic() - order.placed_at >= self.fulfil_after_seconds
            ):
                self.complete(order)

    def complete(self, order: OrderRecord) -> None:
        now = datetime.now(UTC)
        for it in order.items:
            for pool in it.pools:
                if not it.backordered:
                    break
                extra = self.supply(pool)[: it.backordered]
                it.numbers += extra
                self.state.taken.update(extra)
            group = self.catalog.group_by_id[it.group_id]
            for number in it.numbers:
                did = DidRecord(
                    id=self.catalog.uid("did", order.id, number),
                    number=number,
                    group_id=it.group_id,
                    order_id=order.id,
                    channels=it.sku.channels,
                    awaiting_registration=group.needs_registration,
                    created_at=now,
                    expires_at=now + timedelta(days=30),
                    billing_cycles_count=it.billing_cycles_count,
                )
                self.state.dids[did.id] = did
        order.status = "completed"
        self._queue_callback(order)

    def cancel(self, order: OrderRecord) -> None:
        if order.status != "pending":
            raise ApiError(400, "Only pending orders can be canceled", code="100")
        for it in order.items:
            self.state.taken.difference_update(it.numbers)
            self.state.taken_in_stock[it.group_id] -= len(it.numbers)
            it.numbers = []
        self.state.balance += order.amount
        order.status = "canceled"
        self._queue_callback(order)

    def _queue_callback(self, order: OrderRecord) -> None:
        if not order.callback_url:
            return
        params = {"id": order.id, "status": order.status, "type": "orders"}
        sig = callbacks.signature(self.api_key, order.callback_url, params)
        headers = {callbacks.SIGNATURE_HEADER: sig}
        method = order.callback_method or "POST"
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.state.callbacks_due.append(
            DueCallback(order.id, method, order.callback_url, params, headers)
        )
