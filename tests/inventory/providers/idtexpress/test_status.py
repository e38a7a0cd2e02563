"""IDT's human statuses (en dashes, mixed case, odd spacing) as OrderStatus."""

from __future__ import annotations

import pytest

from inventory.providers.idtexpress import status
from inventory.providers.types import OrderStatus, Shortfall

from .support import EN_DASH

P, C, PA, B, X = (
    OrderStatus.PENDING,
    OrderStatus.COMPLETED,
    OrderStatus.PARTIAL,
    OrderStatus.BACKORDERED,
    OrderStatus.CANCELED,
)


@pytest.mark.parametrize(
    ("text", "ordered", "fulfilled", "expected"),
    [
        ("Preview", 3, 0, P),
        ("Received", 3, 0, P),
        ("Processing", 3, 0, P),
        ("Created", 3, 0, P),
        (f"Fulfilled {EN_DASH} Complete", 3, 3, C),
        ("Fulfilled - Complete", 3, 3, C),  # the document's own table uses a hyphen here
        ("complete", 1, 1, C),
        (f"Fulfilled {EN_DASH} Complete", 3, 2, PA),  # fewer numbers than ordered
        ("Complete", 2, 0, X),  # the Get Orders example: complete with nothing delivered
        (f"Partially Fulfilled {EN_DASH} Complete", 3, 1, PA),
        ("Backordered", 3, 0, B),
        (f"Partially Fulfilled {EN_DASH} Backordered", 5, 2, B),
        (f"partially fulfilled{EN_DASH}backordered", 5, 2, B),
        ("  PARTIALLY   FULFILLED \N{EM DASH} BACKORDERED ", 5, 2, B),
        ("Backorder Canceled", 3, 0, X),
        (f"Partially Fulfilled {EN_DASH} Backorder Canceled", 3, 1, PA),
        (f"Canceled {EN_DASH} Insufficient Funds", 3, 0, X),
        (f"Cancelled {EN_DASH} Insufficient Funds", 3, 0, X),
        (f"Canceled {EN_DASH} Insufficient Inventory", 3, 0, X),
        (f"Partially Fulfilled {EN_DASH} Insufficient Funds", 3, 2, PA),
    ],
)
def test_documented_statuses(text: str, ordered: int, fulfilled: int, expected: OrderStatus):
    reading = status.read(text, ordered=ordered, fulfilled=fulfilled)
    assert reading.status is expected
    assert reading.known is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Something New", P),  # unknown: keep polling rather than guess an end
        (f"Canceled {EN_DASH} Fraud Review", X),
        ("Back-ordered (waiting)", B),
    ],
)
def test_undocumented_statuses_are_read_by_their_words(text: str, expected: OrderStatus):
    reading = status.read(text, ordered=2, fulfilled=0)
    assert reading.status is expected
    assert reading.known is False


def test_causes_name_funds_and_inventory():
    funds = status.read(f"Canceled {EN_DASH} Insufficient Funds", ordered=1, fulfilled=0)
    stock = status.read(f"Canceled {EN_DASH} Insufficient Inventory", ordered=1, fulfilled=0)
    assert "insufficient funds" in funds.cause
    assert "stock" in stock.cause
    done = status.read(f"Fulfilled {EN_DASH} Complete", ordered=1, fulfilled=1)
    assert done.cause == ""


def test_canonical_folds_dashes_space_and_case():
    assert status.canonical(f"Partially  Fulfilled {EN_DASH}Backordered") == (
        "partially fulfilled - backordered"
    )
    assert status.is_insufficient_funds("CANCELED\N{EN DASH}insufficient  funds")


@pytest.mark.parametrize(
    ("text", "shortfall"),
    [
        (f"Canceled {EN_DASH} Insufficient Inventory", Shortfall.OUT_OF_STOCK),
        ("Partially Fulfilled - Complete", Shortfall.OUT_OF_STOCK),
        ("Canceled - Insufficient Funds", Shortfall.PROVIDER_FUNDS),
        ("Backorder Canceled", Shortfall.BACKORDER_CANCELED),
        ("Canceled", None),
    ],
)
def test_why_an_order_ended_short_is_a_kind_didhub_explains_in_its_own_words(text, shortfall):
    """Clients never read IDT's words: the cause travels as a kind (billing/explanations.py)."""
    assert status.read(text, ordered=2, fulfilled=1 if "Partially" in text else 0).shortfall == (
        shortfall
    )
