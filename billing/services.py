"""Writes for prices: exchange rates and markup rules."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

import pycountry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import User

from .models import ExchangeRate

logger = logging.getLogger("didhub.billing")


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
        raise ValidationError({"sku": _("This offer is no longer available.")})
    if numbers and quantity != len(numbers):
        raise ValidationError({"quantity": _("The quantity must match the numbers picked.")})
    try:
        price = price_group(book, group, setup=sku.setup_price, monthly=sku.monthly_price)
    except PriceUnavailable as error:
        # Why (a missing exchange rate, a cost upstream) is the platform's to fix, not the
        # client's to read: it would tell what the platform buys in.
        logger.warning("group %s cannot be priced for client %s: %s", group.pk, client.pk, error)
        raise ValidationError(
            {"sku": _("This number cannot be priced right now. Please try again later.")}
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


@transaction.atomic
def markup_rule_save(*, actor, values: dict, rule=None):
    """Create or change one of the reseller's retail rules (for all clients or for one).

    A rule for a scope (client, country, type) that already exists is updated, not duplicated.
    """
    from .models import MarkupRule

    if not actor.is_reseller_owner:
        raise PermissionDenied
    client = values.get("client")
    if client is not None and client.reseller_id != actor.reseller_id:
        raise PermissionDenied
    scope = {
        "level": MarkupRule.Level.RETAIL,
        "reseller_id": actor.reseller_id,
        "client": client,
        "country": values.get("country") or "",
        "number_type": values.get("number_type") or "",
    }
    if rule is None:
        rule = MarkupRule.objects.filter(**scope).first() or MarkupRule(**scope)
    elif rule.reseller_id != actor.reseller_id or rule.level != MarkupRule.Level.RETAIL:
        raise PermissionDenied
    else:
        clash = MarkupRule.objects.filter(**scope).exclude(pk=rule.pk).exists()
        if clash:
            raise ValidationError("Another rule already covers this client, country and type.")
        for key, value in scope.items():
            setattr(rule, key, value)
    for field in MARKUP_FIELDS:
        setattr(rule, field, values[field])
    rule.full_clean(validate_constraints=False)
    rule.save()
    return rule


MARKUP_FIELDS = (
    "percent", "fixed_setup", "fixed_monthly", "min_margin_setup", "min_margin_monthly",
    "rounding",
)  # fmt: skip


@transaction.atomic
def markup_rule_delete(*, actor, rule) -> None:
    if (
        not actor.is_reseller_owner
        or rule.reseller_id != actor.reseller_id
        or rule.level != "retail"
    ):
        raise PermissionDenied
    rule.delete()
