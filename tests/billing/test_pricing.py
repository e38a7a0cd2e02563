from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.models import MarkupRule, Rounding
from billing.money import quantum
from billing.pricing import PriceBook, PriceUnavailable, apply_rounding, convert
from customers.models import Client, Reseller

D = Decimal
RATES = {("EUR", "USD"): D("1.08"), ("USD", "JPY"): D("150")}


def rule(level="wholesale", *, client=None, country="", number_type="", percent="0", **kw):
    return MarkupRule(
        level=level, reseller_id=1, client_id=client, country=country, number_type=number_type,
        percent=D(percent), **{k: D(v) if k != "rounding" else v for k, v in kw.items()},
    )  # fmt: skip


def book(*rules, currency="USD", client=None):
    reseller = Reseller(pk=1, currency=currency)
    return PriceBook(
        reseller=reseller,
        client=Client(pk=client) if client else None,
        rates=RATES,
        rules=list(rules),
    )


def monthly(book_, cost="1.00", currency="USD", country="US", number_type="local"):
    return book_.price(
        setup=D("0"), monthly=D(cost), currency=currency, country=country, number_type=number_type
    ).monthly


def test_cost_to_wholesale_to_retail_with_the_rule_named():
    price = monthly(
        book(rule(percent="20"), rule("retail", percent="50", fixed_monthly="0.10")), cost="1.00"
    )
    assert price.wholesale.amount == D("1.20")
    assert price.retail.amount == D("1.90")
    assert "+20%" in price.wholesale.rule and "+50%" in price.retail.rule
    assert price.reseller_margin == D("0.70") and price.platform_margin == D("0.20")


def test_the_most_specific_rule_wins():
    rules = [
        rule("retail", percent="10"),
        rule("retail", number_type="toll_free", percent="20"),
        rule("retail", country="GB", percent="30"),
        rule("retail", country="GB", number_type="toll_free", percent="40"),
        rule("retail", client=7, percent="5"),
    ]
    b = book(*rules)
    assert monthly(b, country="US").retail.amount == D("1.10")
    assert monthly(b, country="US", number_type="toll_free").retail.amount == D("1.20")
    assert monthly(b, country="GB").retail.amount == D("1.30")
    assert monthly(b, country="GB", number_type="toll_free").retail.amount == D("1.40")
    # A client's own rule beats every plan rule.
    assert monthly(book(*rules, client=7), country="GB").retail.amount == D("1.05")


def test_minimum_margin_lifts_small_prices():
    price = monthly(book(rule(percent="10", min_margin_monthly="0.25")), cost="0.10")
    assert price.wholesale.amount == D("0.35")


def test_setup_and_monthly_are_priced_separately():
    b = book(rule(percent="0", fixed_setup="5", fixed_monthly="0.5"))
    price = b.price(setup=D("1"), monthly=D("1"), currency="USD", country="US", number_type="local")
    assert (price.setup.wholesale.amount, price.monthly.wholesale.amount) == (D("6.00"), D("1.50"))


def test_a_free_setup_stays_free_under_charm_rounding():
    b = book(rule(percent="30", rounding=Rounding.UP_TO_99))
    price = b.price(setup=D("0"), monthly=D("1"), currency="USD", country="US", number_type="local")
    assert price.setup.retail.amount == D("0.00")
    assert price.monthly.wholesale.amount == D("1.99")


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("1.00", Rounding.UP_TO_99, "1.99"),
        ("1.99", Rounding.UP_TO_99, "1.99"),
        ("1.991", Rounding.UP_TO_99, "2.99"),
        ("2.96", Rounding.UP_TO_95, "3.95"),
        ("1.01", Rounding.UP_TO_05, "1.05"),
        ("1.001", Rounding.CENT, "1.01"),
        ("1.20", Rounding.UP_TO_WHOLE, "2.00"),
    ],
)
def test_rounding_rules(amount, rounding, expected):
    assert apply_rounding(D(amount), rounding, "USD") == D(expected)


def test_yen_has_no_cents():
    price = monthly(
        book(rule(percent="10", rounding=Rounding.UP_TO_99), currency="JPY"), cost="1.00"
    )
    assert price.wholesale.amount == D("165") and price.wholesale.currency == "JPY"


def test_conversion_uses_direct_or_inverse_rates_and_refuses_unknown_pairs():
    assert convert(D("1"), "EUR", "USD", RATES) == D("1.08")
    assert convert(D("1.08"), "USD", "EUR", RATES) == D("1")
    with pytest.raises(PriceUnavailable, match="no exchange rate from GBP to USD"):
        monthly(book(), currency="GBP")


amounts = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False)
rules = st.builds(
    lambda level, pct, fs, fm, ms, mm, rounding, country: rule(
        level,
        percent=pct,
        fixed_setup=fs,
        fixed_monthly=fm,
        min_margin_setup=ms,
        min_margin_monthly=mm,
        rounding=rounding,
        country=country,
    ),
    st.sampled_from(["wholesale", "retail"]),
    st.decimals(min_value=0, max_value=500, places=2),
    *[st.decimals(min_value=0, max_value=50, places=4)] * 4,
    st.sampled_from(list(Rounding)),
    st.sampled_from(["", "US"]),
)


@given(
    setup=amounts,
    monthly_cost=amounts,
    source=st.sampled_from(["USD", "EUR"]),
    selling=st.sampled_from(["USD", "JPY"]),
    rule_list=st.lists(rules, max_size=6, unique_by=lambda r: (r.level, r.country)),
)
def test_prices_never_fall_below_the_layer_beneath(setup, monthly_cost, source, selling, rule_list):
    b = book(*rule_list, currency=selling)
    if source == "EUR" and selling == "JPY":
        with pytest.raises(PriceUnavailable):
            b.price(
                setup=setup,
                monthly=monthly_cost,
                currency=source,
                country="US",
                number_type="local",
            )
        return
    price = b.price(
        setup=setup, monthly=monthly_cost, currency=source, country="US", number_type="local"
    )
    for fee_name, fee in (("setup", price.setup), ("monthly", price.monthly)):
        # Currencies never mix: cost in the provider's, everything else in the reseller's.
        assert fee.cost.currency == source
        assert {fee.cost_converted.currency, fee.wholesale.currency, fee.retail.currency} == {
            selling
        }
        assert fee.retail.amount >= fee.wholesale.amount >= fee.cost_converted.amount >= 0
        for layer, below, level in (
            (fee.wholesale.amount, fee.cost_converted.amount, "wholesale"),
            (fee.retail.amount, fee.wholesale.amount, "retail"),
        ):
            r = b.rule_for(level, "US", "local")
            if r is not None:
                minimum = getattr(r, f"min_margin_{fee_name}")
                assert layer - below >= minimum  # rounding never undercuts the minimum margin
            assert layer == layer.quantize(quantum(selling))
