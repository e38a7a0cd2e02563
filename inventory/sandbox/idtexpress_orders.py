"""Orders, owned numbers, stock and balance for the IDT Express simulator.

An order is accepted when the balance covers it (else 422, code 3001) and processed later: on a
status poll after ``fulfil_after_polls`` earlier polls (default: the first), or once
``fulfil_after_seconds`` have passed. Processing charges each delivered number (setup + first
month) and ends in one of the document's item statuses (written with an en dash, see the constants
below): fulfilled complete; a back-order for what a back-orderable (US/CA local) group lacks,
filled ``backorder_polls`` polls later from the group's supply; a cut for groups that cannot
back-order (partially fulfilled complete, canceled for insufficient inventory); or canceled /
partially fulfilled for insufficient funds when the balance ran out in the meantime.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from . import idtexpress_catalog as cat

EN_DASH = "\N{EN DASH}"
COMPLETE = f"Fulfilled {EN_DASH} Complete"
PARTIAL_COMPLETE = f"Partially Fulfilled {EN_DASH} Complete"
BACKORDERED = "Backordered"
PARTIAL_BACKORDERED = f"Partially Fulfilled {EN_DASH} Backordered"
NO_FUNDS = f"Canceled {EN_DASH} Insufficient Funds"
PARTIAL_NO_FUNDS = f"Partially Fulfilled {EN_DASH} Insufficient Funds"
NO_INVENTORY = f"Canceled {EN_DASH} Insufficient Inventory"
PROCESSING = "Processing"
_BACKORDER_STATUSES = (BACKORDERED, PARTIAL_BACKORDERED)


@dataclass
class OrderRecord:
    id: str
    item_id: int
    created_at: datetime
    group: cat.Group
    quantity: int
    status: str = "Created"  # the order's own status
    item_status: str = PROCESSING
    numbers: list[str] = field(default_factory=list)  # IDT form, delivered so far
    charged: Decimal = Decimal("0")
    processed: bool = False
    polls: int = 0
    backorder_polls: int = 0

    @property
    def backordered(self) -> int:
        return self.quantity - len(self.numbers) if self.item_status in _BACKORDER_STATUSES else 0

    @property
    def cancelable(self) -> bool:
        return self.item_status in _BACKORDER_STATUSES


@dataclass
class NumberRecord:
    number: str  # IDT form
    group: cat.Group
    added_at: datetime
    status: str = "active"
    removed_at: datetime | None = None


@dataclass
class IdtState:
    """Every mutable thing the simulator holds."""

    balance: Decimal
    orders: dict[str, OrderRecord] = field(default_factory=dict)  # insertion = creation order
    numbers: dict[str, NumberRecord] = field(default_factory=dict)
    stock: dict[int, int] = field(default_factory=dict)  # group id -> on hand (lazy from catalog)
    drawn: dict[int, int] = field(default_factory=dict)  # group id -> pool numbers handed out
    requests: int = 0  # for api_request_id
    next_item_id: int = 160_001


class OrderBook:
    def __init__(
        self,
        catalog: cat.Catalog,
        state: IdtState,
        *,
        fulfil_after_polls: int = 0,
        fulfil_after_seconds: float | None = None,
        backorder_polls: int | None = 2,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.catalog = catalog
        self.state = state
        self.fulfil_after_polls = max(0, fulfil_after_polls)
        self.fulfil_after_seconds = fulfil_after_seconds
        self.backorder_polls = backorder_polls  # None: back-orders are never filled
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- stock and money -------------------------------------------------------------------

    def on_hand(self, group: cat.Group) -> int:
        return self.state.stock.get(group.id, group.stock)

    def set_stock(self, group_id: int, count: int) -> None:
        self.state.stock[group_id] = max(0, count)

    def cost(self, group: cat.Group, quantity: int) -> Decimal:
        return group.price * quantity

    def _affordable(self, group: cat.Group, wanted: int) -> int:
        if group.price <= 0:
            return wanted
        return min(wanted, int(self.state.balance // group.price))

    def _draw(self, group: cat.Group, count: int) -> list[str]:
        pool = self.catalog.numbers(group)
        end = self.state.drawn.get(group.id, 0)
        held = self.state.numbers  # an adopted number (``adopt``) is never delivered again
        taken: list[str] = []
        while len(taken) < count and end < len(pool):
            if pool[end] not in held:
                taken.append(pool[end])
            end += 1
        self.state.drawn[group.id] = end
        return taken

    # --- orders ----------------------------------------------------------------------------

    def create(self, group: cat.Group, quantity: int) -> OrderRecord:
        sequence = len(self.state.orders) + 1
        digest = hashlib.sha256(f"idt-order:{self.catalog.seed}:{sequence}".encode()).hexdigest()
        order = OrderRecord(
            id=f"{digest[:3]}-{digest[3:6]}-{digest[6:10]}",
            item_id=self.state.next_item_id,
            created_at=self.clock(),
            group=group,
            quantity=quantity,
        )
        self.state.next_item_id += 1
        self.state.orders[order.id] = order
        return order

    def poll(self, order: OrderRecord) -> None:
        """A Get Order: the moment a pending order may move on."""
        if not order.processed:
            if order.polls >= self.fulfil_after_polls:
                self._process(order)
            else:
                order.polls += 1
                order.status = PROCESSING
        elif order.backordered and self.backorder_polls is not None:
            order.backorder_polls += 1
            if order.backorder_polls >= self.backorder_polls:
                self._fill_backorder(order)

    def advance_timers(self) -> None:
        if self.fulfil_after_seconds is None:
            return
        due = self.clock() - timedelta(seconds=self.fulfil_after_seconds)
        for order in self.state.orders.values():
            if not order.processed and order.created_at <= due:
                self._process(order)

    def _process(self, order: OrderRecord) -> None:
        order.processed = True
        group, wanted = order.group, order.quantity
        in_stock = min(wanted, self.on_hand(group))
        count = self._affordable(group, in_stock)
        self._deliver(order, count, from_stock=True)
        if count < in_stock:
            order.item_status = PARTIAL_NO_FUNDS if count else NO_FUNDS
        elif count == wanted:
            order.item_status = COMPLETE
        elif group.backorderable:
            order.item_status = PARTIAL_BACKORDERED if count else BACKORDERED
        else:
            order.item_status = PARTIAL_COMPLETE if count else NO_INVENTORY
        order.status = "Backordered" if order.backordered else "Complete"

    def _fill_backorder(self, order: OrderRecord) -> None:
        """The supply arrived: deliver the rest as far as the pool and the balance allow."""
        missing = order.quantity - len(order.numbers)
        count = self._affordable(order.group, missing)
        delivered = self._deliver(order, count, from_stock=False)
        if delivered == missing:
            order.item_status = COMPLETE
        elif delivered < count:  # the pool is exhausted: the supply never comes
            order.item_status = (
                f"Partially Fulfilled {EN_DASH} Backorder Canceled"
                if order.numbers
                else "Backorder Canceled"
            )
        else:
            order.item_status = PARTIAL_NO_FUNDS if order.numbers else NO_FUNDS
        order.status = "Complete"

    def _deliver(self, order: OrderRecord, count: int, *, from_stock: bool) -> int:
        if count <= 0:
            return 0
        numbers = self._draw(order.group, count)
        if from_stock:
            self.state.stock[order.group.id] = self.on_hand(order.group) - len(numbers)
        charge = order.group.price * len(numbers)
        self.state.balance -= charge
        order.charged += charge
        now = self.clock()
        for number in numbers:
            order.numbers.append(number)
            self.state.numbers[number] = NumberRecord(number, order.group, now)
        return len(numbers)

    # --- numbers ---------------------------------------------------------------------------

    def release(self, number: str) -> NumberRecord | None:
        record = self.state.numbers.get(number)
        if record is None or record.status != "active":
            return None
        record.status = "removed"
        record.removed_at = self.clock()
        return record
