from django import template

from ..money import format_money, from_minor

register = template.Library()


@register.filter
def minor(units, currency: str) -> str:
    """Integer minor units shown as money: ``{{ total_minor|minor:order.currency }}``."""
    if units is None or not currency:
        return "—"
    return format_money(from_minor(int(units), currency), currency)


@register.filter
def amount(value, currency: str) -> str:
    """A Decimal amount with its currency, rounded to the currency's unit."""
    if value is None:
        return "—"
    return format_money(value, currency)
