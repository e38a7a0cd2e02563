"""Money helpers: currency exponents, exact rounding and the one formatter. Never float."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale

# ISO 4217 minor units where they are not 2 (pycountry does not carry them).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "UYI": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """Whole minor units; refuses amounts with more precision than the currency has."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more precision than {currency} allows")
    return int(scaled)


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-exponent(currency)).quantize(quantum(currency))


def round_up(amount: Decimal, currency: str) -> Decimal:
    """Up to the currency's smallest unit: a price never loses a fraction of a cent."""
    return amount.quantize(quantum(currency), rounding=ROUND_CEILING)


def round_even(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=16)
def _pattern(digits: int) -> str:
    # The amount then the ISO code ("1,500 JPY", "3.250 KWD"): unambiguous where several
    # currencies meet on one page (the "$" of USD, CAD and AUD would not be).
    return "#,##0" + ("." + "0" * digits if digits else "") + " ¤¤"


def format_money(amount: Decimal, currency: str) -> str:
    """The one way money is shown, on every page, email and PDF: the active language's digit
    grouping and decimal mark, exactly as many decimals as the ledger keeps for the currency
    (ISO 4217, the same table ``to_minor`` uses, not CLDR's, which differs for e.g. IQD)."""
    return _formatted(Decimal(amount), currency.upper(), get_language() or "en")


@lru_cache(maxsize=8192)
def _formatted(amount: Decimal, currency: str, language: str) -> str:
    # Cached: a price list repeats few distinct amounts, and babel takes ~20 µs per call.
    return format_currency(
        round_even(amount, currency),
        currency,
        format=_pattern(exponent(currency)),
        locale=_locale(language),
        currency_digits=False,
    )


def format_minor(units: int, currency: str) -> str:
    return format_money(from_minor(units, currency), currency)


def format_figure(units: int, currency: str) -> str:
    """``format_minor`` without the currency's code, for a column of one currency whose
    heading names it (the printed invoice's lines): "1,234.50"."""
    return format_minor(units, currency).removesuffix(currency.upper()).strip()
