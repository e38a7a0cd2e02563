"""A reseller changes a number's retail price for later periods (issue 11).

What was sold is never re-priced behind the client's back: a new price applies from the first
period that starts at least ``RENEWAL_PRICE_NOTICE_DAYS`` after the change (local midnight in the
reseller's time zone), the client admins are told by email at once, and "My numbers" shows the
new price and its date until then. The renewal job charges each period at the price for that
period (``retail_for_period``) and makes the new price the number's price when it first applies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Membership
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import tenant_action_require
from inventory.models import OWING, Number, NumberStatus

from ..money import exponent, format_money, round_even, to_minor
from .models import NoticeKind, RenewalNotice
from .schedule import local_midnight, period_start

REPRICEABLE = (NumberStatus.ACTIVE, *OWING)


def retail_for_period(number: Number, start: dt.date) -> Decimal:
    """The retail price of the number's period starting on ``start``."""
    if number.retail_period_next_from is not None and start >= number.retail_period_next_from:
        return number.retail_period_next
    return number.retail_period


def retail_minor_for_period(number: Number, start: dt.date) -> int:
    """The same, in the currency's minor units (rounded half to even, as charged)."""
    currency = number.currency
    return to_minor(round_even(retail_for_period(number, start), currency), currency)


def price_change_take(number: Number, start: dt.date) -> bool:
    """Charging the period starting on ``start``: a new price that applies from it becomes the
    number's price. True when the number changed (its three price fields need saving)."""
    if number.retail_period_next_from is None or start < number.retail_period_next_from:
        return False
    number.retail_period = number.retail_period_next
    number.retail_period_next = number.retail_period_next_from = None
    return True


def price_change_first_period(number: Number, now: dt.datetime) -> dt.date:
    """The first period a price set at ``now`` may apply to: not yet charged, and falling due
    at least the notice period after ``now``."""
    earliest = now + dt.timedelta(days=settings.RENEWAL_PRICE_NOTICE_DAYS)
    zone = number.reseller.time_zone
    k = number.renewal_period
    while True:
        start = period_start(number.renewal_anchor, number.billing_cycle, k)
        if local_midnight(start, zone) >= earliest:
            return start
        k += 1


def price_parse(raw: str | Decimal, *, currency: str) -> Decimal:
    """A retail price as a reseller types it: positive, at most the currency's decimals."""
    try:
        price = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(_("Enter a price such as 2.50.")) from None
    if not price.is_finite() or price <= 0:
        raise ValidationError(_("Enter a price above zero."))
    if price.as_tuple().exponent < -exponent(currency):
        raise ValidationError(
            _("%(currency)s prices have at most %(places)s decimals.")
            % {"currency": currency, "places": exponent(currency)}
        )
    if price >= Decimal("1e8"):
        raise ValidationError(_("Enter a smaller price."))
    return price


@transaction.atomic
def number_retail_price_set(
    *, actor: Membership, number: Number, price: Decimal, now: dt.datetime | None = None
) -> Number:
    """The reseller's owner sets the number's retail price for later periods; setting the
    current price again withdraws a change not yet applied. Never below the wholesale price."""
    if not (actor.is_reseller_owner and actor.reseller_id == number.reseller_id):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.PRICING)
    number = Number.objects.select_for_update().select_related("reseller").get(pk=number.pk)
    if number.status not in REPRICEABLE or not number.auto_renew:
        raise ValidationError(_("Only a number that renews can get a new price."))
    price = price_parse(price, currency=number.currency)
    if price < number.wholesale_period:
        raise ValidationError(
            _("That is below what you pay for it (%(wholesale)s per period).")
            % {"wholesale": format_money(number.wholesale_period, number.currency)}
        )
    before = (number.retail_period_next, number.retail_period_next_from)
    if price == number.retail_period:
        number.retail_period_next = number.retail_period_next_from = None
    else:
        number.retail_period_next = price
        number.retail_period_next_from = price_change_first_period(number, now or timezone.now())
    if (number.retail_period_next, number.retail_period_next_from) == before:
        return number  # nothing changes
    number.save(update_fields=["retail_period_next", "retail_period_next_from"])
    audit_record(
        action=AuditAction.NUMBER_PRICE,
        target=number,
        target_label=number.e164,
        changes={
            "retail_period": str(number.retail_period),
            "new_price": None if number.retail_period_next is None else str(price),
            "from": (
                number.retail_period_next_from.isoformat()
                if number.retail_period_next_from
                else None
            ),
        },
    )
    if number.retail_period_next_from is not None:
        _notice_enqueue(number)
    return number


def _notice_enqueue(number: Number) -> None:
    """Tell the client's admins once the change commits. A change replacing one announced for
    the same period is announced again (the earlier claim is given back)."""
    from ..tasks import renewal_notice_task

    start = number.retail_period_next_from
    RenewalNotice.objects.filter(
        number=number, period_start=start, kind=NoticeKind.PRICE_CHANGE
    ).delete()
    args = (number.pk, start.isoformat(), NoticeKind.PRICE_CHANGE)
    transaction.on_commit(lambda: renewal_notice_task.delay(*args))
