"""The DIDWW order callback as the webhook endpoint receives it (``callbacks.py`` signs).

DIDWW calls the callback URL of an order by GET or POST with form parameters (``id``, ``type``,
``status``) and ``X-DIDWW-Signature``, keyed with the account's API key. Callbacks carry no event
id: the order id and status make one (the same callback, by GET or POST, is the same event), and
no timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import QueryDict

from ..webhooks import InboundEvent, MalformedEvent, storable
from . import callbacks

if TYPE_CHECKING:
    from django.http import HttpRequest

    from inventory.models import ProviderAccount

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,29}")


def callback_parse(params: Iterable[tuple[str, list[str]]]) -> InboundEvent:
    """A DIDWW order callback from its parameters (``QueryDict.lists()``)."""
    values: dict[str, str] = {}
    for name, items in params:
        if len(items) != 1:
            raise MalformedEvent(f"parameter {name!r} is given {len(items)} times")
        values[name] = items[0]
    storable(values)
    order_id = values.get("id", "").strip()
    kind = values.get("type", "").strip().lower()
    status = values.get("status", "").strip().lower()
    if not _ID.fullmatch(order_id):
        raise MalformedEvent("the callback has no valid order id")
    if not _WORD.fullmatch(kind) or not _WORD.fullmatch(status):
        raise MalformedEvent("the callback has no valid type or status")
    return InboundEvent(
        event_id=f"{kind}:{order_id}:{status}",
        kind=f"{kind}.{status}",
        payload=values,
        external_order_id=order_id if kind == "orders" else "",
    )


def _params(request: HttpRequest) -> QueryDict:
    if request.method == "GET":
        return request.GET
    # The raw form body, whatever the Content-Type says: it is what DIDWW signed.
    return QueryDict(request.body, encoding=request.encoding or "utf-8")


class DidwwCallbackReceiver:
    methods = frozenset({"GET", "POST"})

    def verify(self, request: HttpRequest, *, account: ProviderAccount, url: str) -> bool:
        signature = request.headers.get(callbacks.SIGNATURE_HEADER, "")
        if not signature:
            return False
        credentials = account.credentials if isinstance(account.credentials, dict) else {}
        api_key = str(credentials.get("api_key", ""))
        return callbacks.verify(api_key, url, _params(request).dict(), signature)

    def parse(self, request: HttpRequest) -> InboundEvent:
        return callback_parse(_params(request).lists())


RECEIVER = DidwwCallbackReceiver()
