"""What a client or a reseller is told about an order item: a plain reason and the next step.

Provider errors and statuses are kept, word for word, in ``OrderItem.last_error`` for admins.
Everyone else reads an ``Outcome`` (stored on the item) turned into text here, at render time, in
the reader's language: no provider's name, account name or order id, no wire status, and always
something the reader can do next ("choose another number", "try again later", "write to …").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.providers import errors
from inventory.providers.types import Shortfall

from .models_orders import ItemState, OrderItem


class Outcome(enum.StrEnum):
    OUT_OF_STOCK = "out_of_stock"  # too few numbers in stock upstream
    NOT_OFFERED = "not_offered"  # the number or area is not offered any more
    REFUSED = "refused"  # the provider refused the order as it was placed
    NOT_SUPPLIED = "not_supplied"  # ended upstream without numbers, cause not given
    SUPPLY_PROBLEM = "supply_problem"  # the platform's own account upstream (funds, access)
    BACKORDER_CANCELED = "backorder_canceled"  # stock did not come back in time
    DOCUMENTS = "documents"  # delivered, held until documents are approved
    NOT_APPROVED = "not_approved"  # canceled while waiting for documents
    DELAYED = "delayed"  # retried too often: a person looks at it


_SHORTFALLS = {
    Shortfall.OUT_OF_STOCK: Outcome.OUT_OF_STOCK,
    Shortfall.PROVIDER_FUNDS: Outcome.SUPPLY_PROBLEM,
    Shortfall.BACKORDER_CANCELED: Outcome.BACKORDER_CANCELED,
}


def outcome_of_shortfall(shortfall: Shortfall | None) -> Outcome:
    return _SHORTFALLS.get(shortfall, Outcome.NOT_SUPPLIED) if shortfall else Outcome.NOT_SUPPLIED


def outcome_of_refusal(error: errors.ProviderError) -> Outcome:
    """A purchase refused outright, by the kind of error (never by its words)."""
    if isinstance(error, errors.NotFound):
        return Outcome.NOT_OFFERED
    if isinstance(error, errors.InvalidRequest) and (
        error.field == "quantity" or "unavailable" in error.code
    ):
        return Outcome.OUT_OF_STOCK
    if isinstance(error, errors.InsufficientFunds | errors.AuthFailed):
        return Outcome.SUPPLY_PROBLEM
    return Outcome.REFUSED


@dataclass(frozen=True)
class Explanation:
    reason: str
    next_step: str

    def __str__(self) -> str:
        return f"{self.reason} {self.next_step}".strip()


def _support(item: OrderItem) -> str:
    email = item.order.reseller.support_email
    return email or _("support")


def _failed(item: OrderItem, outcome: str) -> Explanation:
    refunded = _("The full amount was refunded to the wallet.")
    if outcome == Outcome.OUT_OF_STOCK:
        reason = _("The numbers in this area ran out before the order could be completed.")
        step = _("Choose another number or area.")
    elif outcome == Outcome.NOT_OFFERED:
        reason = _("This number or area is not offered any more.")
        step = _("Choose another number.")
    elif outcome == Outcome.REFUSED:
        reason = _("The order could not be accepted as it was placed.")
        step = _("Choose another number or billing period; if it happens again, write to "
                 "%(email)s.") % {"email": _support(item)}  # fmt: skip
    elif outcome == Outcome.SUPPLY_PROBLEM:
        reason = _("A problem on our side stopped the order.")
        step = _("Try again later.")
    elif outcome == Outcome.BACKORDER_CANCELED:
        reason = _("The numbers did not come back in stock in time.")
        step = _("Choose another area, or try again later.")
    elif outcome == Outcome.NOT_APPROVED:
        reason = _("The number could not be activated: its documents were not approved.")
        step = _("Write to %(email)s to find out why.") % {"email": _support(item)}
        refunded = _("Nothing was charged: the amount on hold went back to the wallet.")
    else:
        reason = _("The number could not be supplied.")
        step = _("Choose another number, or try again later.")
    return Explanation(reason, f"{step} {refunded}")


def _partial(item: OrderItem, outcome: str) -> Explanation:
    count = len(item.delivered_numbers)
    reason = ngettext(
        "%(n)d of %(q)d number was delivered.",
        "%(n)d of %(q)d numbers were delivered.",
        item.quantity,
    ) % {"n": count, "q": item.quantity}
    if outcome == Outcome.OUT_OF_STOCK:
        reason = f"{reason} {_('The area ran out of numbers.')}"
    elif outcome == Outcome.NOT_APPROVED:
        reason = f"{reason} {_('The documents for the others were not approved.')}"
    missing = item.quantity - count
    refunded = ngettext(
        "The undelivered number was refunded to the wallet.",
        "The %(n)d undelivered numbers were refunded to the wallet.",
        missing,
    ) % {"n": missing}
    return Explanation(
        reason, f"{refunded} {_('Choose another area for the rest, or try again later.')}"
    )


def explain(item: OrderItem) -> Explanation | None:
    """The reason and next step for ``item``; None when its state says everything."""
    state, outcome = item.state, item.outcome
    if state == ItemState.AWAITING_DOCUMENTS:
        return Explanation(
            _("This number is regulated: it needs documents (identity and address) before it "
              "can be activated."),
            _("Write to %(email)s to send them. The number is held for you: the amount stays on "
              "hold and is charged only once the documents are approved, or refunded if they "
              "are not.") % {"email": _support(item)},
        )  # fmt: skip
    if state == ItemState.BACKORDERED:
        return Explanation(
            _("Waiting for numbers to come back in stock."),
            _("Nothing to do: the order goes through by itself. The amount stays on hold "
              "until then."),
        )  # fmt: skip
    if state == ItemState.DEAD_LETTER:
        return Explanation(
            _("This is taking longer than expected; our team is looking into it."),
            _("Nothing to do: the amount stays on hold, and you will get an email when it is "
              "done."),
        )  # fmt: skip
    if state == ItemState.FAILED:
        return _failed(item, outcome)
    if state == ItemState.PARTIALLY_FULFILLED:
        return _partial(item, outcome)
    return None
