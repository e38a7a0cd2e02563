"""Normalized types every provider adapter speaks (DESIGN.md §2).

Adapters parse each provider's wire shapes at the boundary and hand the rest of didhub only these:
numbers in E.164, money as ``Decimal`` in the account's currency, number types and features from
the fixed vocabularies below.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol


class NumberType(enum.StrEnum):
    LOCAL = "local"
    MOBILE = "mobile"
    NATIONAL = "national"
    TOLL_FREE = "toll_free"
    SHARED_COST = "shared_cost"


class Feature(enum.StrEnum):
    VOICE = "voice"
    SMS = "sms"
    FAX = "fax"
    EMERGENCY = "emergency"


class Shortfall(enum.StrEnum):
    """Why an order ended with fewer numbers than ordered, where the provider says."""

    OUT_OF_STOCK = "out_of_stock"  # too few numbers in stock
    PROVIDER_FUNDS = "provider_funds"  # the platform's account upstream was short of money
    BACKORDER_CANCELED = "backorder_canceled"  # a back-order gave up waiting for stock


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # accepted upstream, not (fully) delivered yet
    COMPLETED = "completed"  # every ordered number delivered
    PARTIAL = "partial"  # finished with fewer numbers than ordered
    BACKORDERED = "backordered"  # waiting for stock upstream
    CANCELED = "canceled"  # finished with no numbers (refused, out of stock, canceled)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str  # ISO 4217


@dataclass(frozen=True, slots=True)
class AccountStatus:
    ok: bool
    balance: Decimal | None
    currency: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Sku:
    external_id: str
    setup_price: Decimal
    monthly_price: Decimal
    channels: int | None = None  # included channels, where the provider says


@dataclass(frozen=True, slots=True)
class CoverageRecord:
    """One orderable DID group with its SKUs.

    Number-level providers (DIDfarm, PBXme) group their search results by
    (country, type, city or area code) and report the numbers found in ``available_numbers``.
    """

    external_id: str
    country: str  # ISO 3166-1 alpha-2
    number_type: NumberType
    features: frozenset[Feature]
    skus: tuple[Sku, ...]
    region_code: str = ""  # ISO 3166-2, e.g. "US-NY", where known
    region_name: str = ""
    city: str = ""
    npa: str = ""  # NANP area code
    nxx: str = ""  # NANP exchange
    area_prefix: str = ""  # dialling prefix inside the country (area code) outside NANP
    area_name: str = ""
    needs_registration: bool = False
    available_count: int | None = None  # None: the provider does not say
    available_numbers: tuple[str, ...] = ()  # E.164, number-level providers only


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    number: str  # E.164
    external_id: str = ""  # the provider's id for picking this exact number, if any
    group_external_id: str = ""


@dataclass(frozen=True, slots=True)
class OrderRequest:
    our_reference: str  # didhub's order-item reference; sent upstream where the API allows
    group_external_id: str
    sku_external_id: str = ""
    quantity: int = 1
    numbers: tuple[str, ...] = ()  # exact numbers (E.164) when the client picked them
    number_ids: tuple[str, ...] = ()  # provider ids of picked numbers, where the API wants ids
    billing_cycle: str = "monthly"  # "monthly" | "quarterly" | "annual"
    callback_url: str = ""
    allow_backorder: bool = False


@dataclass(frozen=True, slots=True)
class ProviderOrder:
    external_id: str
    status: OrderStatus
    our_reference: str = ""
    numbers: tuple[str, ...] = ()  # E.164 numbers delivered so far
    quantity_ordered: int = 0
    charged: Decimal | None = None
    detail: str = ""  # the provider's own status text, for admins (it may name the provider)
    shortfall: Shortfall | None = None  # why fewer numbers than ordered, where known
    # Delivered numbers the provider holds until their documents are approved (regulated areas).
    awaiting_registration: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnedNumber:
    number: str  # E.164
    external_id: str
    group_external_id: str = ""
    status: str = "active"  # "active" | "awaiting_registration" | "blocked" | "terminated"
    expires_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


class DestinationKind(enum.StrEnum):
    """Where a number's calls can go (issue #12)."""

    SIP_URI = "sip_uri"  # the client's own SIP address, ``sip:user@host[:port]``
    TRUNK = "trunk"  # a SIP trunk the platform created upstream for the client (credentials)
    PSTN = "pstn"  # forwarded to a phone number, E.164


