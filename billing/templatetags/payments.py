"""The "payments awaiting approval" badge in a reseller owner's navigation."""

from django import template

from ..selectors_payments import pending_payment_count

register = template.Library()


@register.simple_tag
def pending_payments(membership) -> int:
    """How many staff payments wait for an owner; 0 for anyone else (they cannot act)."""
    if not membership or not membership.is_reseller_owner:
        return 0
    return pending_payment_count(actor=membership)
