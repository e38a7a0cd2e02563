"""Money helpers: currency exponents and exact rounding. Never float."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

# ISO 4217 minor units where they are not 2 (pycountry does not carry them).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
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


def format_money(amount: Decimal, currency: str) -> str:
    return f"{round_even(amount, currency):,} {currency}"