@dataclass(frozen=True, slots=True)
class RouteTarget:
    kind: DestinationKind
    # SIP_URI: "sip:user@host[:port]"; PSTN: E.164 ("+33612345678"); TRUNK: the trunk's upstream
    # id as ``trunk_create`` returned it (``TrunkCredentials.external_id``).
    address: str


@dataclass(frozen=True, slots=True)
class Route:
    """What ``route_set`` makes a number ring: a target and, where supported, a failover."""

    target: RouteTarget
    failover: RouteTarget | None = None


@dataclass(frozen=True, slots=True)
class RoutingSupport:
    """What an adapter can do about routing: the page shows this before the client chooses.

    ``mode``: "api" (``route_set`` applies it), "manual" (the provider has no routing API: an
    admin sets it up upstream and marks the task done) or "none" (routing is not offered).
    ``kinds`` are the destination kinds this provider can ring; ``failover`` whether a second
    target may be given.
    """

    mode: str
    kinds: frozenset[DestinationKind] = frozenset()
    failover: bool = False


@dataclass(frozen=True, slots=True)
class TrunkCredentials:
    """A SIP trunk made upstream for a client. ``password`` is shown to the client once."""

    external_id: str
    name: str
    sip_server: str
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    external_id: str  # the provider's message id, "" where it gives none
    status: str = "sent"  # the provider's word for it ("queued", "sent")


# What we may ask a provider to do to a number we own (``inventory.upstream``), and how each
# provider does it: through its API, here only (it has no API for it: the action completes at
# once without a call) or by an admin upstream (an admin task list with a "done" action).
UPSTREAM_KINDS = ("suspend", "restore", "release")
UPSTREAM_MODES = ("api", "local", "manual")


