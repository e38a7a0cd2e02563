"""IDT's human order and order-item statuses as ``OrderStatus``.

The statuses are prose with an en dash (U+2013, "Partially Fulfilled - Backordered" on the wire);
the document also writes a hyphen ("Fulfilled - Complete") and its examples mix case ("complete",
"Complete"), so statuses are compared after folding dashes, whitespace and case. The quantities
have the last word: an item "complete" with fewer numbers than ordered is partial, with none
canceled.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..types import OrderStatus, Shortfall

_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+\s*")
_SPACES = re.compile(r"\s+")

_FUNDS = "insufficient funds on the IDT Express account"
_INVENTORY = "IDT Express had too few numbers in stock"
_BACKORDER = "the back-order was canceled"

# canonical text -> (status, cause for people)
_KNOWN: dict[str, tuple[OrderStatus, str]] = {
    "preview": (OrderStatus.PENDING, ""),
    "created": (OrderStatus.PENDING, ""),
    "received": (OrderStatus.PENDING, ""),
    "processing": (OrderStatus.PENDING, ""),
    "pending": (OrderStatus.PENDING, ""),
    "fulfilled - complete": (OrderStatus.COMPLETED, ""),
    "fulfilled": (OrderStatus.COMPLETED, ""),
    "complete": (OrderStatus.COMPLETED, ""),
    "completed": (OrderStatus.COMPLETED, ""),
    "partially fulfilled - complete": (OrderStatus.PARTIAL, _INVENTORY),
    "backordered": (OrderStatus.BACKORDERED, ""),
    "partially fulfilled - backordered": (OrderStatus.BACKORDERED, ""),
    "backorder canceled": (OrderStatus.CANCELED, _BACKORDER),
    "partially fulfilled - backorder canceled": (OrderStatus.PARTIAL, _BACKORDER),
    "canceled - insufficient funds": (OrderStatus.CANCELED, _FUNDS),
    "canceled - insufficient inventory": (OrderStatus.CANCELED, _INVENTORY),
    "partially fulfilled - insufficient funds": (OrderStatus.PARTIAL, _FUNDS),
    "canceled": (OrderStatus.CANCELED, ""),
}
_FINISHED = (OrderStatus.COMPLETED, OrderStatus.PARTIAL, OrderStatus.CANCELED)


def canonical(text: str) -> str:
    """``"Partially  Fulfilled <en dash>Backordered"`` -> "partially fulfilled - backordered"."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    folded = _DASHES.sub(" - ", folded)
    folded = _SPACES.sub(" ", folded).strip(" -")
    return (
        folded.replace("cancelled", "canceled")
        .replace("back - order", "backorder")
        .replace("back order", "backorder")
    )


@dataclass(frozen=True, slots=True)
class Reading:
    status: OrderStatus
    cause: str  # "" or why fewer numbers than ordered, for people
    known: bool  # False: guessed from words, or unknown and left pending

    @property
    def shortfall(self) -> Shortfall | None:
        """The cause as a kind didhub explains to clients in its own words."""
        return _SHORTFALLS.get(self.cause)


_SHORTFALLS = {
    _FUNDS: Shortfall.PROVIDER_FUNDS,
    _INVENTORY: Shortfall.OUT_OF_STOCK,
    _BACKORDER: Shortfall.BACKORDER_CANCELED,
}


def read(text: str, *, ordered: int, fulfilled: int) -> Reading:
    key = canonical(text)
    known = key in _KNOWN
    if known:
        status, cause = _KNOWN[key]
    else:
        status, cause = _guess(key)
    if status in _FINISHED:
        if fulfilled <= 0:
            status = OrderStatus.CANCELED
        elif ordered and fulfilled < ordered:
            status = OrderStatus.PARTIAL
        else:
            status = OrderStatus.COMPLETED
    return Reading(status, cause if status is not OrderStatus.COMPLETED else "", known)


def _guess(key: str) -> tuple[OrderStatus, str]:
    """A status the document does not list, read by its words; unknown ones stay pending."""
    cause = _FUNDS if "funds" in key else _INVENTORY if "inventory" in key else ""
    if "backorder" in key and "cancel" not in key:
        return OrderStatus.BACKORDERED, cause
    if "cancel" in key or "fail" in key or "reject" in key:
        return OrderStatus.CANCELED, cause or (_BACKORDER if "backorder" in key else "")
    if "partial" in key:
        return OrderStatus.PARTIAL, cause
    if "complete" in key or "fulfilled" in key:
        return OrderStatus.COMPLETED, cause
    return OrderStatus.PENDING, cause


def is_insufficient_funds(text: str) -> bool:
    return "insufficient funds" in canonical(text)
