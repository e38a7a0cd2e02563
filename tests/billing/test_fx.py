from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from billing.models import ExchangeRate
from billing.selectors import missing_exchange_rates
from customers.models import User
from inventory.accounts import provider_account_create
from tests.factories import ResellerFactory

pytestmark = pytest.mark.django_db


def fx(*args) -> str:
    out = StringIO()
    call_command("fx", *args, stdout=out)
    return out.getvalue()


def test_fx_set_stores_and_replaces_a_rate():
    assert "1 USD = 0.92 EUR" in fx("set", "usd", "eur", "0.92")
    fx("set", "USD", "EUR", "0.93")
    assert ExchangeRate.objects.get().rate == Decimal("0.93")
    fx("set", "EUR", "USD", "1.1")  # the other direction replaces the pair
    assert list(ExchangeRate.objects.values_list("base", "quote")) == [("EUR", "USD")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["USD", "XXY", "1"], "unknown currency"),
        (["USD", "USD", "1"], "two different"),
        (["USD", "EUR", "-1"], "positive"),
        (["USD", "EUR", "abc"], "not a number"),
        (["USD", "EUR", "0.123456789"], "8 decimal"),
    ],
)
def test_bad_rates_are_refused_with_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        fx("set", *args)
    assert not ExchangeRate.objects.exists()


def test_admin_sees_which_offers_a_missing_rate_hides(client):
    ResellerFactory(display_name="Acme Voice", currency="USD")
    provider_account_create(kind="didfarm", name="farm", credentials={"api_key": "k"})
    (missing,) = missing_exchange_rates()
    assert (missing.source, missing.target) == ("EUR", "USD")
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    client.force_login(admin)
    page = client.get(reverse("admin:billing_exchangerate_changelist")).content.decode()
    assert "No exchange rate between EUR and USD" in page and "farm" in page
    fx("set", "EUR", "USD", "1.08")
    assert missing_exchange_rates() == []