class ProviderAdapter(Protocol):
    """What didhub asks of every provider (DESIGN.md §2).

    ``capabilities`` that matter for buying safely:

    - ``"reference"``: our reference travels with the order upstream, so ``find_order`` resolves
      it by reference alone, from any process (DIDWW, DIDfarm).
    - ``"pick_number"``: ``available_numbers`` lists numbers with the provider's id for them.
    - ``"pick_by_id"``: a picked number is ordered by that id (``number_ids``), never by the
      number alone (DIDWW's available DID id).
    - ``"backorder"``: the provider accepts an order it cannot fill yet (``allow_backorder``) and
      fills it later; only such groups are offered "on request" when out of stock.

    ``upstream_actions`` maps each of ``UPSTREAM_KINDS`` to one of ``UPSTREAM_MODES``: callers
    call ``suspension_snapshot``/``suspend``/``restore``/``release`` only for kinds marked
    ``"api"`` and never guess what a provider can do.

    ``billing_cycles`` are the cycles ``place_order`` accepts and ``max_quantity`` the most
    numbers one order may ask for; ``inventory.buying`` offers only what these allow.

    An adapter without ``"reference"`` can only recognise a lost order by what was asked for, so
    the caller persists, before calling ``place_order``, the exact ``OrderRequest`` it sends and
    the time it started (UTC), and passes both to ``find_order``. Where the adapter also has
    ``"pick_number"`` (PBXme), the caller first picks with ``available_numbers(group,
    limit=quantity)`` and sends the picks as ``numbers`` *and* ``number_ids``: an order of "any N
    numbers" chooses them inside ``place_order``, where no other process can see which ones.
    """

    kind: ClassVar[str]  # the provider package's ``PROVIDER.kind``
    capabilities: ClassVar[frozenset[str]]
    billing_cycles: ClassVar[frozenset[str]]  # of "monthly", "quarterly", "annual"
    max_quantity: ClassVar[int]
    upstream_actions: ClassVar[Mapping[str, str]]  # kind -> "api" | "local" | "manual"

    def close(self) -> None:
        """Close the HTTP client. Not for adapters from ``adapter_for``: the pool owns those."""

    def check(self) -> AccountStatus: ...
    def coverage(self) -> Iterator[CoverageRecord]: ...
    def available_numbers(self, group_external_id: str, *, limit: int) -> list[AvailableNumber]: ...
    def place_order(self, request: OrderRequest) -> ProviderOrder: ...
    def get_order(self, external_id: str) -> ProviderOrder: ...
    def find_order(
        self,
        our_reference: str,
        *,
        request: OrderRequest | None = None,
        placed_after: datetime | None = None,
        claimed: frozenset[str] = frozenset(),
    ) -> ProviderOrder | None:
        """The upstream order placed for ``our_reference``, after an unknown outcome.

        ``request`` is exactly what was sent to ``place_order``, ``placed_after`` when the caller
        started that attempt (UTC), ``claimed`` the upstream order ids other references of ours
        already own (they are never handed out again). Adapters with ``"reference"`` ignore them.

        ``None`` means verified: no order was placed, buying again is safe. It is never returned
        on a guess. Raising means unresolved, never "not placed": ``OutcomeUnknown`` or
        ``Unavailable`` mean "cannot tell yet, try later" (PBXme's ``OutcomeUnknown`` for an order
        without exact picks says in its message that only a person can tell); ``InvalidRequest``
        means these arguments can never tell (pass ``request`` and ``placed_after``).
        """

    def owned_numbers(self) -> Iterator[OwnedNumber]: ...

    # Routing, trunks and messages (issue #12). Only what ``routing`` and ``capabilities``
    # ("trunks", "sms") declare is ever called; anything else raises ``InvalidRequest``.
    routing: ClassVar[RoutingSupport]

    def route_set(self, number: str, route: Route) -> dict[str, Any]:
        """Make calls to ``number`` (E.164) ring ``route``; for ``routing.mode == "api"`` only.

        Repeating it with the same route is harmless (a retried job after a lost answer).
        Returns what was made or changed upstream, JSON-ready (e.g. DIDWW's voice-in trunk ids),
        for the caller to keep. Typed errors as everywhere; ``InvalidRequest(field="address")``
        when the provider refuses the target itself.
        """

    def trunk_create(self, name: str) -> TrunkCredentials:
        """Create a SIP trunk named ``name`` (unique per account: our reference); "trunks" only.

        After a lost answer the caller calls it again with the same name: an adapter that can
        list trunks returns the existing one (with a regenerated password, since the first one
        is lost) rather than creating a second.
        """

    def trunk_regenerate(self, external_id: str) -> TrunkCredentials:
        """New credentials for a trunk; the old password stops working."""

    def trunk_delete(self, external_id: str) -> None:
        """Remove a trunk; ``NotFound`` means already gone (callers treat it as done)."""

    def sms_send(self, sender: str, to: str, body: str) -> SentMessage:
        """Send a text from ``sender`` (a number of ours with SMS) to ``to`` (E.164); "sms"."""

    def suspension_snapshot(self, number: str) -> dict[str, Any]:
        """What ``suspend`` is about to change on ``number`` (E.164), JSON-ready, read only.

        The caller stores it *before* calling ``suspend`` and keeps the first one it took, so a
        suspension retried after a lost answer never records the suspended state as the one to
        go back to. ``NotFound`` when the account does not own the number.
        """

    def suspend(self, number: str) -> None:
        """Stop the provider renewing and routing ``number`` without giving it up.

        Repeating it is harmless. Typed errors as everywhere (``Unavailable``/``RateLimited``:
        try again later; ``NotFound``, ``InvalidRequest``, ``AuthFailed``: a person must look).
        """

    def restore(self, number: str, snapshot: Mapping[str, Any]) -> None:
        """Undo ``suspend``: put back what ``suspension_snapshot`` recorded. An empty snapshot
        (no suspension ever landed) restores the defaults we buy with (renew forever) and
        leaves the routing alone. Repeating it is harmless."""

    def release(self, number: str) -> None:
        """Give ``number`` back to the provider for good. ``NotFound`` when the account no
        longer holds it as active (already released, or never ours): callers treat that as
        done, so a release retried after a lost answer is never an error."""
