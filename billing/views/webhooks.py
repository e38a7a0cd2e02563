"""``/webhooks/providers/<account name>/``: DIDWW order callbacks and DIDfarm webhooks.

Order of checks: the account (404), its signature on exactly what was received (401, nothing
read further), the body (400), then the service. Not behind login, CSRF-exempt (providers sign
instead). Answers are short plain text or JSON: providers read only the status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inventory.models import ProviderAccount
from inventory.providers.didfarm import webhooks as didfarm_webhooks
from inventory.providers.didww import callbacks as didww_callbacks

from ..provisioning import callback_url
from ..webhooks import (
    InboundEvent,
    MalformedEvent,
    StaleEvent,
    didfarm_event_parse,
    didww_callback_parse,
    provider_event_receive,
)

logger = logging.getLogger("didhub.webhooks")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def _refused(account: ProviderAccount, request: HttpRequest) -> HttpResponse:
    logger.warning(
        "provider webhook for %s: bad or missing signature (%s from %s)",
        account.name,
        request.method,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return _plain(401, "invalid signature")


def _receive(account: ProviderAccount, event: InboundEvent) -> HttpResponse:
    try:
        _stored, created = provider_event_receive(account=account, event=event)
    except StaleEvent as exc:
        logger.warning("provider webhook for %s: %s", account.name, exc)
        return _plain(400, "stale event")
    return JsonResponse({"ok": True, "duplicate": not created})


def _didww(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    signature = request.headers.get(didww_callbacks.SIGNATURE_HEADER, "")
    if not signature:
        return _refused(account, request)
    if request.method == "GET":
        params = request.GET
    else:
        # The raw form body, whatever the Content-Type says: it is what DIDWW signed.
        params = QueryDict(request.body, encoding=request.encoding or "utf-8")
    api_key = (
        account.credentials.get("api_key", "") if isinstance(account.credentials, dict) else ""
    )
    # DIDWW signs the URL we gave it, rebuilt exactly as provisioning builds it: the Host the
    # request arrived with may have been rewritten by a proxy on the way.
    if not didww_callbacks.verify(str(api_key), callback_url(account), params.dict(), signature):
        return _refused(account, request)
    try:
        event = didww_callback_parse(params.lists())
    except MalformedEvent as exc:
        logger.warning("provider webhook for %s: malformed callback: %s", account.name, exc)
        return _plain(400, "malformed callback")
    return _receive(account, event)


def _didfarm(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    if request.method != "POST":
        return _plain(405, "POST only")
    secret = account.webhook_secret if isinstance(account.webhook_secret, str) else ""
    header = request.headers.get(didfarm_webhooks.SIGNATURE_HEADER, "")
    if not header or not didfarm_webhooks.verify(secret, request.body, header):
        return _refused(account, request)
    try:
        event = didfarm_event_parse(request.body)
    except MalformedEvent as exc:
        logger.warning("provider webhook for %s: malformed event: %s", account.name, exc)
        return _plain(400, "malformed event")
    return _receive(account, event)


_RECEIVERS: dict[str, Callable[[HttpRequest, ProviderAccount], HttpResponse]] = {
    "didww": _didww,
    "didfarm": _didfarm,
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def provider_webhook(request: HttpRequest, account_name: str) -> HttpResponse:
    account = ProviderAccount.objects.filter(name=account_name).first()
    receiver = _RECEIVERS.get(account.kind) if account is not None else None
    if account is None or receiver is None:
        return _plain(404, "unknown account")
    return receiver(request, account)
