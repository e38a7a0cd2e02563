"""What a renewal period costs and posts: the amounts, the tax added on top of them, and the
ledger entries (split from the job in charging.py, which decides when to charge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from inventory.models import Number

from .. import ledger
from ..invoices.tax import tax_on_top
from ..invoices.terms import TermsCache
from ..models import CYCLE_MONTHS, AccountKind
from ..money import round_even, to_minor
from .prices import retail_minor_for_period


@dataclass
class _Accounts:
    """Ledger accounts already looked up in this run (they are locked fresh when posting), and
    the issuers' tax terms (one query per issuer and run)."""

    found: dict[tuple, ledger.LedgerAccount] = field(default_factory=dict)
    terms: TermsCache = field(default_factory=TermsCache)

    def get(self, key: tuple, make) -> ledger.LedgerAccount:
        account = self.found.get(key)
        if account is None:
            account = self.found[key] = make()
        return account


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """What a number's due period costs, in minor units: the three prices and the tax added
    on top of retail and wholesale with their rates (worked out once per charge: the postings
    and the charge row both need them)."""

    retail: int
    wholesale: int
    cost: int
    retail_tax: int
    retail_rate: Decimal
    wholesale_tax: int
    wholesale_rate: Decimal


def _amounts(number: Number) -> tuple[int, int, int]:
    months = CYCLE_MONTHS[number.billing_cycle]
    return (
        retail_minor_for_period(number, number.next_period_start),
        _minor(number.wholesale_period, number.currency),
        _minor(number.cost_monthly * months, number.cost_currency),
    )


# Pure, and a run prices 100,000 numbers at a handful of distinct prices.
@lru_cache(maxsize=4096)
def _minor(amount: Decimal, currency: str) -> int:
    return to_minor(round_even(amount, currency), currency)


def period_figures(number: Number, accounts: _Accounts) -> PeriodFigures:
    retail, wholesale, cost = _amounts(number)
    retail_terms = accounts.terms.client_terms(number.client)
    wholesale_terms = accounts.terms.reseller_terms(number.reseller)
    return PeriodFigures(
        retail,
        wholesale,
        cost,
        tax_on_top(retail, retail_terms),
        retail_terms.rate_applied,
        tax_on_top(wholesale, wholesale_terms),
        wholesale_terms.rate_applied,
    )


def tax_account_keys(
    accounts: _Accounts, reseller_id: int, currency: str, country: str, vat_id: str
) -> list[tuple]:
    """The tax accounts a number's charge may post to (to find or create them before the
    chunk's transaction, like the others)."""
    keys = []
    if accounts.terms.client_terms_of(reseller_id, country, vat_id).adds_tax:
        keys.append(("rt", reseller_id, currency))
    if accounts.terms.reseller_terms_of(reseller_id).adds_tax:
        keys.append(("pt", currency))
    return keys


def client_charge_minor(number: Number, terms: TermsCache) -> int:
    """What the client's wallet pays for the number's next period: retail and any tax added
    on top (what warnings compare with the wallet and name)."""
    retail = _amounts(number)[0]
    return retail + tax_on_top(retail, terms.client_terms(number.client))


def _client_wallets_prefetch(numbers: list[Number], accounts: _Accounts) -> None:
    """The chunk's client wallets in one query (one look-up per client was most of a run's
    queries); a wallet not there yet is created on first use by ``_entries``."""
    keys = {
        f"client_wallet:{n.client_id}:{n.reseller.currency}": n.client_id
        for n in numbers
        if ("cw", n.client_id) not in accounts.found
    }
    for account in ledger.LedgerAccount.objects.filter(key__in=keys):
        accounts.found[("cw", keys[account.key])] = account


def _entries(
    number: Number, accounts: _Accounts, figures: PeriodFigures | None = None
) -> list[tuple[ledger.LedgerAccount, int]]:
    """The period's postings: client → reseller revenue (retail), reseller → platform revenue
    (wholesale), platform revenue → provider payable (cost); tax added on top of retail or
    wholesale goes to the reseller's or the platform's tax-payable account."""
    figures = figures or period_figures(number, accounts)
    retail, wholesale, cost = figures.retail, figures.wholesale, figures.cost
    retail_tax, wholesale_tax = figures.retail_tax, figures.wholesale_tax
    currency, cost_currency = number.currency, number.cost_currency
    reseller = number.reseller
    taxes = []
    if retail_tax:
        taxes.append(
            (
                accounts.get(
                    ("rt", reseller.pk, currency), lambda: ledger.tax_payable(reseller, currency)
                ),
                retail_tax,
            )
        )
    if wholesale_tax:
        taxes.append(
            (
                accounts.get(("pt", currency), lambda: ledger.tax_payable(None, currency)),
                wholesale_tax,
            )
        )
    return [
        *taxes,
        (accounts.get(("cw", number.client_id), lambda: ledger.client_wallet(number.client)),
         -retail - retail_tax),
        (accounts.get(("rr", reseller.pk, currency),
                      lambda: ledger.reseller_revenue(reseller, currency)), retail),
        (accounts.get(("rw", reseller.pk), lambda: ledger.reseller_wallet(reseller)),
         -wholesale - wholesale_tax),
        (accounts.get(("pr", currency), lambda: ledger.platform_account(
            AccountKind.PLATFORM_REVENUE, currency)), wholesale),
        (accounts.get(("pr", cost_currency), lambda: ledger.platform_account(
            AccountKind.PLATFORM_REVENUE, cost_currency)), -cost),
        (accounts.get(("pp", number.provider_account_id, cost_currency),
                      lambda: ledger.provider_payable(number.provider_account, cost_currency)),
         cost),
    ]  # fmt: skip
