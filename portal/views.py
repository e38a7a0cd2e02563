"""The portal shell: the landing redirect, the role dashboards, branding assets, health."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from kombu import Connection

from customers.branding import brand_stylesheet
from customers.logos import stored_logo_content_type
from customers.models import Reseller
from customers.roles import client_required, home_url_for, reseller_required

logger = logging.getLogger(__name__)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


@require_GET
@login_required
def no_access(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/no_access.html", status=403)


@require_GET
@reseller_required
def reseller_dashboard(request: HttpRequest) -> HttpResponse:
    from billing import selectors_orders

    figures = selectors_orders.reseller_figures(actor=request.membership)
    return render(request, "portal/reseller_dashboard.html", {"figures": figures})


@require_GET
@client_required
def client_dashboard(request: HttpRequest) -> HttpResponse:
    from billing import selectors_orders, selectors_wallets

    membership = request.membership
    wallet = selectors_wallets.member_client_wallet(actor=membership)
    recent_orders = list(selectors_orders.orders_for(actor=membership)[:5])
    _working, awaiting_documents = selectors_orders.orders_progress(
        [order for order in recent_orders if order.in_flight]
    )
    return render(
        request,
        "portal/client_dashboard.html",
        {
            "number_count": selectors_orders.numbers_for(actor=membership).count(),
            "wallet": selectors_wallets.wallet_summary(wallet=wallet),
            "recent_orders": recent_orders,
            "awaiting_documents": awaiting_documents,
        },
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("img/favicon.svg"), permanent=True)


@require_GET
@cache_control(public=True, max_age=86400)
def brand_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The reseller's colours as CSS variables: a file, so the CSP needs no inline styles."""
    reseller = get_object_or_404(Reseller, slug=slug)
    return HttpResponse(brand_stylesheet(reseller), content_type="text/css; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=86400)
def brand_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The reseller's logo, always as an image: its type is read from its content, and anything
    that is not PNG, JPEG or WebP (a logo stored before uploads were checked) is not served."""
    reseller = get_object_or_404(Reseller, slug=slug)
    if not reseller.logo:
        raise Http404
    try:
        logo = reseller.logo.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = stored_logo_content_type(logo)
    if content_type is None:
        logo.close()
        raise Http404
    logo.seek(0)
    extension = content_type.removeprefix("image/")
    response = FileResponse(logo, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="logo.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value just written")
    return "ok"


def _check_broker() -> str:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport=settings.CELERY_BROKER_TRANSPORT,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON state of the database, the cache and the Celery broker; 503 when any is down."""
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
    result: dict[str, str] = {}
    for name, check in checks.items():
        try:
            result[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            logger.warning("healthz: %s failed: %s", name, exc)
            result[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in result.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": result}, status=200 if healthy else 503
    )
