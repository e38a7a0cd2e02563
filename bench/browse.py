"""The browse benchmark (``make bench``): the browser's HTMX results request against a floor.

The floor is a bare Django view on the same table: one indexed query for the same filtered rows,
rendered as a table with the same number of rows. Both go through the whole middleware stack.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path

from billing.models import MarkupRule
from billing.services import exchange_rate_set
from customers.models import Client as Customer
from customers.models import Membership, Reseller, Role, User
from inventory.models import DidGroup, ProviderAccount

FILTERS = {"country": "US", "region": "US-NY"}
ROWS = 25
RUNS = 40
_FLOOR = engines["django"].from_string(
    "<table>{% for g in rows %}<tr><td>{{ g.area_name }}</td><td>{{ g.number_type }}</td>"
    "<td>{{ g.monthly_price }}</td><td>{{ g.setup_price }}</td></tr>{% endfor %}</table>"
)


def floor_view(request: HttpRequest) -> HttpResponse:
    rows = DidGroup.objects.filter(
        country_id=FILTERS["country"], region_id=FILTERS["region"], retired_at__isnull=True
    ).order_by("monthly_price")[:ROWS]
    return HttpResponse(_FLOOR.render({"rows": rows}))


urlpatterns = [path("bench/floor/", floor_view), path("", include("portal.urls"))]


def _timed(http: Client, url: str, params: dict, headers: dict) -> tuple[list[float], int]:
    for _ in range(3):  # warm up caches and connections
        http.get(url, params, headers=headers)
    times = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get(url, params, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = max(queries, len(captured))
    return times, queries


def _p(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 2)


def bench_browse() -> dict:
    reseller = Reseller.objects.create(
        name="Bench", slug="bench", display_name="Bench Voice", support_email="b@example.com"
    )
    exchange_rate_set(base="EUR", quote="USD", rate="1.08")
    MarkupRule.objects.create(level="wholesale", reseller=reseller, percent=Decimal(15))
    MarkupRule.objects.create(level="retail", reseller=reseller, percent=Decimal(40))
    customer = Customer.objects.create(
        reseller=reseller, name="Bench client", contact_email="c@example.com"
    )
    user = User.objects.create_user("bench-client@example.com", "x")
    Membership.objects.create(user=user, reseller=reseller, client=customer, role=Role.CLIENT_USER)
    groups = DidGroup.objects.filter(retired_at__isnull=True, account__enabled=True).count()

    http = Client()
    http.force_login(user)
    with override_settings(ROOT_URLCONF="bench.browse", ALLOWED_HOSTS=["testserver"]):
        browse, queries = _timed(http, "/numbers/browse/", FILTERS, {"HX-Request": "true"})
        floor, _ = _timed(http, "/bench/floor/", {}, {})
    p50, floor_p50 = _p(browse, 50), _p(floor, 50)
    return {
        "groups": groups,
        "accounts": ProviderAccount.objects.filter(enabled=True).count(),
        "view": "/numbers/browse/?country=US&region=US-NY (HTMX, client prices)",
        "p50_ms": p50,
        "p95_ms": _p(browse, 95),
        "floor_p50_ms": floor_p50,
        "ratio": round(p50 / floor_p50, 2),
        "queries": queries,
    }
