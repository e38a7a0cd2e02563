from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def flag(code: str) -> str:
    """The country's flag as regional-indicator letters (no images needed)."""
    code = (code or "").upper()
    if len(code) != 2 or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


@register.filter
def money(figure) -> str:
    """A price Figure (or amount) with its currency."""
    if figure is None:
        return "—"
    amount = getattr(figure, "amount", figure)
    currency = getattr(figure, "currency", "")
    return f"{amount:,.2f} {currency}".strip()


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
