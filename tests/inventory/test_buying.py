"""What each provider's groups may be bought with (inventory/buying.py)."""

from __future__ import annotations

import pytest

from inventory.buying import BuyingTerms, live_stock, terms_for
from inventory.models import DidGroup, ProviderAccount


def terms(kind: str, stock: int | None) -> BuyingTerms:
    return terms_for(DidGroup(account=ProviderAccount(kind=kind), available_count=stock))


@pytest.mark.parametrize(
    ("kind", "cycles"),
    [
        ("didww", ("monthly",)),
        ("pbxme", ("monthly",)),
        ("idtexpress", ("monthly",)),
        ("didfarm", ("monthly", "quarterly", "annual")),
    ],
)
def test_each_provider_offers_the_cycles_its_api_bills(kind, cycles):
    assert terms(kind, 5).billing_cycles == cycles
    assert terms(kind, 5).cycle_problem("monthly") == ""
    assert bool(terms(kind, 5).cycle_problem("annual")) == ("annual" not in cycles)


@pytest.mark.parametrize(
    ("kind", "can_pick", "need_ids"),
    [("didww", True, True), ("pbxme", True, False), ("didfarm", True, False),
     ("idtexpress", False, False)],
)  # fmt: skip
def test_picking_is_offered_where_the_provider_can_order_a_picked_number(kind, can_pick, need_ids):
    t = terms(kind, 5)
    assert (t.can_pick, t.picks_need_ids) == (can_pick, need_ids)
    # A pick without the provider's id is refused where the provider orders by id only.
    assert bool(t.picks_problem(["+15125550100"], [])) == (not can_pick or need_ids)


def test_known_stock_limits_the_quantity_and_counts_the_cart():
    t = terms("didfarm", 3)
    assert t.quantity_problem(3) == ""
    assert t.quantity_problem(50) == "Only 3 numbers available in this area."
    assert "already has 2" in t.quantity_problem(2, already=2)
    assert t.quantity_problem(0) != ""
    assert terms("didfarm", None).quantity_problem(50) == ""  # the provider does not say


def test_the_providers_own_limit_per_order():
    assert terms("idtexpress", None).quantity_problem(100) == ""
    assert "At most 100" in terms("idtexpress", None).quantity_problem(101)


def test_no_stock_is_sold_out_unless_the_provider_back_orders():
    sold_out = terms("pbxme", 0)
    assert not sold_out.buyable and not sold_out.on_request
    assert "No numbers" in sold_out.quantity_problem(1)
    back_ordered = terms("didww", 0)
    assert back_ordered.buyable and back_ordered.on_request
    assert back_ordered.quantity_problem(5) == ""
    assert not terms("didww", 4).on_request and not terms("didww", None).on_request


def test_a_live_list_shorter_than_asked_is_the_stock():
    assert live_stock(3, asked=20) == 3
    assert live_stock(20, asked=20) is None  # there may be more
    assert live_stock(0, asked=20) is None  # a provider that lists none may still sell some
    group = DidGroup(account=ProviderAccount(kind="didww"), available_count=None)
    assert terms_for(group, live_count=3).quantity_problem(5) != ""
