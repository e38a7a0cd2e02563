"""DIDfarm adapter: number-level search grouped into DID groups, wallet checkout of exact numbers.

Orders. DIDfarm has no order endpoint: an order is what ``POST /wallet/checkout`` answered
(``order_id``, one ``did_number_id`` per number), and later its state is read from the owned
numbers (``GET /numbers``, each carrying ``order_id`` and a status) — ``provisioning`` until the
number is live. Our reference travels as checkout ``metadata`` (the documents name no reference
field; DIDfarm's own ``reference_type``/``reference_id`` on transactions point at its order).
``find_order`` looks for that metadata on wallet transactions first, then on owned numbers.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import ClassVar

from ..errors import InvalidRequest, NotFound
from ..http import AccountConfig
from ..listing import listing_gap
from ..normalize import to_e164
from ..types import (
    AccountStatus,
    AvailableNumber,
    CoverageRecord,
    DestinationKind,
    NumberType,
    OrderRequest,
    OrderStatus,
    OwnedNumber,
    ProviderOrder,
    RoutingSupport,
    SentMessage,
)
from . import PROVIDER, groups, wire
from .client import DidfarmClient
from .routing import DidfarmRouting
from .suspension import DidfarmSuspension
from .wire import LABEL

logger = logging.getLogger("didhub.providers")

# Searched per configured country. The older reference lists four types; shared-cost is tried too
# and a country/type DIDfarm refuses (422) is logged and skipped.
SEARCH_TYPES = (
    NumberType.LOCAL,
    NumberType.MOBILE,
    NumberType.NATIONAL,
    NumberType.TOLL_FREE,
    NumberType.SHARED_COST,
)
REFERENCE_KEY = "reference"  # our reference inside checkout metadata

_AWAITING_DOCUMENTS = "pending_regulatory"  # delivered, held until its documents are approved
_DELIVERED = frozenset({"active", _AWAITING_DOCUMENTS, "suspended", "released"})
_FAILED = frozenset({"failed", "canceled", "cancelled", "rejected"})
_OWNED_STATUS = {
    "active": "active",
    "pending_regulatory": "awaiting_registration",
    "suspended": "blocked",
    "released": "terminated",
}


class DidfarmAdapter(DidfarmRouting, DidfarmSuspension):
    kind: ClassVar[str] = "didfarm"
    # No "forwarding": DIDfarm routes numbers to SIP trunks only (routing.py).
    # "reference": our reference rides in checkout metadata, so find_order needs nothing else.
    capabilities: ClassVar[frozenset[str]] = PROVIDER.capabilities
    billing_cycles: ClassVar[frozenset[str]] = PROVIDER.billing_cycles
    max_quantity: ClassVar[int] = 100
    # Suspension unroutes the number (the documented did-routing call with no trunk) and restore
    # routes it back. Neither document gives a release call, so a release is an admin's task
    # in DIDfarm's portal ("release these upstream"), marked done in didhub.
    upstream_actions: ClassVar[Mapping[str, str]] = {
        "suspend": "api",
        "restore": "api",
        "release": "manual",
    }
    # DIDfarm rings a number on a SIP trunk it made for us (/portal/did-routing); its documents
    # offer no SIP URI or PSTN forward for an owned number.
    routing: ClassVar[RoutingSupport] = RoutingSupport(
        mode="api", kinds=frozenset({DestinationKind.TRUNK})
    )

    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        self.client = DidfarmClient(config)

    def close(self) -> None:
        self.client.close()

    # --- account ----------------------------------------------------------------------------

    def check(self) -> AccountStatus:
        """The wallet balance; typed errors (``AuthFailed``…) when the account cannot be used."""
        balance = self.client.balance()
        currency = balance.currency or self.config.currency
        if self.config.currency and currency != self.config.currency:
            return AccountStatus(
                ok=False,
                balance=balance.amount,
                currency=currency,
                detail=f"{LABEL} wallet is in {currency}, the account is set up for "
                f"{self.config.currency}",
            )
        return AccountStatus(ok=True, balance=balance.amount, currency=currency)

    # --- catalog ----------------------------------------------------------------------------

    def coverage(self) -> Iterator[CoverageRecord]:
        """Every group found by searching each configured country per number type.

        Streams: see ``groups.fold``. Should DIDfarm answer out of number order, that search is
        walked again with every group held to the end, and the groups not yielded yet follow.
        Groups streamed before the disorder showed stay as yielded (a sync keeps the first record
        per ``external_id``); their counts may be short until the next sync — logged.
        """
        if not self.config.countries:
            logger.warning("%s account %s has no countries to search", LABEL, self.config.name)
        for country in self.config.countries:
            for kind in SEARCH_TYPES:
                try:
                    yield from self._coverage_of(country.upper(), kind)
                except (InvalidRequest, NotFound) as exc:
                    logger.warning("%s: skipping %s %s: %s", LABEL, country, kind.value, exc)

    def _coverage_of(self, country: str, kind: NumberType) -> Iterator[CoverageRecord]:
        yielded: set[str] = set()  # ids only, to finish a walk that turns out unordered
        try:
            for record in groups.fold(self.client.search(country=country, number_type=kind)):
                yielded.add(record.external_id)
                yield record
        except groups.Unordered as exc:
            logger.warning(
                "%s %s %s: %s; searching again, buffered (%d groups already streamed may be "
                "understated until the next sync)",
                LABEL, country, kind.value, exc, len(yielded),
            )  # fmt: skip
            found = self.client.search(country=country, number_type=kind)
            for record in groups.fold(found, ordered=False):
                if record.external_id not in yielded:
                    yield record

    def available_numbers(self, group_external_id: str, *, limit: int) -> list[AvailableNumber]:
        return [
            AvailableNumber(number=found.number, group_external_id=group_external_id)
            for found in self._search_group(group_external_id, limit)
        ]

    def _search_group(self, group_external_id: str, limit: int) -> list[wire.SearchNumber]:
        try:
            key = groups.parse_external_id(group_external_id)
        except ValueError as exc:
            raise InvalidRequest(f"{LABEL}: {exc}", field="group_external_id") from exc
        result: list[wire.SearchNumber] = []
        if limit <= 0:
            return result
        search = self.client.search(country=key.country, number_type=key.number_type, city=key.city)
        for found in search:
            if found.number_type is key.number_type and key.matches(found.number, found.city):
                result.append(found)
                if len(result) >= limit:
                    break
        return result

    # --- orders -----------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> ProviderOrder:
        key = self._order_key(request)
        picked = not request.numbers
        numbers = self._pick(key, request) if picked else self._explicit(key, request)
        try:
            return self._checkout(key, request, numbers)
        except InvalidRequest as exc:
            # The checkout is atomic (nothing charged) and our pick raced another buyer: pick again.
            if not (picked and exc.code == "number_unavailable"):
                raise
            logger.info("%s: a picked number was sold meanwhile, picking again", LABEL)
            return self._checkout(key, request, self._pick(key, request))

    def _order_key(self, request: OrderRequest) -> groups.GroupKey:
        try:
            return groups.parse_external_id(request.group_external_id)
        except ValueError as exc:
            raise InvalidRequest(f"{LABEL}: {exc}", field="group_external_id") from exc

    def _pick(self, key: groups.GroupKey, request: OrderRequest) -> list[str]:
        """DIDfarm sells exact numbers: a quantity-only order takes the cheapest ones on offer."""
        if request.quantity < 1:
            raise InvalidRequest(f"{LABEL}: order at least one number", field="quantity")
        offer = self._search_group(key.external_id, limit=max(request.quantity * 4, 20))
        if len(offer) < request.quantity:
            raise InvalidRequest(
                f"{LABEL}: only {len(offer)} numbers available in {key.external_id}, "
                f"{request.quantity} ordered",
                field="quantity",
            )
        offer.sort(key=lambda n: (n.monthly, n.setup, n.number))
        return [n.number for n in offer[: request.quantity]]

    def _explicit(self, key: groups.GroupKey, request: OrderRequest) -> list[str]:
        numbers = []
        prefix = key.prefix(groups.calling_code(key.country))
        for raw in request.numbers:
            try:
                number = to_e164(raw)
            except ValueError as exc:
                raise InvalidRequest(f"{LABEL}: {exc}", field="numbers") from exc
            if not number.startswith(prefix or f"+{groups.calling_code(key.country)}"):
                raise InvalidRequest(
                    f"{LABEL}: {number} is not in group {key.external_id}", field="numbers"
                )
            numbers.append(number)
        return numbers

    def _checkout(
        self, key: groups.GroupKey, request: OrderRequest, numbers: list[str]
    ) -> ProviderOrder:
        items = [
            {
                "number": number,
                "country": key.country,
                "type": key.number_type.value,
                "billing_cycle": request.billing_cycle,  # the older API's order field
            }
            for number in numbers
        ]
        result = self.client.checkout(items, metadata={REFERENCE_KEY: request.our_reference})
        statuses = [item.status for item in result.items]
        return ProviderOrder(
            external_id=result.order_id,
            status=_order_status(statuses),
            our_reference=request.our_reference,
            numbers=tuple(i.number for i in result.items if i.status in _DELIVERED),
            quantity_ordered=len(numbers),
            charged=result.total,
            detail=result.status or ", ".join(sorted(set(statuses))),
            awaiting_registration=tuple(
                i.number for i in result.items if i.status == _AWAITING_DOCUMENTS
            ),
        )

    def get_order(self, external_id: str) -> ProviderOrder:
        """The order's state from the owned numbers that carry its ``order_id``."""
        dids = [did for did in self.client.numbers() if did.order_id == str(external_id)]
        if not dids:
            raise NotFound(f"{LABEL} has no numbers for order {external_id}")
        statuses = [did.status for did in dids]
        reference = next(
            (d.metadata[REFERENCE_KEY] for d in dids if REFERENCE_KEY in d.metadata), ""
        )
        return ProviderOrder(
            external_id=str(external_id),
            status=_order_status(statuses),
            our_reference=reference,
            numbers=tuple(sorted(d.number for d in dids if d.status in _DELIVERED)),
            quantity_ordered=len(dids),
            detail=", ".join(sorted(set(statuses))),
            awaiting_registration=tuple(
                sorted(d.number for d in dids if d.status == _AWAITING_DOCUMENTS)
            ),
        )

    def find_order(
        self,
        our_reference: str,
        *,
        request: OrderRequest | None = None,
        placed_after: datetime | None = None,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The upstream order placed with ``our_reference``, or None if there is none.

        Wallet transactions are the record of every checkout (``reference_type`` "order",
        ``reference_id`` its id, our metadata alongside); owned numbers are the fallback. The
        reference is enough, so the other arguments of the contract are not used.
        """
        del request, placed_after, claimed
        for txn in self.client.transactions():
            if txn.metadata.get(REFERENCE_KEY) != our_reference or not txn.reference_id:
                continue
            if txn.reference_type not in ("order", ""):
                continue
            charged = -txn.amount if txn.amount is not None and txn.amount < 0 else txn.amount
            try:
                order = self.get_order(txn.reference_id)
            except NotFound:  # charged, numbers not listed yet
                return ProviderOrder(
                    external_id=txn.reference_id,
                    status=OrderStatus.PENDING,
                    our_reference=our_reference,
                    charged=charged,
                )
            return dataclasses.replace(order, our_reference=our_reference, charged=charged)
        for did in self.client.numbers():
            if did.metadata.get(REFERENCE_KEY) == our_reference and did.order_id:
                return dataclasses.replace(
                    self.get_order(did.order_id), our_reference=our_reference
                )
        return None

    # --- numbers ----------------------------------------------------------------------------

    def owned_numbers(self) -> Iterator[OwnedNumber]:
        for did in self.client.numbers():
            status = _OWNED_STATUS.get(did.status)
            if status is None:
                # "provisioning" numbers belong to an order still being filled: get_order has them.
                if did.status != "provisioning":
                    logger.warning(
                        "%s: number %s has unknown status %r", LABEL, did.number, did.status
                    )
                    listing_gap(f"{LABEL}: number {did.number} has unknown status {did.status!r}")
                continue
            group = ""
            if did.country and did.number_type is not None:
                group = groups.key_for(
                    did.number, did.country, did.number_type, did.city
                ).external_id
            extra = {"order_id": did.order_id, "sip_trunk_id": did.sip_trunk_id}
            if did.billing_cycle:
                extra["billing_cycle"] = did.billing_cycle
            yield OwnedNumber(
                number=did.number,
                external_id=did.id,
                group_external_id=group,
                status=status,
                expires_at=did.expires_at,
                extra=extra,
            )

    def release(self, number: str) -> None:
        did = self._owned(number)
        if did.status == "released":
            return  # already given back: releasing is idempotent for us
        self.client.release(did.id)

    def _owned(self, number: str) -> wire.OwnedDid:
        try:
            wanted = to_e164(number)
        except ValueError as exc:
            raise InvalidRequest(f"{LABEL}: {exc}", field="number") from exc
        released = None
        for did in self.client.numbers():
            if did.number == wanted:
                if did.status != "released":
                    return did
                released = did
        if released is not None:
            return released
        raise NotFound(f"{LABEL}: {wanted} is not a number of this account")

    # --- messages (issue #12) ---------------------------------------------------------------

    def sms_send(self, sender: str, to: str, body: str) -> SentMessage:
        """``POST /messages/send`` {from, to, body}. Charged per message upstream, so it is sent
        once: a timeout, a lost answer or a 5xx raise ``OutcomeUnknown`` (the message may have
        gone) and the caller must not send it again blindly; a 429 raises ``RateLimited`` (it
        did not go: sending later is safe). A refused sender or destination is
        ``InvalidRequest`` with ``field`` "from" or "to"."""
        numbers = {}
        for name, raw in (("from", sender), ("to", to)):
            try:
                numbers[name] = to_e164(raw)
            except ValueError as exc:
                raise InvalidRequest(f"{LABEL}: {exc}", field=name) from exc
        if not body.strip():
            raise InvalidRequest(f"{LABEL}: a message needs a body", field="body")
        sent = self.client.send_message(sender=numbers["from"], to=numbers["to"], body=body)
        return SentMessage(external_id=sent.id, status=sent.status or "sent")


def _order_status(statuses: list[str]) -> OrderStatus:
    if not statuses:
        return OrderStatus.CANCELED
    delivered = sum(1 for s in statuses if s in _DELIVERED)
    failed = sum(1 for s in statuses if s in _FAILED)
    if delivered + failed < len(statuses):  # provisioning, or a status we do not know yet
        return OrderStatus.PENDING
    if failed == 0:
        return OrderStatus.COMPLETED
    return OrderStatus.PARTIAL if delivered else OrderStatus.CANCELED
