"""The reseller's retail markups for its clients, with a live preview of example prices from
the scope of the rule being edited (billing/pricing_preview.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import reseller_owner_required, reseller_required
from portal.params import int_param

from .. import services
from ..forms import MarkupRuleForm
from ..models import MarkupRule
from ..pricing import PriceBook
from ..pricing_preview import Scope, preview_samples

PAGE = "billing/markups.html"


def _rules(reseller):
    return MarkupRule.objects.filter(reseller=reseller).select_related("client")


def _scope(form: MarkupRuleForm) -> Scope:
    """The country and type the rule being edited targets, as soon as they are chosen (the
    rest of the form may still be half typed)."""
    chosen = {}
    for name in ("country", "number_type"):
        value = form.data.get(name, "") if form.is_bound else ""
        labels = {str(key): label for key, label in form.fields[name].choices}
        chosen[name] = (value, labels[value]) if value and value in labels else ("", "")
    return Scope(
        country=chosen["country"][0],
        number_type=chosen["number_type"][0],
        country_name=chosen["country"][1],
    )


def _render(request: HttpRequest, form: MarkupRuleForm, *, status: int = 200) -> HttpResponse:
    reseller = request.membership.reseller
    return render(
        request,
        PAGE,
        {
            "form": form,
            "rules": _rules(reseller),
            "samples": preview_samples(PriceBook(reseller=reseller), _scope(form)),
            "scope": _scope(form),
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
        rule_id = int_param(request.POST, "rule")
        if rule_id is None:
            raise Http404
        rule = get_object_or_404(_rules(actor.reseller), pk=rule_id, level="retail")
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
    scope = _scope(form)
    samples = preview_samples(PriceBook(reseller=reseller), scope, draft)
    return render(request, f"{PAGE}#preview", {"samples": samples, "form": form, "scope": scope})
