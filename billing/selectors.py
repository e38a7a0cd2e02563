"""Reads for prices."""

from __future__ import annotations

from dataclasses import dataclass

from customers.models import Reseller
from inventory.models import ProviderAccount

from .models import ExchangeRate


@dataclass(frozen=True)
class MissingRate:
    source: str
    target: str
    accounts: tuple[str, ...]
    resellers: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"No exchange rate between {self.source} and {self.target}: offers of "
            f"{', '.join(self.accounts)} are hidden from {', '.join(self.resellers)}."
        )


def missing_exchange_rates() -> list[MissingRate]:
    """Provider currency → selling currency pairs with no rate either way (offers not shown)."""
    pairs = {frozenset((fx.base, fx.quote)) for fx in ExchangeRate.objects.all()}
    accounts: dict[str, list[str]] = {}
    for name, currency in ProviderAccount.objects.filter(enabled=True).values_list(
        "name", "currency"
    ):
        accounts.setdefault(currency, []).append(name)
    resellers: dict[str, list[str]] = {}
    for name, currency in Reseller.objects.values_list("display_name", "currency"):
        resellers.setdefault(currency, []).append(name)
    return [
        MissingRate(source, target, tuple(accounts[source]), tuple(resellers[target]))
        for source in sorted(accounts)
        for target in sorted(resellers)
        if source != target and frozenset((source, target)) not in pairs
    ]
