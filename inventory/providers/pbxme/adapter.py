"""PBXme as a didhub provider adapter (DESIGN.md §2).

PBXme sells single numbers: no coverage listing (we search the account's configured countries),
no order object (``did/assign`` buys one ``did_id`` at once, synchronously) and no field for our
order reference. So:

- coverage groups the numbers found per country (``groups.py``: ``"<CC>:<type>:<area>"``);
- an order is one ``did/assign`` per number; its external id is ``"assign:<did_id>,<did_id>…"``
  (a pick known only by its number is written as its E.164 number) and ``get_order`` re-reads
  ``did/list`` for those ids;
- ``find_order(our_reference)`` cannot ask PBXme for our reference, so it matches the numbers the
  order asked for against ``did/list``. Those numbers were available, i.e. not ours, before the
  order, so any of them in ``did/list`` was bought by this order (unless another order of ours
  ``claimed`` it). The picks come from the caller's persisted ``request`` when it carries exact
  ``numbers``/``number_ids`` (nothing is kept in process memory). A lost order of "any N
  numbers" cannot be resolved: its picks were made inside ``place_order`` and are known
  nowhere. That raises ``OutcomeUnknown`` rather than answering "no order", which would invite
  buying twice; hence callers pick first (``available_numbers``) and send exact numbers, as the
  adapter has "pick_number" but not "reference".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from .. import errors
from ..http import AccountConfig
from ..listing import listing_gap
from ..no_texts import NoTexts
from ..no_trunks import NoTrunks
from ..normalize import to_e164
from ..routes import route_check
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
    Shortfall,
)
from . import PROVIDER, groups, wire
from .client import LABEL, PbxmeClient
from .forwarding import route_forward
from .picks import ORDER_PREFIX, e164_or_raw, order_tokens, persisted_picks
from .suspension import PbxmeSuspension

logger = logging.getLogger("didhub.providers")


class PbxmeAdapter(NoTrunks, NoTexts, PbxmeSuspension):  # no "trunks", "sms": they refuse
    kind: ClassVar[str] = "pbxme"
    # No "reference": nothing of ours travels upstream, so a lost order is found again only by
    # exact picks (see find_order); callers pick with available_numbers and send the picks.
    capabilities: ClassVar[frozenset[str]] = PROVIDER.capabilities
    billing_cycles: ClassVar[frozenset[str]] = PROVIDER.billing_cycles
    max_quantity: ClassVar[int] = 100
    # Suspension re-forwards the number to nowhere (or the configured announcement) and restore
    # forwards it back; PBXme renews a number as long as it is on the account, so only release
    # (did/release) stops the charges.
    upstream_actions: ClassVar[Mapping[str, str]] = {
        "suspend": "api",
        "restore": "api",
        "release": "api",
    }
    # /api/did/forward takes a SIP address or a phone number (one destination, no failover).
    routing: ClassVar[RoutingSupport] = RoutingSupport(
        mode="api", kinds=frozenset({DestinationKind.SIP_URI, DestinationKind.PSTN})
    )

    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        self.client = PbxmeClient(config)

    def close(self) -> None:
        self.client.close()

    # --- account and catalog ---------------------------------------------------------------

    def check(self) -> AccountStatus:
        return AccountStatus(ok=True, balance=self.client.balance(), currency=self.config.currency)

    def coverage(self) -> Iterator[CoverageRecord]:
        if not self.config.countries:
            raise errors.InvalidRequest(
                f"{LABEL} has no coverage listing: configure the countries to search on the "
                "account",
                field="countries",
            )
        for country in self.config.countries:
            try:
                rows = self.client.available(country.upper())
            except (errors.InvalidRequest, errors.NotFound) as exc:
                # One mistyped country must not stop the others; it never had groups to lose.
                logger.error("%s coverage for %s skipped: %s", LABEL, country, exc)
                continue
            yield from groups.group_records(groups.listings(rows))

    def available_numbers(self, group_external_id: str, *, limit: int) -> list[AvailableNumber]:
        found = self._available_in(group_external_id)
        # external_id is the did_id: a caller that persists both can send numbers and number_ids,
        # and find_order can then match either against did/list from any process.
        return [
            AvailableNumber(number=i.number, external_id=i.did_id, group_external_id=i.group_id)
            for i in found[: max(limit, 0)]
        ]

    def _available_in(self, group_external_id: str) -> list[groups.Listing]:
        try:
            country, _, _ = groups.split_external_id(group_external_id)
        except ValueError as exc:
            raise errors.InvalidRequest(f"{LABEL}: {exc}", field="group_external_id") from exc
        rows = self.client.available(country)
        found = [i for i in groups.listings(rows) if i.group_id == group_external_id]
        return sorted(found, key=lambda i: i.number)  # the order coverage reports them in

    # --- orders ----------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> ProviderOrder:
        if request.billing_cycle != "monthly":
            raise errors.InvalidRequest(
                f"{LABEL} bills numbers monthly only, not {request.billing_cycle!r}",
                field="billing_cycle",
            )
        picks = self._picks(request)
        if not picks:
            return ProviderOrder(
                external_id="",
                status=OrderStatus.CANCELED,
                our_reference=request.our_reference,
                quantity_ordered=request.quantity,
                detail=f"{LABEL} has no number available in {request.group_external_id}",
                shortfall=Shortfall.OUT_OF_STOCK,
            )
        bought: list[tuple[str, str]] = []
        failure: errors.ProviderError | None = None
        for did_id, number in picks:
            try:
                self.client.assign(did_id)
            except errors.OutcomeUnknown:
                raise  # find_order(our_reference) resolves every pick, bought or not
            except errors.ProviderError as exc:
                if not bought:
                    raise
                failure = exc  # the numbers already bought stay bought: report a partial order
                break
            bought.append((did_id, number))
        # Quantity-only: fewer numbers available than asked is a partial order, too.
        ordered = len(picks) if request.numbers or request.number_ids else request.quantity
        return ProviderOrder(
            external_id=ORDER_PREFIX + ",".join(did_id for did_id, _ in picks),
            status=_status(len(bought), max(ordered, len(picks))),
            our_reference=request.our_reference,
            numbers=tuple(number for _, number in bought),
            quantity_ordered=max(ordered, len(picks)),
            detail=failure.message if failure else "assigned",
        )

    def _picks(self, request: OrderRequest) -> list[tuple[str, str]]:
        """(did_id, E.164) to assign: the exact numbers asked for, or ``quantity`` fresh ones."""
        if request.number_ids and request.numbers:
            if len(request.number_ids) != len(request.numbers):
                raise errors.InvalidRequest(
                    f"{LABEL}: number_ids and numbers differ in length", field="number_ids"
                )
            return list(zip(request.number_ids, request.numbers, strict=True))
        found = self._available_in(request.group_external_id)
        if request.sku_external_id:
            found = [i for i in found if i.sku_id == request.sku_external_id]
        if request.number_ids or request.numbers:
            by_id = {i.did_id: i for i in found}
            by_number = {i.number: i for i in found}
            wanted = request.number_ids or tuple(e164_or_raw(n) for n in request.numbers)
            lookup = by_id if request.number_ids else by_number
            missing = [w for w in wanted if w not in lookup]
            if missing:
                raise errors.NotFound(
                    f"{LABEL}: no longer available in {request.group_external_id}: "
                    + ", ".join(missing)
                )
            return [(lookup[w].did_id, lookup[w].number) for w in wanted]
        if request.quantity < 1:
            raise errors.InvalidRequest(f"{LABEL}: quantity must be at least 1", field="quantity")
        return [(i.did_id, i.number) for i in found[: request.quantity]]

    def get_order(self, external_id: str) -> ProviderOrder:
        if not external_id.startswith(ORDER_PREFIX):
            raise errors.NotFound(f"{LABEL}: {external_id!r} is not a didhub PBXme order id")
        did_ids = order_tokens(external_id)
        owned: dict[str, wire.OwnedDid] = {}
        for did in self._owned():
            owned[did.did_id] = did
            owned.setdefault(self._e164(did), did)  # picks known only by number (find_order)
        found = [owned[i] for i in did_ids if i in owned]
        return ProviderOrder(
            external_id=external_id,
            status=_status(len(found), len(did_ids)),
            numbers=tuple(n for n in map(self._e164, found) if n),
            quantity_ordered=len(did_ids),
            detail=f"{len(found)} of {len(did_ids)} numbers on the account",
        )

    def find_order(
        self,
        our_reference: str,
        *,
        request: OrderRequest | None = None,
        placed_after: datetime | None = None,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The picks of ``our_reference`` that ``did/list`` shows bought, or None if none is.

        ``placed_after`` is not needed: the picks were available, so not ours, when the order
        started. ``claimed`` orders' picks are skipped: a pick this order never bought may since
        have been bought by another order of ours.
        """
        del placed_after
        picks = persisted_picks(our_reference, request)
        taken = {t for order_id in claimed for t in order_tokens(order_id)}
        by_id: dict[str, wire.OwnedDid] = {}
        by_number: dict[str, wire.OwnedDid] = {}
        for did in self._owned():
            by_id[did.did_id] = did
            by_number[self._e164(did)] = did
        tokens: list[str] = []
        bought: list[str] = []
        for did_id, number in picks:
            did = by_id.get(did_id) if did_id else None
            did = did or (by_number.get(number) if number else None)
            token = did_id or (did.did_id if did else number)
            tokens.append(token)
            if did is None or taken & {token, number, did.did_id, self._e164(did)}:
                continue
            bought.append(self._e164(did) or number)
        if not bought:
            return None
        return ProviderOrder(
            external_id=ORDER_PREFIX + ",".join(tokens),
            status=_status(len(bought), len(picks)),
            our_reference=our_reference,
            numbers=tuple(bought),
            quantity_ordered=len(picks),
            detail=f"{len(bought)} of {len(picks)} requested numbers on the account",
        )

    # --- owned numbers ---------------------------------------------------------------------

    def _owned(self) -> Iterator[wire.OwnedDid]:
        for raw in self.client.owned():
            try:
                yield wire.owned_did(raw)
            except wire.WireError as exc:
                logger.warning("%s owned DID skipped: %s (%.200r)", LABEL, exc, raw)
                listing_gap(f"{LABEL} owned DID skipped: {exc}")

    @staticmethod
    def _e164(did: wire.OwnedDid) -> str:
        try:
            return to_e164(did.number)
        except ValueError:
            logger.warning("%s did %s: number %r unreadable", LABEL, did.did_id, did.number)
            listing_gap(f"{LABEL} did {did.did_id}: unreadable number {did.number!r}")
            return ""

    def owned_numbers(self) -> Iterator[OwnedNumber]:
        for did in self._owned():
            number = self._e164(did)
            if not number:
                continue
            extra = {"type": did.type} if did.type else {}
            if did.forward_type or did.forward_destination:
                extra["forward_type"] = did.forward_type
                extra["forward_destination"] = did.forward_destination
            if did.monthly_cost is not None:
                extra["monthly_cost"] = str(did.monthly_cost)
            yield OwnedNumber(
                number=number,
                external_id=did.did_id,
                group_external_id=self._group_of(did, number),
                extra=extra,
            )

    @staticmethod
    def _group_of(did: wire.OwnedDid, number: str) -> str:
        if not did.country or not did.type:
            return ""
        try:
            return groups.listing(
                {
                    "did_id": did.did_id,
                    "did_number": number,
                    "country": did.country,
                    "type": did.type,
                    "monthly_cost": did.monthly_cost or 0,
                    "setup_fee": did.setup_fee or 0,
                }
            ).group_id
        except ValueError:
            return ""

    def route_set(self, number: str, route: Route) -> dict[str, Any]:
        """``/api/did/forward`` to the route's one target; returns ``did_id``,
        ``forward_type`` and ``forward_destination`` as ``suspension_snapshot`` records them."""
        route_check(LABEL, self.routing, route)
        forward_type, destination = route_forward(route.target)
        did = self._owned_did(number)
        if (did.forward_type, did.forward_destination) != (forward_type, destination):
            self.client.forward(did.did_id, destination, forward_type)
        return {
            "did_id": did.did_id,
            "forward_type": forward_type,
            "forward_destination": destination,
        }

    def release(self, number: str) -> None:
        self.client.release(self._did_id(number))

    def _did_id(self, number: str) -> str:
        """The did_id of an owned number (E.164 or as PBXme writes it)."""
        return self._owned_did(number).did_id


def _status(found: int, asked: int) -> OrderStatus:
    if asked and found >= asked:
        return OrderStatus.COMPLETED
    return OrderStatus.PARTIAL if found else OrderStatus.CANCELED
