"""DIDWW as a didhub provider adapter (DESIGN.md §2)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
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
    RoutingSupport,
)
from . import PROVIDER, coverage, wire
from .client import LABEL, DidwwClient, one
from .routing import DidwwRouting
from .suspension import DidwwSuspension

logger = logging.getLogger("didhub.providers")

_STATUSES = {
    "pending": OrderStatus.PENDING,
    "completed": OrderStatus.COMPLETED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
}
MAX_AVAILABLE_PAGE = 1000


class DidwwAdapter(DidwwRouting, NoTrunks, NoTexts, DidwwSuspension):  # no "trunks", "sms"
    kind: ClassVar[str] = "didww"
    # No "forwarding"/"trunks": DIDWW routes a DID to voice-in trunks didhub makes per route
    # (routing.py), not to trunks with credentials for clients. "reference": orders carry our
    # external_reference_id, so find_order needs nothing but the reference. "pick_by_id": an
    # exact number is ordered by its available DID id, never by the number itself.
    capabilities: ClassVar[frozenset[str]] = PROVIDER.capabilities
    billing_cycles: ClassVar[frozenset[str]] = PROVIDER.billing_cycles
    max_quantity: ClassVar[int] = 100
    # Suspension stops the renewal (billing_cycles_count 0) and unassigns the voice-in trunk
    # (or trunk group); release cancels the DID (terminated: true).
    upstream_actions: ClassVar[Mapping[str, str]] = {
        "suspend": "api",
        "restore": "api",
        "release": "api",
    }
    # Voice-in trunks with a SIP or PSTN configuration, one per target, assigned to the DID;
    # a failover puts both in a trunk group, the failover at a higher priority (routing.py).
    routing: ClassVar[RoutingSupport] = RoutingSupport(
        mode="api",
        kinds=frozenset({DestinationKind.SIP_URI, DestinationKind.PSTN}),
        failover=True,
    )

    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        self.client = DidwwClient(config)

    def close(self) -> None:
        self.client.close()

    # --- account and catalog ---------------------------------------------------------------

    def check(self) -> AccountStatus:
        bal = self.client.get_one("/v3/balance", wire.balance)
        return AccountStatus(
            ok=True,
            balance=bal.balance,
            currency=self.config.currency,
            detail=f"credit {bal.credit}, total available {bal.total_balance}",
        )

    def coverage(self) -> Iterator[CoverageRecord]:
        return coverage.walk(self.client)

    def available_numbers(self, group_external_id: str, *, limit: int) -> list[AvailableNumber]:
        group_id, nanpa_id = coverage.split_external_id(group_external_id)
        params = {"filter[did_group.id]": group_id}
        if nanpa_id:
            params["filter[nanpa_prefix.id]"] = nanpa_id
        size = str(max(1, min(limit, MAX_AVAILABLE_PAGE)))
        result: list[AvailableNumber] = []
        for body in self.client.pages("/v3/available_dids", {**params, "page[size]": size}):
            for raw in body.get("data") or ():
                try:
                    item = wire.available_did(wire.resource(raw))
                    number = to_e164(item.number)
                except ValueError as exc:  # WireError is a ValueError too
                    logger.warning("%s available_did skipped: %s", LABEL, exc)
                    continue
                result.append(AvailableNumber(number, item.id, group_external_id))
                if len(result) >= limit:
                    return result
        return result

    # --- orders ----------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> ProviderOrder:
        if request.billing_cycle != "monthly":
            raise errors.InvalidRequest(
                f"{LABEL} bills DIDs monthly only, not {request.billing_cycle!r}",
                field="billing_cycle",
            )
        group_id, nanpa_id = coverage.split_external_id(request.group_external_id)
        sku_id = request.sku_external_id or self._cheapest_sku(group_id)
        items: list[dict[str, Any]] = []
        if request.number_ids:
            self._check_picks(request)
            for did_id in request.number_ids:
                items.append({"sku_id": sku_id, "available_did_id": did_id})
        elif request.numbers:
            raise errors.InvalidRequest(
                f"{LABEL} picks numbers by available DID id; pass number_ids",
                field="number_ids",
            )
        else:
            item: dict[str, Any] = {"sku_id": sku_id, "qty": request.quantity}
            if nanpa_id:
                item["nanpa_prefix_id"] = nanpa_id
            items.append(item)
        attributes: dict[str, Any] = {
            "external_reference_id": request.our_reference,
            "allow_back_ordering": request.allow_backorder,
            "items": [{"type": "did_order_items", "attributes": i} for i in items],
        }
        if request.callback_url:
            attributes["callback_url"] = request.callback_url
            attributes["callback_method"] = "POST"
        placed = self.client.create_order(attributes)
        try:
            return self._to_order(placed)
        except errors.ProviderError:
            # The order exists and is paid for; only reading its numbers failed. Report it as
            # pending so the caller polls get_order instead of treating the purchase as failed.
            return replace(self._to_order(placed, fetch_numbers=False), status=OrderStatus.PENDING)

    def _check_picks(self, request: OrderRequest) -> None:
        """Each available DID id still stands for the number the client was shown: an id that
        now names another number (or none, ``NotFound``) is refused before anything is bought."""
        if not request.numbers:
            return
        if len(request.numbers) != len(request.number_ids):
            raise errors.InvalidRequest(
                f"{LABEL}: {len(request.number_ids)} available DID ids for "
                f"{len(request.numbers)} numbers",
                field="number_ids",
            )
        for did_id, number in zip(request.number_ids, request.numbers, strict=True):
            found = self.client.get_one(f"/v3/available_dids/{did_id}", wire.available_did)
            try:
                same = to_e164(found.number) == to_e164(number)
            except ValueError:
                same = False
            if not same:
                raise errors.InvalidRequest(
                    f"{LABEL}: available DID {did_id} is {found.number}, not {number}",
                    field="number_ids",
                )

    def get_order(self, external_id: str) -> ProviderOrder:
        placed = self.client.get_one(f"/v3/orders/{external_id}", wire.order)
        return self._to_order(placed)

    def find_order(
        self,
        our_reference: str,
        *,
        request: OrderRequest | None = None,
        placed_after: datetime | None = None,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The order DIDWW holds under our ``external_reference_id``, or None (verified: DIDWW
        has no order with it). The other arguments are part of the contract but not needed."""
        del request, placed_after, claimed
        found = list(
            self.client.collection(
                "/v3/orders", {"filter[external_reference_id]": our_reference}, one(wire.order)
            )
        )
        if not found:
            return None
        if len(found) > 1:
            logger.error(
                "%s has %d orders with external_reference_id %s; using the first",
                LABEL,
                len(found),
                our_reference,
            )
        return self._to_order(found[0])

    def _cheapest_sku(self, group_id: str) -> str:
        body = self.client.get(f"/v3/did_groups/{group_id}", {"include": coverage.GROUP_INCLUDE})
        try:
            group = wire.did_group(wire.resource(body.get("data")), wire.included_index(body))
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unreadable DID group: {exc}") from exc
        if not group.skus:
            raise errors.InvalidRequest(f"{LABEL}: DID group {group_id} has no SKU", field="sku")
        best = min(group.skus, key=lambda s: (s.setup_price + s.monthly_price, s.channels or 0))
        return best.id

    def _to_order(self, placed: wire.Order, *, fetch_numbers: bool = True) -> ProviderOrder:
        status = _STATUSES.get(placed.status.strip().lower())
        if status is None:
            logger.warning("%s order %s: unknown status %r", LABEL, placed.id, placed.status)
            status = OrderStatus.PENDING
        ordered = sum(item.qty for item in placed.items)
        numbers: tuple[str, ...] = ()
        awaiting: tuple[str, ...] = ()
        if fetch_numbers and status is OrderStatus.COMPLETED:
            # A terminated DID was not delivered (a regulated one whose documents were refused).
            dids = [
                d
                for d in self.client.collection(
                    "/v3/dids", {"filter[order.id]": placed.id}, one(wire.did)
                )
                if not d.terminated
            ]
            numbers = tuple(self._numbers(iter(dids)))
            awaiting = tuple(self._numbers(d for d in dids if d.awaiting_registration))
            if ordered and len(numbers) < ordered:
                status = OrderStatus.PARTIAL
        detail = placed.status + (f" ({placed.reference})" if placed.reference else "")
        return ProviderOrder(
            external_id=placed.id,
            status=status,
            our_reference=placed.external_reference_id,
            numbers=numbers,
            quantity_ordered=ordered,
            charged=placed.amount,
            detail=detail,
            awaiting_registration=awaiting,
        )

    @staticmethod
    def _numbers(dids: Iterator[wire.Did]) -> Iterator[str]:
        for item in dids:
            try:
                yield to_e164(item.number)
            except ValueError:
                logger.warning("%s did %s: number %r skipped", LABEL, item.id, item.number)

    # --- owned numbers ---------------------------------------------------------------------

    def owned_numbers(self) -> Iterator[OwnedNumber]:
        for item in self.client.collection("/v3/dids", {"include": "did_group"}, one(wire.did)):
            try:
                number = to_e164(item.number)
            except ValueError:
                logger.warning("%s did %s: number %r skipped", LABEL, item.id, item.number)
                listing_gap(f"{LABEL} did {item.id}: unreadable number {item.number!r}")
                continue
            if item.terminated:
                status = "terminated"
            elif item.blocked:
                status = "blocked"
            elif item.awaiting_registration:
                status = "awaiting_registration"
            else:
                status = "active"
            extra = {"order_id": item.order_id or ""}
            if item.billing_cycles_count is not None:
                extra["billing_cycles_count"] = str(item.billing_cycles_count)
            yield OwnedNumber(
                number=number,
                external_id=item.id,
                group_external_id=item.did_group_id or "",
                status=status,
                expires_at=item.expires_at,
                extra=extra,
            )

    def release(self, number: str) -> None:
        did_id = self._did_id(number)
        self.client.patch(f"/v3/dids/{did_id}", "dids", did_id, {"terminated": True})
