from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _

from inventory.buying import backorder_kinds
from inventory.models import ProviderAccount
from inventory.templatetags.flags import flag_filter

from ..money import format_money
from .money import amount

register = template.Library()

# The SVG flag (inventory's ``flags`` library), under the name the storefront templates use.
register.filter("flag", flag_filter)
# Decimal amounts (margins, cart lines) through the same formatter as the ``money`` library.
register.filter("amount", amount)


@register.filter
def money(figure) -> str:
    """A price Figure with its currency, in the currency's own decimals (0 for JPY, 3 for KWD)."""
    if figure is None:
        return "—"
    currency = getattr(figure, "currency", "")
    if not currency:
        return "—"
    return format_money(figure.amount, currency)


@lru_cache(maxsize=1024)
def _account_back_orders(account_id: int) -> bool:
    # An account's kind never changes, so one look-up per account and process is enough; it
    # happens only for rows out of stock.
    kind = ProviderAccount.objects.filter(pk=account_id).values_list("kind", flat=True).first()
    return kind in backorder_kinds()


@register.filter
def stock(group) -> str:
    """A group's stock as a buyer reads it: the count, "on request" when it is out of stock at
    a provider that back-orders, "sold out" otherwise, "—" when the provider does not say."""
    if group.available_count is None:
        return "—"
    if group.available_count > 0:
        return str(group.available_count)
    return _("on request") if _account_back_orders(group.account_id) else _("sold out")


@register.simple_tag(takes_context=True)
def browse_url(context, **changes) -> str:
    """The current browse URL with some parameters changed (None or "" removes one); a change
    of filter goes back to page 1."""
    # A plain dict of the request's parameters, made once per render: copying the QueryDict for
    # every link on the page cost more than the database queries.
    base = context.render_context.get("browse_params")
    if base is None:
        base = context.render_context["browse_params"] = context["request"].GET.dict()
    query = dict(base)
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"?{urlencode(query)}" if query else "?"
