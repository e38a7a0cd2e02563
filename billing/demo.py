"""The demo's prices: exchange rates, the platform's plan for the demo reseller, its markups."""

from __future__ import annotations

from decimal import Decimal

from customers.models import Reseller

from .models import ExchangeRate, MarkupRule, Rounding
from .services import exchange_rate_set

D = Decimal


def demo_prices_ensure(reseller: Reseller) -> None:
    if not ExchangeRate.objects.filter(base="EUR", quote="USD").exists():
        exchange_rate_set(base="EUR", quote="USD", rate="1.08")
    if not ExchangeRate.objects.filter(base="GBP", quote="USD").exists():
        exchange_rate_set(base="GBP", quote="USD", rate="1.27")
    wholesale, retail = MarkupRule.Level.WHOLESALE, MarkupRule.Level.RETAIL
    up_99, up_95 = Rounding.UP_TO_99, Rounding.UP_TO_95
    plan = [
        # The platform's wholesale plan for this reseller.
        (wholesale, "", "", {"percent": D(15), "min_margin_monthly": D("0.10")}),
        (wholesale, "", "toll_free", {"percent": D(20), "min_margin_monthly": D("0.25")}),
        # The reseller's retail markups for its clients.
        (retail, "", "", {"percent": D(40), "min_margin_monthly": D("0.30"), "rounding": up_99}),
        (retail, "", "toll_free", {"percent": D(50), "fixed_setup": D(5), "rounding": up_99}),
        (retail, "GB", "", {"percent": D(45), "rounding": up_95}),
    ]
    for level, country, number_type, values in plan:
        MarkupRule.objects.get_or_create(
            level=level,
            reseller=reseller,
            client=None,
            country=country,
            number_type=number_type,
            defaults=values,
        )


def demo_wallets_ensure(*, admin, owner, reseller: Reseller, client) -> None:
    """Opening payments: the reseller's with the platform, the demo client's with the reseller.
    Fixed idempotency keys: running the seed again records nothing twice."""
    from customers.models import Membership

    from .money import to_minor
    from .wallets import wallet_of, wallet_top_up

    currency = reseller.currency
    wallet_top_up(
        actor=admin, membership=None, wallet=wallet_of(reseller),
        amount_minor=to_minor(D(1000), currency), method="bank_transfer",
        reference="DEMO-OPENING", idempotency_key="demo-opening",
    )  # fmt: skip
    wallet_top_up(
        actor=owner, membership=Membership.objects.get(user=owner), wallet=wallet_of(client),
        amount_minor=to_minor(D(25), currency), method="bank_transfer",
        reference="DEMO-OPENING", idempotency_key="demo-opening",
    )  # fmt: skip
