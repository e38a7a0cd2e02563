"""IDT Express as a didhub provider adapter (DESIGN.md §2).

What the API v1 document does not offer is left out: no balance endpoint (``check`` reports
``balance=None``), no list of individual numbers to pick from, no routing or forwarding, no field
for our reference on an order: a lost order is found again by what was ordered and when, from the
request provisioning persisted before placing it (``find_order``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from .. import errors
from ..http import AccountConfig
from ..listing import listing_gap
from ..no_texts import NoTexts
from ..no_trunks import NoTrunks
from ..normalize import to_e164
from ..types import (
    AccountStatus,
    AvailableNumber,
    CoverageRecord,
    DestinationKind,
    OrderRequest,
    OrderStatus,
    OwnedNumber,
    ProviderOrder,
    Route,
    RoutingSupport,
)
from . import PROVIDER, coverage, status, wire
from .client import LABEL, IdtExpressClient

logger = logging.getLogger("didhub.providers")

MAX_QUANTITY = 100  # the document's maximum per order item
CLOCK_SKEW = timedelta(minutes=10)  # IDT's created_at vs our clock when matching a lost order
_OWNED_STATUSES = {"active": "active", "removed": "terminated"}


class IdtExpressAdapter(NoTrunks, NoTexts):  # no "trunks", "sms": they refuse
    kind: ClassVar[str] = "idtexpress"
    # No "pick_number" (no available-numbers endpoint), "forwarding" (no routing endpoint) or
    # "callbacks" (no webhooks); IDT back-orders on its own when a group runs short.
    capabilities: ClassVar[frozenset[str]] = PROVIDER.capabilities
    billing_cycles: ClassVar[frozenset[str]] = PROVIDER.billing_cycles
    max_quantity: ClassVar[int] = MAX_QUANTITY
    # IDT has no routing API, so a suspension is ours alone (the number is flagged here and
    # billing keeps its grace short); a release is DELETE /v1/dids/numbers/{number}.
    upstream_actions: ClassVar[Mapping[str, str]] = {
        "suspend": "local",
        "restore": "local",
        "release": "api",
    }
    # IDT Express has no routing API: an admin sets the route up in its portal on request.
    routing: ClassVar[RoutingSupport] = RoutingSupport(
        mode="manual", kinds=frozenset({DestinationKind.SIP_URI, DestinationKind.PSTN})
    )

    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        self.client = IdtExpressClient(config)

    def close(self) -> None:
        self.client.close()

    # --- account and catalog ---------------------------------------------------------------

    def check(self) -> AccountStatus:
        offered = sum(1 for _ in self.client.countries())
        return AccountStatus(
            ok=True,
            balance=None,
            currency=self.config.currency,
            detail=f"{offered} countries offered; IDT Express does not report the balance "
            "through its API",
        )

    def coverage(self) -> Iterator[CoverageRecord]:
        return coverage.walk(self.client)

    def available_numbers(self, group_external_id: str, *, limit: int) -> list[AvailableNumber]:
        raise errors.InvalidRequest(
            f"{LABEL} sells DIDs by DID group and quantity; it does not list numbers to pick from",
            field="group_external_id",
        )

    # --- orders ----------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> ProviderOrder:
        group_id = self._validate(request)
        # The preview runs every check IDT makes (funds included) without ordering anything.
        preview = self.client.create_order(group_id, request.quantity, preview=True)
        if preview is not None:
            for item in preview.items:
                if status.is_insufficient_funds(item.status):
                    raise errors.InsufficientFunds(
                        f"{LABEL}: insufficient funds for {request.quantity} number(s) "
                        f"from DID group {group_id} ({item.status})"
                    )
        # A lost answer raises OutcomeUnknown: the caller resolves it with find_order, from the
        # request and start time it persisted before this call.
        placed = self.client.create_order(group_id, request.quantity, preview=False)
        if placed is None:  # pragma: no cover -- create_order(preview=False) never returns None
            raise errors.OutcomeUnknown(f"{LABEL} accepted the order but sent no order")
        return self._to_order(placed, request.our_reference)

    @staticmethod
    def _validate(request: OrderRequest) -> int:
        """Everything IDT would refuse, refused here before any HTTP call."""
        quantity = request.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise errors.InvalidRequest(
                f"{LABEL}: quantity must be at least 1, not {quantity!r}", field="quantity"
            )
        if quantity > MAX_QUANTITY:
            raise errors.InvalidRequest(
                f"{LABEL}: at most {MAX_QUANTITY} numbers per order, not {quantity}",
                field="quantity",
            )
        if request.numbers or request.number_ids:
            raise errors.InvalidRequest(
                f"{LABEL} orders by DID group and quantity only; it cannot order chosen numbers",
                field="numbers",
            )
        if request.billing_cycle != "monthly":
            raise errors.InvalidRequest(
                f"{LABEL} bills DIDs monthly only, not {request.billing_cycle!r}",
                field="billing_cycle",
            )
        group = request.group_external_id.strip()
        if not group.isdigit():
            raise errors.InvalidRequest(
                f"{LABEL}: DID group ids are numbers, not {request.group_external_id!r}",
                field="group_external_id",
            )
        if not request.our_reference:
            raise errors.InvalidRequest(
                f"{LABEL}: an order needs our reference to be found again", field="our_reference"
            )
        return int(group)

    def get_order(self, external_id: str) -> ProviderOrder:
        # IDT's order carries no reference of ours: the caller knows whose order it polls.
        return self._to_order(self.client.get_order(external_id), "")

    def find_order(
        self,
        our_reference: str,
        *,
        request: OrderRequest | None = None,
        placed_after: datetime | None = None,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The upstream order placed for ``our_reference``, or None if there is none.

        IDT keeps no reference of ours. The caller's persisted ``request`` and ``placed_after``
        say what was ordered and when, from any process (a restart, a SIGKILLed worker), and
        ``claimed`` names the upstream orders other references already own (the caller's
        order rows record them). Nothing is kept in this process's memory.
        """
        if request is None or placed_after is None:
            raise errors.InvalidRequest(
                f"{LABEL} orders carry no reference of ours: pass the request sent for "
                f"{our_reference} and when the attempt started, or match it in the IDT Express "
                "portal",
                field="our_reference",
            )
        if request.our_reference != our_reference:
            raise errors.InvalidRequest(
                f"{LABEL}: the request given is {request.our_reference}'s, not {our_reference}'s",
                field="request",
            )
        group_id = self._validate(request)  # place_order refused anything invalid unsent
        return self.match_order(
            our_reference,
            group_external_id=str(group_id),
            quantity=request.quantity,
            placed_after=placed_after,
            claimed=claimed,
        )

    def match_order(
        self,
        our_reference: str,
        *,
        group_external_id: str,
        quantity: int,
        placed_after: datetime,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The upstream order for a DID group and quantity placed at or after ``placed_after``
        that no other reference has claimed (the earliest, if several qualify).

        None is a verified answer: IDT lists every order, and none qualifies.
        """
        if placed_after.tzinfo is None:
            placed_after = placed_after.replace(tzinfo=UTC)
        since = placed_after - CLOCK_SKEW
        matches: list[wire.Order] = []
        for summary in self.client.orders():
            if summary.id in claimed or summary.ordered != quantity:
                continue
            if summary.created_at is not None and summary.created_at < since:
                continue
            full = self.client.get_order(summary.id)
            groups = {item.did_group.id for item in full.items if item.did_group}
            if group_external_id in groups:
                matches.append(full)
        if not matches:
            return None
        if len(matches) > 1:
            logger.warning(
                "%s: %d unclaimed orders of %d from DID group %s since %s match %s; using the "
                "earliest",
                LABEL, len(matches), quantity, group_external_id, since.isoformat(), our_reference,
            )  # fmt: skip
        far_future = datetime.max.replace(tzinfo=UTC)
        chosen = min(matches, key=lambda o: (o.created_at or far_future, o.id))
        return self._to_order(chosen, our_reference)

    def _to_order(self, placed: wire.Order, our_reference: str) -> ProviderOrder:
        # One order item per order: its status says more than the order's ("Created", "Complete").
        item = placed.items[0] if placed.items else None
        text = item.status if item else placed.status
        ordered = item.ordered if item else placed.ordered
        fulfilled = item.fulfilled if item else placed.fulfilled
        reading = status.read(text, ordered=ordered, fulfilled=fulfilled)
        if not reading.known:
            logger.warning("%s order %s: undocumented status %r", LABEL, placed.id, text)
        detail = f"{LABEL}: {reading.cause} ({text})" if reading.cause else text
        numbers = tuple(self._numbers(item.numbers if item else (), placed.id))
        if reading.status is OrderStatus.COMPLETED and len(numbers) < ordered:
            logger.warning(
                "%s order %s: %s but %d of %d numbers listed",
                LABEL, placed.id, text, len(numbers), ordered,
            )  # fmt: skip
        return ProviderOrder(
            external_id=placed.id,
            status=reading.status,
            our_reference=our_reference,
            numbers=numbers,
            quantity_ordered=ordered,
            charged=None,  # IDT reports no amount charged per order
            detail=detail,
            shortfall=reading.shortfall,
        )

    @staticmethod
    def _numbers(raw: tuple[str, ...], order_id: str) -> Iterator[str]:
        for value in raw:
            try:
                yield to_e164(value)
            except ValueError:
                logger.warning("%s order %s: number %r skipped", LABEL, order_id, value)

    # --- owned numbers ---------------------------------------------------------------------

    def owned_numbers(self) -> Iterator[OwnedNumber]:
        for item in self.client.numbers():
            calling_code = item.did_group.country_calling_code if item.did_group else ""
            try:
                number = to_e164(item.number, country_calling_code=calling_code)
            except ValueError:
                logger.warning("%s numbers: %r skipped", LABEL, item.number)
                listing_gap(f"{LABEL} numbers: unreadable number {item.number!r}")
                continue
            extra = {"idt_status": item.status}
            if item.added_at:
                extra["added_at"] = item.added_at.isoformat()
            if item.removed_at:
                extra["removed_at"] = item.removed_at.isoformat()
            yield OwnedNumber(
                number=number,
                external_id=item.number,  # what Delete Number takes
                group_external_id=item.did_group.id if item.did_group else "",
                status=_OWNED_STATUSES.get(item.status, "blocked"),
                extra=extra,
            )

    # Routing is "manual": callers never call these, and a call that does is refused loudly.

    def route_set(self, number: str, route: Route) -> dict[str, Any]:
        raise errors.InvalidRequest(
            f"{LABEL}'s API has no routing or forwarding; set where {number} rings in the "
            "IDT Express portal",
            field="kind",
        )

    def release(self, number: str) -> None:
        self.client.delete_number(idt_number(number))

    def suspension_snapshot(self, number: str) -> dict[str, Any]:
        raise errors.InvalidRequest(f"{LABEL} has no routing API: suspension is local only")

    def suspend(self, number: str) -> None:
        raise errors.InvalidRequest(f"{LABEL} has no routing API: suspension is local only")

    def restore(self, number: str, snapshot: Mapping[str, Any]) -> None:
        raise errors.InvalidRequest(f"{LABEL} has no routing API: suspension is local only")


def idt_number(number: str) -> str:
    """E.164 (or IDT's own form) as IDT writes numbers: ``011`` + country code + national."""
    try:
        e164 = to_e164(number)
    except ValueError as exc:
        raise errors.InvalidRequest(
            f"{LABEL}: {number!r} is not a phone number", field="number"
        ) from exc
    return "011" + e164[1:]
