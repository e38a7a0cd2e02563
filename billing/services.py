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


@transaction.atomic
def cart_item_add(
    *,
    client,
    group,
    sku,
    quantity: int,
    billing_cycle: str,
    numbers: list[str],
    book,
):
    """Put numbers in the client's cart at the retail price the client sees now."""
    from .models import Cart, CartItem
    from .pricing import PriceUnavailable
    from .storefront import price_group

    if sku.group_id != group.pk or sku.retired_at is not None or group.retired_at is not None:
        raise ValidationError({"sku": "This offer is no longer available."})
    if numbers and quantity != len(numbers):
        raise ValidationError({"quantity": "The quantity must match the numbers picked."})
    try:
        price = price_group(book, group, setup=sku.setup_price, monthly=sku.monthly_price)
    except PriceUnavailable as error:
        raise ValidationError(
            {"sku": f"This offer cannot be priced right now ({error})."}
        ) from None
    cart, _created = Cart.objects.get_or_create(client=client)
    return CartItem.objects.create(
        cart=cart,
        group=group,
        sku=sku,
        quantity=quantity,
        billing_cycle=billing_cycle,
        numbers=numbers,
        setup_price=price.setup.retail.amount,
        monthly_price=price.monthly.retail.amount,
        currency=price.currency,
    )


@transaction.atomic
def cart_item_remove(*, client, item_id: int) -> bool:
    from .models import CartItem

    deleted, _ = CartItem.objects.filter(pk=item_id, cart__client=client).delete()
    return bool(deleted)
