"""Which numbers a PBXme order asked for, so a lost answer can be resolved against ``did/list``.

PBXme keeps no reference of ours, so an order is known only by its picks: (did_id, E.164) pairs.
They come from the ``OrderRequest`` the caller persisted before buying (provisioning picks first
and persists the picks), provided it names exact numbers; nothing is kept in process memory.
Our order ids list the picks too (``"assign:<did_id>,…"``), which is how orders ``claimed`` by
other references are told apart.
"""

from __future__ import annotations

from .. import errors
from ..normalize import to_e164
from ..types import OrderRequest
from .client import LABEL

ORDER_PREFIX = "assign:"

Picks = tuple[tuple[str, str], ...]  # (did_id, E.164); either may be "" when not known


def persisted_picks(our_reference: str, request: OrderRequest | None) -> Picks:
    """The picks of a request a caller persisted; "" where it sent only numbers or only ids."""
    if request is None or not (request.numbers or request.number_ids):
        # "No order" would invite buying twice; which numbers place_order chose is known nowhere.
        raise errors.OutcomeUnknown(
            f"{LABEL} keeps no order reference and no exact numbers were given for "
            f"{our_reference}: only a person comparing did/list with the order can tell"
        )
    if request.our_reference != our_reference:
        raise errors.InvalidRequest(
            f"{LABEL}: the request given is {request.our_reference}'s, not {our_reference}'s",
            field="request",
        )
    numbers = tuple(e164_or_raw(n) for n in request.numbers)
    ids = tuple(request.number_ids)
    if numbers and ids and len(numbers) != len(ids):
        raise errors.InvalidRequest(
            f"{LABEL}: number_ids and numbers differ in length", field="number_ids"
        )
    return tuple(zip(ids or ("",) * len(numbers), numbers or ("",) * len(ids), strict=True))


def order_tokens(external_id: str) -> list[str]:
    """The picks named by one of our order ids: did_ids, or E.164 numbers where no id was known."""
    if not external_id.startswith(ORDER_PREFIX):
        return []
    return [t for t in external_id.removeprefix(ORDER_PREFIX).split(",") if t]


def e164_or_raw(number: str) -> str:
    try:
        return to_e164(number)
    except ValueError:
        return number  # reported as not available, by the text the caller gave
