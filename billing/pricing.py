"""The one place prices are computed: cost → wholesale → retail (DESIGN.md §4).

A provider's cost (its currency) is converted into the reseller's selling currency, marked up by
the platform's rule for that reseller (wholesale), then by the reseller's rule for the client
(retail). Setup and monthly fees are priced separately. Every figure says which rule produced it.

``PriceBook`` loads the rates and rules once, so pricing a page of rows runs no queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from customers.models import Client, Reseller

from .models import ExchangeRate, MarkupRule, Rounding
from .money import exponent, quantum, round_up

HUNDRED = Decimal(100)


class PriceUnavailable(Exception):
    """This SKU cannot be offered to this viewer now (e.g. no exchange rate); says why."""


@dataclass(frozen=True, slots=True)
class Figure:
    amount: Decimal
    currency: str
    rule: str  # what produced the figure, for people


@dataclass(frozen=True, slots=True)
class FeePrice:
    cost: Figure  # in the provider account's currency
    cost_converted: Figure  # in the reseller's currency
    wholesale: Figure
    retail: Figure

    @property
    def reseller_margin(self) -> Decimal:
        return self.retail.amount - self.wholesale.amount

    @property
    def platform_margin(self) -> Decimal:
        return self.wholesale.amount - self.cost_converted.amount


@dataclass(frozen=True, slots=True)
class SkuPrice:
    setup: FeePrice
    monthly: FeePrice

    @property
    def currency(self) -> str:
        return self.monthly.retail.currency


def load_rates() -> dict[tuple[str, str], Decimal]:
    rows = ExchangeRate.objects.order_by().values_list("base", "quote", "rate")
    return {(base, quote): rate for base, quote, rate in rows}


def convert(
    amount: Decimal, source: str, target: str, rates: dict[tuple[str, str], Decimal]
) -> Decimal:
    """Exact conversion with a direct rate or the inverse of the opposite one."""
    if source == target:
        return amount
    if (source, target) in rates:
        return amount * rates[(source, target)]
    if (target, source) in rates:
        return amount / rates[(target, source)]
    raise PriceUnavailable(f"no exchange rate from {source} to {target}")


def apply_rounding(amount: Decimal, rounding: str, currency: str) -> Decimal:
    """Round a price up (never down) the way the rule says; a free fee stays free."""
    amount = round_up(amount, currency)
    if amount == 0 or rounding == Rounding.CENT:
        return amount
    whole = amount.to_integral_value(rounding=ROUND_CEILING)
    if rounding == Rounding.UP_TO_WHOLE or exponent(currency) == 0:
        return whole.quantize(quantum(currency))
    if rounding == Rounding.UP_TO_05:
        step = Decimal("0.05")
        return ((amount / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(
            quantum(currency)
        )
    ending = Decimal("0.99") if rounding == Rounding.UP_TO_99 else Decimal("0.95")
    candidate = whole - 1 + ending
    return candidate if candidate >= amount else whole + ending


def mark_up(amount: Decimal, rule: MarkupRule | None, *, fee: str, currency: str) -> Decimal:
    """``amount`` plus the rule's markup for ``fee`` ("setup"/"monthly"), at least the minimum
    margin above ``amount``, rounded up. Never below ``amount``."""
    if rule is None:
        return round_up(amount, currency)
    fixed = rule.fixed_setup if fee == "setup" else rule.fixed_monthly
    minimum = rule.min_margin_setup if fee == "setup" else rule.min_margin_monthly
    price = amount * (1 + rule.percent / HUNDRED) + fixed
    price = max(price, amount + minimum, amount)
    if amount == 0 and fixed == 0 and minimum == 0:
        return round_up(Decimal(0), currency)
    return apply_rounding(price, rule.rounding, currency)


class PriceBook:
    """Prices for one reseller's catalogue as seen for one of its clients (or its default)."""

    def __init__(
        self,
        *,
        reseller: Reseller,
        client: Client | None = None,
        rates: dict[tuple[str, str], Decimal] | None = None,
        rules: list[MarkupRule] | None = None,
    ) -> None:
        self.reseller = reseller
        self.client_id = client.pk if client else None
        self.currency = reseller.currency
        self.rates = load_rates() if rates is None else rates
        if rules is None:
            # Unordered: the default ordering joins the reseller and client tables for nothing.
            rules = list(MarkupRule.objects.filter(reseller=reseller).order_by())
        self._labels: dict[int, str] = {}
        self._rules = {
            (r.level, r.client_id, r.country, r.number_type): r
            for r in rules
            if r.client_id in (None, self.client_id)
        }

    def with_rule(self, draft: MarkupRule) -> PriceBook:
        """This book as it would be with ``draft`` saved (replacing any rule of its scope); it
        prices for the draft's client when the draft has one."""
        key = (draft.level, draft.client_id, draft.country, draft.number_type)
        rules = [rule for k, rule in self._rules.items() if k != key]
        return PriceBook(
            reseller=self.reseller,
            client=draft.client if draft.client_id else None,
            rates=self.rates,
            rules=[*rules, draft],
        )

    def rule_for(self, level: str, country: str, number_type: str) -> MarkupRule | None:
        """The most specific rule: client before plan; country + type, country, type, default."""
        clients = (self.client_id, None) if self.client_id else (None,)
        for client_id in clients:
            for key in ((country, number_type), (country, ""), ("", number_type), ("", "")):
                rule = self._rules.get((level, client_id, *key))
                if rule is not None:
                    return rule
        return None

    def price(
        self, *, setup: Decimal, monthly: Decimal, currency: str, country: str, number_type: str
    ) -> SkuPrice:
        wholesale_rule = self.rule_for(MarkupRule.Level.WHOLESALE, country, number_type)
        retail_rule = self.rule_for(MarkupRule.Level.RETAIL, country, number_type)
        return SkuPrice(
            setup=self._fee(setup, currency, "setup", wholesale_rule, retail_rule),
            monthly=self._fee(monthly, currency, "monthly", wholesale_rule, retail_rule),
        )

    def _fee(self, cost, currency, fee, wholesale_rule, retail_rule) -> FeePrice:
        if cost < 0:
            raise PriceUnavailable(f"negative {fee} cost {cost} {currency}")
        converted = convert(cost, currency, self.currency, self.rates)
        wholesale = mark_up(converted, wholesale_rule, fee=fee, currency=self.currency)
        retail = mark_up(wholesale, retail_rule, fee=fee, currency=self.currency)
        fx = "" if currency == self.currency else f"{currency}→{self.currency}"
        return FeePrice(
            cost=Figure(cost, currency, "provider price"),
            cost_converted=Figure(converted, self.currency, fx or "same currency"),
            wholesale=Figure(
                wholesale, self.currency, self._label(wholesale_rule, "at cost (no plan)")
            ),
            retail=Figure(retail, self.currency, self._label(retail_rule, "no markup set")),
        )

    def _label(self, rule: MarkupRule | None, fallback: str) -> str:
        # Described once per rule: a page prices each of its rows' two fees with the same few.
        if rule is None:
            return fallback
        label = self._labels.get(id(rule))
        if label is None:
            label = self._labels[id(rule)] = rule.describe()
        return label
