"""What can be bought from a DID group, and how: one rule for the group page, the cart and the Buy.

The provider's adapter says what its API can do (``capabilities``, ``billing_cycles``,
``max_quantity``); the group says what stock the provider last reported (``available_count``,
``None`` when it does not say). From both, ``BuyingTerms`` answers:

- is the group buyable at all? Known stock 0 is not, unless the provider back-orders — then the
  group is "on request" (the order is sent with ``allow_backorder``, the money stays on hold until
  the numbers come);
- which billing cycles may be offered, and how many numbers one line may take;
- may the client pick exact numbers, and must a pick carry the provider's id for it?

``buyable_q``/``on_request_q`` are the same rules as query filters, for lists (the browser ranks
buyable rows first and labels "on request" ones with them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .providers.registry import ADAPTERS, adapter_class

ORDER_MAX_QUANTITY = 100  # didhub's own limit per cart line, whatever the provider allows
CYCLES = ("monthly", "quarterly", "annual")  # in the order they are offered


@dataclass(frozen=True, slots=True)
class BuyingTerms:
    stock: int | None  # numbers the provider last reported; None: it does not say
    backorder: bool  # the provider takes orders it cannot fill yet and fills them later
    can_pick: bool  # the client may choose exact numbers (from the provider's live list)
    picks_need_ids: bool  # a pick is only orderable with the provider's id for it
    billing_cycles: tuple[str, ...]
    max_quantity: int

    @property
    def on_request(self) -> bool:
        """Out of stock, but the provider back-orders: bought now, delivered when it has them."""
        return self.stock == 0 and self.backorder

    @property
    def buyable(self) -> bool:
        return self.stock != 0 or self.backorder

    @property
    def quantity_limit(self) -> int:
        """The most one line may take: the provider's limit, and the known stock if lower."""
        if self.stock is not None and self.stock > 0:
            return min(self.max_quantity, self.stock)
        return self.max_quantity

    def quantity_problem(self, quantity: int, *, already: int = 0) -> str:
        """Why ``quantity`` more numbers (``already`` being in the cart) cannot be bought; ``""``
        when they can."""
        if not self.buyable:
            return _("No numbers are available in this area right now.")
        if quantity < 1:
            return _("Order at least one number.")
        if quantity > self.max_quantity:
            return _("At most %(n)d numbers can be ordered at once in this area.") % {
                "n": self.max_quantity
            }
        if self.stock is not None and self.stock > 0 and quantity + already > self.stock:
            if already:
                return ngettext(
                    "Only %(n)d number is available in this area, and your cart already "
                    "has %(already)d.",
                    "Only %(n)d numbers are available in this area, and your cart already "
                    "has %(already)d.",
                    self.stock,
                ) % {"n": self.stock, "already": already}
            return ngettext(
                "Only %(n)d number available in this area.",
                "Only %(n)d numbers available in this area.",
                self.stock,
            ) % {"n": self.stock}
        return ""

    def cycle_problem(self, cycle: str) -> str:
        if cycle in self.billing_cycles:
            return ""
        if self.billing_cycles == ("monthly",):
            return _("Numbers in this area are billed monthly only.")
        return _("This billing cycle is not offered for numbers in this area.")

    def picks_problem(self, numbers: Sequence[str], number_ids: Sequence[str]) -> str:
        if not numbers:
            return ""
        if not self.can_pick:
            return _("Exact numbers cannot be chosen in this area; order a quantity instead.")
        if len(set(numbers)) != len(numbers):
            return _("The same number was picked twice.")
        if number_ids and len(number_ids) != len(numbers):
            return _("The numbers picked must be picked again.")
        if self.picks_need_ids and (not number_ids or not all(number_ids)):
            return _("The numbers picked must be picked again.")
        return ""


@cache
def _provider_terms(kind: str) -> tuple[bool, bool, bool, tuple[str, ...], int]:
    adapter = adapter_class(kind)
    capabilities = adapter.capabilities
    offered = getattr(adapter, "billing_cycles", frozenset({"monthly"}))
    return (
        "backorder" in capabilities,
        "pick_number" in capabilities,
        "pick_by_id" in capabilities,
        tuple(c for c in CYCLES if c in offered),
        min(getattr(adapter, "max_quantity", ORDER_MAX_QUANTITY), ORDER_MAX_QUANTITY),
    )


def live_stock(listed: int, *, asked: int) -> int | None:
    """The stock a live list of numbers shows: a provider that listed some, but fewer than
    ``asked``, has no more right now. An empty list proves nothing (DIDWW lists no numbers of
    groups it sells only by quantity), nor does a full one."""
    return listed if 0 < listed < asked else None


def terms_for(group, *, live_count: int | None = None) -> BuyingTerms:
    """The terms of one ``DidGroup`` (its ``account`` is read: select it with the group).

    ``live_count`` (see ``live_stock``) is fresher than the stock of the last sync and wins
    over it."""
    backorder, can_pick, need_ids, cycles, max_quantity = _provider_terms(group.account.kind)
    return BuyingTerms(
        stock=group.available_count if live_count is None else live_count,
        backorder=backorder,
        can_pick=can_pick,
        picks_need_ids=need_ids,
        billing_cycles=cycles,
        max_quantity=max_quantity,
    )


def backorder_kinds() -> tuple[str, ...]:
    return tuple(kind for kind in ADAPTERS if _provider_terms(kind)[0])


def buyable_q(prefix: str = "") -> Q:
    """Groups that can be bought now or on request (``prefix``: the path to the group, e.g.
    ``"group__"``). Known stock 0 at a provider that does not back-order is left out."""
    return (
        Q(**{f"{prefix}available_count__isnull": True})
        | Q(**{f"{prefix}available_count__gt": 0})
        | Q(**{f"{prefix}account__kind__in": backorder_kinds()})
    )


def on_request_q(prefix: str = "") -> Q:
    """Groups out of stock whose provider back-orders: shown as "on request"."""
    return Q(**{f"{prefix}available_count": 0}) & Q(
        **{f"{prefix}account__kind__in": backorder_kinds()}
    )
