"""``/webhooks/providers/<account name>/``: every provider's callbacks and webhooks.

Order of checks: the account (404), the methods its provider sends with (405), the signature on
exactly what was received (401, nothing read further), the body (400), then the service. What is
signed and how the body reads is the provider package's (its ``WebhookReceiver``). An event
carrying a received text (``event.message``) goes to ``messaging.services.message_receive``.
Not behind login, CSRF-exempt (providers sign instead). Answers are short plain text or JSON:
providers read only the status.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inventory.models import ProviderAccount
from inventory.providers.registry import PROVIDERS
from messaging.services import message_receive

from ..provisioning import callback_url
from ..webhooks import MalformedEvent, StaleEvent, provider_event_receive

logger = logging.getLogger("didhub.webhooks")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def provider_webhook(request: HttpRequest, account_name: str) -> HttpResponse:
    account = ProviderAccount.objects.filter(name=account_name).first()
    description = PROVIDERS.get(account.kind) if account is not None else None
    receiver = description.webhook_receiver if description is not None else None
    if account is None or receiver is None:
        return _plain(404, "unknown account")
    if request.method not in receiver.methods:
        return _plain(405, " or ".join(sorted(receiver.methods)) + " only")
    # The URL we gave the provider, rebuilt exactly as provisioning builds it: the Host the
    # request arrived with may have been rewritten by a proxy on the way.
    if not receiver.verify(request, account=account, url=callback_url(account)):
        logger.warning(
            "provider webhook for %s: bad or missing signature (%s from %s)",
            account.name,
            request.method,
            request.META.get("REMOTE_ADDR", "?"),
        )
        return _plain(401, "invalid signature")
    try:
        event = receiver.parse(request)
    except MalformedEvent as exc:
        logger.warning("provider webhook for %s: malformed event: %s", account.name, exc)
        return _plain(400, "malformed event")
    try:
        if event.message is not None:  # a received text: messaging's, not an order's
            _stored, created = message_receive(account=account, event=event)
        else:
            _stored, created = provider_event_receive(account=account, event=event)
    except StaleEvent as exc:
        logger.warning("provider webhook for %s: %s", account.name, exc)
        return _plain(400, "stale event")
    return JsonResponse({"ok": True, "duplicate": not created})
