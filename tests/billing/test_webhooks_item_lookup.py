"""An event that names only a number finds the item that delivered it, on PostgreSQL and on the
demo's SQLite (which cannot look inside a JSON list: the text path is forced here)."""

import pytest
from django.db import connection

from billing.models import OrderItem
from billing.webhooks import _item_delivering
from inventory.models import DidGroup
from tests.billing.orders_helpers import buy, fund


@pytest.mark.parametrize("json_contains", [True, False])
def test_the_item_that_delivered_a_number_is_found(shop, monkeypatch, json_contains):
    monkeypatch.setattr(connection.features, "supports_json_field_contains", json_contains)
    fund(shop)
    first = buy(shop, DidGroup.objects.get(external_id="us-1")).items.get()
    second = buy(shop, DidGroup.objects.get(external_id="us-2")).items.get()
    OrderItem.objects.filter(pk=first.pk).update(delivered_numbers=["+12125550100"])
    OrderItem.objects.filter(pk=second.pk).update(delivered_numbers=["+12125560100", "+1212"])
    items = OrderItem.objects.order_by("-pk")
    assert _item_delivering(items, "+12125550100") == first
    assert _item_delivering(items, "+12125560100") == second
    assert _item_delivering(items, "+1212555") is None  # a prefix is not a number delivered
