"""The reseller's retail markups for its clients, with a live preview of example prices."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import reseller_owner_required, reseller_required
from inventory import selectors as catalog
from inventory.models import NumberType

from .. import services
from ..forms import MarkupRuleForm
from ..models import MarkupRule
from ..pricing import PriceBook, PriceUnavailable

PAGE = "billing/markups.html"
SAMPLE_COUNTRIES = ("US", "CA", "GB", "DE", "FR", "NL", "AU")
SAMPLES = 8


def _rules(reseller):
    return MarkupRule.objects.filter(reseller=reseller).select_related("client")


def _samples(book: PriceBook, draft: MarkupRule | None = None) -> list[dict]:
    """The cheapest offer per country and type, priced with the saved rules and with the draft."""
    rows = [r for r in catalog.country_summaries() if r["country_id"] in SAMPLE_COUNTRIES]
    rows.sort(key=lambda r: (SAMPLE_COUNTRIES.index(r["country_id"]), r["number_type"]))
    trial = None
    if draft is not None:
        key = (draft.level, draft.client_id, draft.country, draft.number_type)
        rules = [
            r
            for r in book._rules.values()
            if (r.level, r.client_id, r.country, r.number_type) != key
        ]
        trial = PriceBook(
            reseller=book.reseller, client=draft.client, rates=book.rates, rules=[*rules, draft]
        )
    best: dict[tuple[str, str], dict] = {}  # per country and type, across account currencies
    for row in rows:
        args = {
            "setup": Decimal(0), "monthly": row["low"], "currency": row["currency"],
            "country": row["country_id"], "number_type": row["number_type"],
        }  # fmt: skip
        try:
            now = book.price(**args).monthly
            after = trial.price(**args).monthly if trial else None
        except PriceUnavailable:
            continue
        key = (row["country_id"], row["number_type"])
        if key not in best or now.retail.amount < best[key]["now"].retail.amount:
            best[key] = {
                "country": row["country__name"],
                "type": NumberType(row["number_type"]).label,
                "now": now,
                "after": after,
            }
    return list(best.values())[:SAMPLES]


def _render(request: HttpRequest, form: MarkupRuleForm, *, status: int = 200) -> HttpResponse:
    reseller = request.membership.reseller
    return render(
        request,
        PAGE,
        {
            "form": form,
            "rules": _rules(reseller),
            "samples": _samples(PriceBook(reseller=reseller)),
        },
        status=status,
    )


@require_GET
@reseller_required
def markups(request: HttpRequest) -> HttpResponse:
    return _render(request, MarkupRuleForm(reseller=request.membership.reseller))


@require_http_methods(["POST"])
@reseller_owner_required
def markup_save(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    rule = None
    if request.POST.get("rule"):
        rule = get_object_or_404(_rules(actor.reseller), pk=request.POST["rule"], level="retail")
    form = MarkupRuleForm(request.POST, reseller=actor.reseller)
    if form.is_valid():
        try:
            services.markup_rule_save(actor=actor, values=form.cleaned_data, rule=rule)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Markup saved. Your clients see the new prices now."))
            return redirect("billing:markups")
    return _render(request, form, status=400)


@require_POST
@reseller_owner_required
def markup_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(_rules(request.membership.reseller), pk=pk, level="retail")
    services.markup_rule_delete(actor=request.membership, rule=rule)
    messages.success(request, _("Markup removed."))
    return redirect("billing:markups")


@require_POST
@reseller_required
def markup_preview(request: HttpRequest) -> HttpResponse:
    """The example prices as they would be with the form's unsaved rule (HTMX, as you type)."""
    reseller = request.membership.reseller
    form = MarkupRuleForm(request.POST, reseller=reseller)
    draft = None
    if form.is_valid():
        draft = form.save(commit=False)
        draft.level, draft.reseller = MarkupRule.Level.RETAIL, reseller
    samples = _samples(PriceBook(reseller=reseller), draft)
    return render(request, f"{PAGE}#preview", {"samples": samples, "form": form})
