"""Writes for prices: exchange rates and markup rules."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import pycountry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.actions import Action
from audit.services import audit_record, field_changes, snapshot
from customers.models import User
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import client_action_require, tenant_action_require
from inventory.buying import terms_for
from inventory.providers.types import AvailableNumber

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
    inverse = ExchangeRate.objects.filter(base=quote, quote=base).first()
    old = ExchangeRate.objects.filter(base=base, quote=quote).first()
    ExchangeRate.objects.filter(base=quote, quote=base).delete()
    fx, _created = ExchangeRate.objects.update_or_create(
        base=base, quote=quote, defaults={"rate": value, "updated_by": user}
    )
    was = old.rate if old else (1 / inverse.rate if inverse else None)
    audit_record(
        action=Action.FX_RATE_SET,
        target=fx,
        target_label=f"{base}/{quote}",
        actor=user,
        changes={"rate": [str(was) if was is not None else None, str(value)]},
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
    book,
    picks: Sequence[AvailableNumber] = (),
    live_count: int | None = None,
):
    """Put numbers in the client's cart at the retail price the client sees now.

    Only what the provider can deliver goes in: a billing cycle it bills, a quantity within its
    limit and the stock it reported (counting what the cart already holds of the group), and
    exact numbers only as its adapter listed them (``picks``, with the provider's ids). Anything
    else is a ``ValidationError`` per form field, and the cart is left as it was.
    ``live_count``: the stock the provider's live list showed (``inventory.buying.live_stock``).
    """
    from .models import Cart, CartItem
    from .pricing import PriceUnavailable
    from .storefront import price_group

    client_action_require(client=client, action=TenantAction.CART)
    if sku.group_id != group.pk or sku.retired_at is not None or group.retired_at is not None:
        raise ValidationError({"sku": _("This offer is no longer available.")})
    terms = terms_for(group, live_count=live_count)
    if problem := terms.cycle_problem(billing_cycle):
        raise ValidationError({"billing_cycle": problem})
    numbers = [pick.number for pick in picks]
    number_ids = [pick.external_id for pick in picks] if any(p.external_id for p in picks) else []
    if problem := terms.picks_problem(numbers, number_ids):
        raise ValidationError({"numbers": problem})
    if numbers and quantity != len(numbers):
        raise ValidationError({"quantity": _("The quantity must match the numbers picked.")})
    cart, _created = Cart.objects.get_or_create(client=client)
    Cart.objects.select_for_update().filter(pk=cart.pk).get()  # one add at a time per cart
    lines = CartItem.objects.filter(cart=cart, group=group)
    in_cart = {n for line in lines for n in line.numbers}
    if taken := [n for n in numbers if n in in_cart]:
        raise ValidationError(
            {"numbers": _("Already in your cart: %(n)s.") % {"n": ", ".join(taken)}}
        )
    if not numbers:  # picks were listed by the provider just now; "any N" count against stock
        already = sum(line.quantity for line in lines)
        if problem := terms.quantity_problem(quantity, already=already):
            raise ValidationError({"quantity": problem})
    elif quantity > terms.max_quantity:
        raise ValidationError({"quantity": terms.quantity_problem(quantity)})
    try:
        price = price_group(book, group, setup=sku.setup_price, monthly=sku.monthly_price)
    except PriceUnavailable as error:
        # Why (a missing exchange rate, a cost upstream) is the platform's to fix, not the
        # client's to read: it would tell what the platform buys in.
        logger.warning("group %s cannot be priced for client %s: %s", group.pk, client.pk, error)
        raise ValidationError(
            {"sku": _("This number cannot be priced right now. Please try again later.")}
        ) from None
    return CartItem.objects.create(
        cart=cart,
        group=group,
        sku=sku,
        quantity=quantity,
        billing_cycle=billing_cycle,
        numbers=numbers,
        number_ids=number_ids,
        setup_price=price.setup.retail.amount,
        monthly_price=price.monthly.retail.amount,
        currency=price.currency,
    )


@transaction.atomic
def cart_item_remove(*, client, item_id: int) -> bool:
    from .models import CartItem

    client_action_require(client=client, action=TenantAction.CART)
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
    tenant_action_require(membership=actor, action=TenantAction.PRICING)
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
    before = snapshot(rule, MARKUP_FIELDS) if rule.pk else {}
    for field in MARKUP_FIELDS:
        setattr(rule, field, values[field])
    rule.full_clean(validate_constraints=False)
    created = rule.pk is None
    rule.save()
    changes = field_changes(before, snapshot(rule, MARKUP_FIELDS))
    if changes or created:
        audit_record(
            actor=actor.user,
            action=Action.MARKUP_SAVE,
            target=rule,
            changes={"created": True, **changes} if created else changes,
        )
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
    tenant_action_require(membership=actor, action=TenantAction.PRICING)
    audit_record(
        actor=actor.user,
        action=Action.MARKUP_DELETE,
        target=rule,
        deleting=True,
        changes=snapshot(rule, ("country", "number_type", *MARKUP_FIELDS)),
    )
    rule.delete()
