"""The operations summary on the admin's index page (counts from the operations selector)."""

from django import template

from ..admin_operations import can_see_operations
from ..selectors_operations import operations_counts

register = template.Library()


@register.inclusion_tag("admin/_operations_summary.html", takes_context=True)
def operations_summary(context) -> dict:
    request = context.get("request")
    if request is None or not can_see_operations(request.user):
        return {"counts": None}
    return {"counts": operations_counts()}
