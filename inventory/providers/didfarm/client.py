"""DIDfarm HTTP client: one method per documented endpoint, answers parsed by ``wire``.

Paths are relative to the account's base URL (default ``https://didfarm.com/api/v1``). Documented
in the Connect guide: ``GET /numbers/search``, ``POST /wallet/checkout``, ``GET /wallet/balance``,
``GET /wallet/transactions``, ``POST /portal/did-routing``, ``GET|POST /portal/sip-trunks``,
``POST /portal/sip-trunks/{uuid}/regenerate-credentials``, ``POST /messages/send``. ``GET
/numbers`` (owned numbers) appears in the older reference. Releasing a number has no documented
endpoint; ``DELETE /numbers/{id}`` is the REST verb on that resource (see ``release``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from .. import errors
from ..http import AccountConfig, ProviderHttp, json_body, retry_after_seconds
from ..listing import listing_gap
from ..types import NumberType
from . import wire
from .wire import LABEL

logger = logging.getLogger("didhub.providers")

T = TypeVar("T")

SEARCH_LIMIT = 100  # the older reference's maximum page size; Connect does not say
LIST_LIMIT = 100
MAX_PAGES = 50_000  # a guard against a server that pages forever, far above any real inventory


# Laravel-style validation messages ("The country field is required.") name the field.
_FIELD_IN_MESSAGE = re.compile(r"^The ([\w.]+?)(?: field)? (?:is|must|has|may|format)")
_FIELD_FOR_CODE = {
    "number_unavailable": "number",
    "invalid_number": "number",
    "number_not_active": "number",
    "sms_not_supported": "from",
}


def error_for(response: httpx.Response) -> errors.ProviderError:
    """``{"error": {"code", "message", "status"}}`` as a typed error."""
    status = response.status_code
    code, message = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        code = str(detail.get("code") or "")
        message = str(detail.get("message") or "")
    elif isinstance(detail, str):  # tolerated: a bare message instead of the object
        message = detail
    if not message:
        message = response.reason_phrase or f"HTTP {status}"
    kw: dict[str, Any] = {"status": status, "code": code}
    if status == 401:
        return errors.AuthFailed(f"{LABEL} rejected the API key ({message})", **kw)
    if status == 403:
        return errors.AuthFailed(
            f"{LABEL} refused the request: the API key lacks permission ({message})", **kw
        )
    if code == "insufficient_balance" or status == 402:
        return errors.InsufficientFunds(
            f"{LABEL}: the wallet balance is too low for this purchase ({message})", **kw
        )
    if status == 404:
        return errors.NotFound(f"{LABEL}: {message}", **kw)
    if status == 429:
        return errors.RateLimited(
            f"{LABEL} is rate limiting requests ({message})",
            retry_after=retry_after_seconds(response),
            **kw,
        )
    if status >= 500:
        return errors.Unavailable(f"{LABEL} had a server error ({status}): {message}", **kw)
    match = _FIELD_IN_MESSAGE.match(message)
    field_name = _FIELD_FOR_CODE.get(code) or (match.group(1) if match else "")
    return errors.InvalidRequest(f"{LABEL} rejected the request: {message}", field=field_name, **kw)


def _id_value(ident: str) -> int | str:
    """Ids go back the way the documents write them: 42, not "42"."""
    return int(ident) if ident.isdigit() else ident


class DidfarmClient:
    def __init__(self, config: AccountConfig) -> None:
        token = (config.credentials.get("api_key") or "").strip()
        if not token:
            raise errors.AuthFailed(f"{LABEL}: the account has no API key configured")
        self.config = config
        self.http = ProviderHttp(
            config,
            provider_label=LABEL,
            error_for=error_for,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    # --- wallet -----------------------------------------------------------------------------

    def balance(self) -> wire.Balance:
        body = json_body(self.http.read("GET", "/wallet/balance"), LABEL)
        try:
            return wire.parse_balance(body)
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unreadable wallet balance ({exc})") from exc

    def transactions_page(self, page: int) -> wire.Page[wire.Transaction]:
        response = self.http.read("GET", "/wallet/transactions", params={"page": page})
        return wire.page_of(
            json_body(response, LABEL), "transaction", wire.parse_transaction, requested_page=page
        )

    def transactions(self) -> Iterator[wire.Transaction]:
        """Every wallet transaction (DIDfarm lists them newest first)."""
        return paged(self.transactions_page)

    def checkout(
        self, items: Sequence[Mapping[str, Any]], *, metadata: Mapping[str, str]
    ) -> wire.CheckoutResult:
        """``POST /wallet/checkout``: atomic, the wallet is not debited if any step fails.

        Never retried. A 2xx we cannot read means the purchase went through but we do not know
        what we got: that is an unknown outcome as much as a timeout is.
        """
        payload = {"items": list(items), "metadata": dict(metadata)}
        response = self.http.purchase("POST", "/wallet/checkout", json=payload)
        try:
            return wire.parse_checkout(response.json())
        except (ValueError, wire.WireError) as exc:
            raise errors.OutcomeUnknown(
                f"{LABEL} accepted the checkout but its answer is unreadable ({exc})",
                status=response.status_code,
            ) from exc

    # --- numbers ----------------------------------------------------------------------------

    def search_page(
        self, *, country: str, number_type: NumberType, page: int, city: str = ""
    ) -> wire.Page[wire.SearchNumber]:
        params: dict[str, Any] = {
            "country": country,
            "type": number_type.value,
            "page": page,
            "limit": SEARCH_LIMIT,
        }
        if city:
            params["city"] = city
        response = self.http.read("GET", "/numbers/search", params=params)
        return wire.page_of(
            json_body(response, LABEL),
            "number search",
            wire.search_number_parser(country, number_type),
            requested_page=page,
        )

    def search(
        self, *, country: str, number_type: NumberType, city: str = ""
    ) -> Iterator[wire.SearchNumber]:
        """Every available number for the filters, page after page up to ``meta.total``."""
        return paged(
            lambda page: self.search_page(
                country=country, number_type=number_type, page=page, city=city
            )
        )

    def numbers_page(self, page: int) -> wire.Page[wire.OwnedDid]:
        response = self.http.read("GET", "/numbers", params={"page": page, "limit": LIST_LIMIT})
        return wire.page_of(
            json_body(response, LABEL), "owned number", wire.parse_owned, requested_page=page
        )

    def numbers(self) -> Iterator[wire.OwnedDid]:
        return paged(self.numbers_page)

    def release(self, did_number_id: str) -> None:
        """Give a number back. Not in either document: ``DELETE`` on the documented ``/numbers``."""
        self.http.write("DELETE", f"/numbers/{did_number_id}")

    def route(self, did_number_id: str, sip_trunk_id: str | None) -> None:
        """Route a number to a trunk; ``None`` unroutes it (``sip_trunk_id: null`` on the
        documented call: the documents give no other way to remove a routing)."""
        self.http.write(
            "POST",
            "/portal/did-routing",
            json={
                "did_number_id": _id_value(did_number_id),
                "sip_trunk_id": None if sip_trunk_id is None else _id_value(sip_trunk_id),
            },
        )

    # --- SIP trunks -------------------------------------------------------------------------

    def create_trunk(self, name: str, *, auth_type: str = "digest") -> wire.Trunk:
        """The password comes back only here (and on regenerate): store it at once."""
        response = self.http.write(
            "POST", "/portal/sip-trunks", json={"name": name, "auth_type": auth_type}
        )
        return self._trunk(json_body(response, LABEL))

    def trunks_page(self, page: int) -> wire.Page[wire.Trunk]:
        response = self.http.read(
            "GET", "/portal/sip-trunks", params={"page": page, "limit": LIST_LIMIT}
        )
        return wire.page_of(
            json_body(response, LABEL), "trunk", wire.parse_trunk, requested_page=page
        )

    def trunks(self) -> Iterator[wire.Trunk]:
        """Every SIP trunk of the account (pages followed while ``meta.total`` says so)."""
        return paged(self.trunks_page)

    def regenerate_trunk_credentials(self, uuid: str) -> wire.Trunk:
        """New credentials; the client's PBX disconnects until it uses them. The guide shows no
        answer: whatever trunk fields come back are kept, the caller fills in the rest."""
        response = self.http.write("POST", f"/portal/sip-trunks/{uuid}/regenerate-credentials")
        body = json_body(response, LABEL)
        data = body.get("data") if isinstance(body, dict) else None
        data = data if isinstance(data, dict) else body
        if isinstance(data, dict) and not (data.get("uuid") or data.get("id")):
            data = {**data, "uuid": uuid}  # an answer of credentials alone
        return self._trunk({"data": data})

    @staticmethod
    def _trunk(body: object) -> wire.Trunk:
        data = body.get("data") if isinstance(body, dict) else None
        try:
            return wire.parse_trunk(data)
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unreadable SIP trunk ({exc})") from exc

    # --- messaging --------------------------------------------------------------------------

    def send_message(self, *, sender: str, to: str, body: str) -> wire.Message:
        """An outbound SMS. It is charged to the wallet, so it is never retried blindly."""
        response = self.http.purchase(
            "POST", "/messages/send", json={"from": sender, "to": to, "body": body}
        )
        try:
            return wire.parse_message(response.json())
        except (ValueError, wire.WireError) as exc:
            raise errors.OutcomeUnknown(
                f"{LABEL} accepted the message but its answer is unreadable ({exc})"
            ) from exc


def paged(fetch: Callable[[int], wire.Page[T]]) -> Iterator[T]:
    """Items of pages 1, 2, … until ``meta.total`` records were seen or a page comes back empty.

    Page size is the server's business (a page may be shorter than asked); we count records. A
    page without ``meta.total`` is the last one we can trust, and a page identical to the previous
    one means the server ignores ``page``: stop rather than loop.
    """
    seen = 0
    total = previous = None
    for number in range(1, MAX_PAGES + 1):
        page = fetch(number)
        if page.raw_count == 0:
            if total is not None and seen < total:
                listing_gap(f"{LABEL}: page {number} was empty after {seen} of {total} records")
            return
        if page.marker == previous:
            logger.warning("%s repeated page %s: stopping the walk", LABEL, number - 1)
            listing_gap(f"{LABEL}: page {number} repeated the previous one")
            return
        previous = page.marker
        yield from page.items
        seen += page.raw_count
        if page.total is None:
            logger.warning("%s sent a page without meta.total: stopping the walk", LABEL)
            listing_gap(f"{LABEL}: page {number} had no meta.total")
            return
        total = page.total
        if seen >= page.total:
            return
    logger.warning("%s: gave up after %s pages", LABEL, MAX_PAGES)
    listing_gap(f"{LABEL}: gave up after {MAX_PAGES} pages")
