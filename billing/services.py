"""Writes for prices: exchange rates and markup rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import User

from .models import ExchangeRate


def _currency(code: str, field: str) -> str:
    code = (code or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError({field: f"unknown currency {code!r}"})
    return code


@transaction.atomic
def exchange_rate_set(
    *, base: str, quote: str, rate: str | Decimal, user: User | None = None
) -> ExchangeRate:
    """Set 1 ``base`` = ``rate`` ``quote`` (the opposite direction follows as its inverse)."""
    base, quote = _currency(base, "base"), _currency(quote, "quote")
    if base == quote:
        raise ValidationError({"quote": "a rate needs two different currencies"})
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        raise ValidationError({"rate": f"not a number: {rate!r}"}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"rate": "the rate must be a positive number"})
    if value != value.quantize(Decimal("0.00000001")):
        raise ValidationError({"rate": "at most 8 decimal places"})
    # One row per pair: a rate entered the other way round replaces the stored inverse.
    ExchangeRate.objects.filter(base=quote, quote=base).delete()
    fx, _created = ExchangeRate.objects.update_or_create(
        base=base, quote=quote, defaults={"rate": value, "updated_by": user}
    )
    return fx
