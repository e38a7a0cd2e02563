"""The reports pages: the reseller's dashboard, one client's history, the CSV exports, and the
platform admin's view of every reseller (through the admin site, staff only)."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from customers.models import Reseller
from customers.roles import reseller_required

from . import selectors
from .exports import REPORTS, report_rows
from .presenting import charts_for


@require_GET
@reseller_required
def dashboard(request: HttpRequest) -> HttpResponse:
    report = selectors.reseller_report(actor=request.membership)
    links = {n: reverse("reports:export", args=[n]) for n in REPORTS}
    return render(request, "reports/dashboard.html", _context(report, links))


@require_GET
@reseller_required
def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.client_report(actor=request.membership, client_pk=pk)
    links = {n: reverse("reports:client_export", args=[pk, n]) for n in REPORTS if n != "clients"}
    return render(request, "reports/dashboard.html", _context(report, links))


@require_GET
@reseller_required
def export(request: HttpRequest, name: str) -> StreamingHttpResponse:
    if name not in REPORTS:
        raise Http404
    report = selectors.reseller_report(actor=request.membership, every_client=name == "clients")
    return _csv(report, name)


@require_GET
@reseller_required
def client_export(request: HttpRequest, pk: int, name: str) -> StreamingHttpResponse:
    if name not in REPORTS or name == "clients":
        raise Http404
    report = selectors.client_report(actor=request.membership, client_pk=pk)
    return _csv(report, name)


# --- the platform admin --------------------------------------------------------------------------


@require_GET
@staff_member_required
def admin_overview(request: HttpRequest) -> HttpResponse:
    figures = selectors.platform_overview()
    context = {**admin.site.each_context(request), "figures": figures, "title": _("Reports")}
    return render(request, "reports/admin_overview.html", context)


@require_GET
@staff_member_required
def admin_reseller(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_build(reseller=get_object_or_404(Reseller, pk=pk))
    links = {n: reverse("reports_admin:admin_export", args=[pk, n]) for n in REPORTS}
    return render(request, "reports/dashboard.html", {**_context(report, links), "staff": True})


@require_GET
@staff_member_required
def admin_export(request: HttpRequest, pk: int, name: str) -> StreamingHttpResponse:
    if name not in REPORTS:
        raise Http404
    reseller = get_object_or_404(Reseller, pk=pk)
    report = selectors.report_build(reseller=reseller, every_client=name == "clients")
    return _csv(report, name)


# --- helpers -------------------------------------------------------------------------------------


def _context(report: selectors.Report, links: dict[str, str]) -> dict:
    exports = [(REPORTS[name], url) for name, url in links.items()]
    return {"report": report, "charts": charts_for(report), "exports": exports}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(report: selectors.Report, name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in report_rows(report, name)),
        content_type="text/csv; charset=utf-8",
    )
    who = report.client.pk if report.client else report.reseller.slug
    filename = f"{name}-{who}-{report.now:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
