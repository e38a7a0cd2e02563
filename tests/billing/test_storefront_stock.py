"""The browse rows' stock column: a count, "on request" only where the provider back-orders."""

import pytest

from billing.templatetags.storefront import stock
from inventory.accounts import provider_account_create
from inventory.models import DidGroup


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "count", "shown"),
    [
        ("didww", 0, "on request"),  # DIDWW back-orders
        ("idtexpress", 0, "on request"),  # so does IDT Express
        ("didfarm", 0, "sold out"),
        ("pbxme", 0, "sold out"),
        ("didww", 3, "3"),
        ("pbxme", None, "—"),
    ],
)
def test_stock_says_on_request_only_where_the_provider_back_orders(kind, count, shown):
    account = provider_account_create(
        kind=kind, name=f"{kind}-stock", sandbox=True, rate_limit="", countries=["US"]
    )
    group = DidGroup(account_id=account.pk, available_count=count)
    assert stock(group) == shown
