"""The soak's verdict: an item waiting in the dead-letter state is not an order that ended."""

from billing.models import ItemState, OrderItem
from inventory.models import DidGroup
from portal.soak import SoakLog, soak_summary
from tests.billing.conftest import catalog, shop  # noqa: F401 (fixtures)
from tests.billing.orders_helpers import buy, fund


def test_dead_letters_are_counted_apart_and_with_the_providers_words(shop):  # noqa: F811
    fund(shop)
    healthy = buy(shop, DidGroup.objects.get(external_id="us-1"))
    dead = buy(shop, DidGroup.objects.get(external_id="us-2"))
    OrderItem.objects.filter(order=healthy).update(state=ItemState.BACKORDERED)
    OrderItem.objects.filter(order=dead).update(
        state=ItemState.DEAD_LETTER, last_error="submit: InsufficientFunds: out of money"
    )
    summary = soak_summary(SoakLog(placed=[healthy.reference, dead.reference]))
    assert summary["dead_letters"] == 1
    assert summary["dead_letter_samples"] == ["submit: InsufficientFunds: out of money"]
    assert summary["stuck"] == 0 and summary["backordered"] == 1
