"""Money in templates: every amount goes through ``billing.money.format_money``."""

from decimal import Decimal, InvalidOperation

from django import template

from ..money import format_minor, format_money

register = template.Library()


@register.filter
def minor(units, currency: str) -> str:
    """Integer minor units shown as money: ``{{ total_minor|minor:order.currency }}``."""
    if units is None or not currency:
        return "—"
    return format_minor(int(units), currency)


@register.filter
def amount(value, currency: str) -> str:
    """A Decimal amount with its currency, rounded to the currency's unit."""
    if value is None or value == "" or not currency:
        return "—"
    try:
        return format_money(Decimal(value), currency)
    except (InvalidOperation, TypeError, ValueError):
        return "—"
