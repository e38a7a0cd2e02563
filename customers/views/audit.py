"""A reseller owner's audit log: who did what in its tenant, when and from where, filtered,
paginated and exported as CSV (issue 10). Staff and clients get a 403."""

from __future__ import annotations

import csv
import json
from datetime import UTC

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.selectors import event_row, reseller_audit_events, reseller_audit_people

from .. import selectors
from ..forms_audit import AuditFilterForm
from ..roles import reseller_owner_required
from .common import wants_fragment

PAGE = "customers/reseller/audit.html"
ROWS_PER_PAGE = 50
CSV_HEADER = [
    "when", "action", "action_label", "who", "role", "client", "object_type", "object_id",
    "object", "changes", "ip",
]  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula; labels, emails and
# changes are typed by people.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _form(request: HttpRequest) -> AuditFilterForm:
    actor = request.membership
    clients = selectors.client_list(actor=actor).values_list("pk", "name")
    return AuditFilterForm(
        request.GET, people=reseller_audit_people(actor=actor), clients=list(clients)
    )


@require_GET
@reseller_owner_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    events = reseller_audit_events(actor=request.membership, filters=form.filters())
    page = Paginator(events, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    platform = _("The platform")
    page.object_list = [event_row(e, platform_label=platform) for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"search": form, "page": page, "query": query.urlencode()}
    template = PAGE + "#results" if wants_fragment(request) else PAGE
    return render(request, template, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@reseller_owner_required
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    events = reseller_audit_events(actor=request.membership, filters=_form(request).filters())
    writer = csv.writer(_Echo())
    platform = _("The platform")

    def lines():
        yield writer.writerow(CSV_HEADER)
        for event in events.iterator(chunk_size=500):
            row = event_row(event, platform_label=platform)
            yield writer.writerow(
                safe_cell(value)
                for value in (
                    event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    event.action,
                    event.action_label,
                    row.who,
                    "" if row.who == platform else event.actor_role,
                    event.client.name if event.client_id else "",
                    event.target_type,
                    event.target_id,
                    event.target_label,
                    json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
                    row.ip,
                )
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
