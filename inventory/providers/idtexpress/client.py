"""IDT Express API v1 over HTTP: auth headers, the error object and its codes, pagination.

Coverage endpoints (countries, regions, DID groups) answer everything at once with
``meta.total``; only Get Orders and Get Numbers page (``page``, ``page_size``, default 100).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from .. import errors
from ..http import AccountConfig, ProviderHttp, json_body, retry_after_seconds, status_error
from ..listing import listing_gap
from . import wire

logger = logging.getLogger("didhub.providers")

LABEL = "IDT Express"
DEFAULT_BASE_URL = "https://api.idtexpress.com"
SANDBOX_BASE_URL = "https://sandbox-api.idtexpress.com"
PAGE_SIZE = 100  # the documented default; the document names no maximum
MAX_PAGES = 10_000  # a server that ignores ``page`` must not keep us walking forever
ORDERS = "/v1/dids/orders"
NUMBERS = "/v1/dids/numbers"
COVERAGE = "/v1/dids/coverage"

T = TypeVar("T")

# Error codes of the document's table that name the field at fault.
_CODE_FIELDS = {
    "4000": "toll_free",
    "4002": "region_code",
    "4003": "country_iso",
    "4004": "did_group_id",
}
# The document's second error example is written as a Ruby hash ("status"=>422).
_RUBY_ARROW = re.compile(r'"\s*=>\s*')


def _error_body(response: httpx.Response) -> Mapping[str, Any]:
    text = response.text
    for candidate in (text, _RUBY_ARROW.sub('": ', text)):
        try:
            body = json.loads(candidate)
        except ValueError:
            continue
        return body if isinstance(body, Mapping) else {}
    return {}


def _first_error(body: Mapping[str, Any]) -> Mapping[str, Any]:
    errs = body.get("errors")
    if isinstance(errs, list) and errs and isinstance(errs[0], Mapping):
        return errs[0]
    return {}


def _request_param(response: httpx.Response, name: str) -> str:
    try:
        return response.request.url.params.get(name, "")
    except RuntimeError:  # a response built without a request (tests)
        return ""


def error_for(response: httpx.Response) -> errors.ProviderError:
    """IDT's ``{status, api_request_id, errors:[{code, title, detail, field, source}]}``."""
    status = response.status_code
    body = _error_body(response)
    err = _first_error(body)
    code = str(err.get("code") or "").strip()
    title = str(err.get("title") or "").strip()
    detail = str(err.get("detail") or "").strip()
    source = str(err.get("source") or "")
    field = str(err.get("field") or "").strip() or source.rstrip("/").rpartition("/")[2]
    if body.get("api_request_id"):
        # IDT support asks for this id; it stays in the log, not in the message people see.
        logger.info(
            "%s HTTP %s code %s (api_request_id %s)", LABEL, status, code, body["api_request_id"]
        )
    text = detail or title or response.reason_phrase or f"HTTP {status}"
    kw: dict[str, Any] = {"status": status, "code": code}
    if code == "2002" or status == 429:
        return errors.RateLimited(
            f"{LABEL} is throttling requests ({text})",
            retry_after=retry_after_seconds(response),
            **kw,
        )
    if status >= 500:
        return status_error(response, LABEL, text, code)
    if code == "2001":
        return errors.RateLimited(
            f"{LABEL}: the account's request quota is exceeded ({text})",
            retry_after=retry_after_seconds(response),
            **kw,
        )
    if code == "2000" or status in (401, 403):
        return errors.AuthFailed(f"{LABEL} rejected the API key or secret ({text})", **kw)
    if code == "3000":
        return errors.AuthFailed(f"{LABEL}: DID purchasing is not enabled ({text})", **kw)
    if code == "3001":
        return errors.InsufficientFunds(f"{LABEL}: insufficient funds ({text})", **kw)
    if code in ("1003", "4001"):
        return errors.NotFound(f"{LABEL}: {text}", **kw)
    if code == "1001" and field:
        country = _request_param(response, "country_iso")
        where = f" for {country}" if field == "region_code" and country else ""
        return errors.InvalidRequest(f"{LABEL}: {field} is required{where}", field=field, **kw)
    if code in _CODE_FIELDS:
        return errors.InvalidRequest(f"{LABEL}: {text}", field=field or _CODE_FIELDS[code], **kw)
    if status == 404:
        return errors.NotFound(f"{LABEL}: {text}", **kw)
    if 400 <= status < 500:
        return errors.InvalidRequest(f"{LABEL}: {text}", field=field, **kw)
    return status_error(response, LABEL, text, code)


class IdtExpressClient:
    def __init__(self, config: AccountConfig) -> None:
        if not config.base_url:
            config = replace(config, base_url=DEFAULT_BASE_URL)
        self.http = ProviderHttp(
            config,
            provider_label=LABEL,
            error_for=error_for,
            headers={
                "x-api-key": config.credentials.get("api_key", ""),
                "x-api-secret": config.credentials.get("api_secret", ""),
                "Accept": "application/json",
            },
        )

    def close(self) -> None:
        self.http.close()

    # --- reading ---------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        return _object(self.http.read("GET", path, params=dict(params or {})))

    def listing(
        self, path: str, key: str, params: Mapping[str, str], parse: Callable[[object], T]
    ) -> Iterator[T]:
        """An unpaged coverage list; a record with a broken shape is logged and skipped."""
        body = self.get(path, params)
        try:
            result = wire.page(body, key)
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unexpected {path} response: {exc}") from exc
        if result.total is not None and result.total > len(result.rows):
            # Nothing documented to fetch the rest with; say so rather than lose rows silently.
            logger.warning(
                "%s %s %s: meta.total %d but %d rows",
                LABEL, path, dict(params), result.total, len(result.rows),
            )  # fmt: skip
        yield from _parsed(result.rows, parse, path)

    def paged(
        self, path: str, key: str, params: Mapping[str, str], parse: Callable[[object], T]
    ) -> Iterator[T]:
        """Every row of a paged list (Get Orders, Get Numbers), page after page.

        Stops at an empty page or once ``meta.total`` rows have been seen; a page shorter than
        asked is not the end while the total says more remain (servers may cap ``page_size``).
        """
        number, seen = 1, 0
        while number <= MAX_PAGES:
            query = {**params, "page": str(number), "page_size": str(PAGE_SIZE)}
            body = self.get(path, query)
            try:
                result = wire.page(body, key)
            except wire.WireError as exc:
                raise errors.Unavailable(f"{LABEL} sent an unexpected {path} page: {exc}") from exc
            if result.page is not None and result.page != number:
                logger.warning(
                    "%s %s: asked page %d, got %d; stopping", LABEL, path, number, result.page
                )
                listing_gap(f"{LABEL} {path}: asked page {number}, got {result.page}")
                return
            yield from _parsed(result.rows, parse, path)
            seen += len(result.rows)
            if not result.rows:
                if result.total is not None and seen < result.total:
                    listing_gap(f"{LABEL} {path}: page {number} empty at {seen} of {result.total}")
                return
            if result.total is not None:
                if seen >= result.total:
                    return
            elif len(result.rows) < (result.page_size or PAGE_SIZE):
                return
            number += 1
        logger.warning("%s %s: stopped after %d pages", LABEL, path, MAX_PAGES)
        listing_gap(f"{LABEL} {path}: stopped after {MAX_PAGES} pages")

    # --- coverage --------------------------------------------------------------------------

    def countries(self) -> Iterator[wire.Country]:
        return self.listing(f"{COVERAGE}/countries", "countries", {}, wire.country)

    def regions(self, country_iso: str) -> Iterator[wire.Region]:
        path = f"{COVERAGE}/countries/{country_iso}/regions"
        return self.listing(path, "regions", {}, wire.region)

    def did_groups(
        self, country_iso: str, *, region_code: str = "", toll_free: bool = False
    ) -> Iterator[wire.DidGroup]:
        params = {"country_iso": country_iso}
        if region_code:
            params["region_code"] = region_code
        if toll_free:
            params["toll_free"] = "true"
        return self.listing(f"{COVERAGE}/did_groups", "did_groups", params, wire.did_group)

    # --- orders ----------------------------------------------------------------------------

    def create_order(self, group_id: int, quantity: int, *, preview: bool) -> wire.Order | None:
        """Create Order with its one order item; ``preview`` validates without ordering.

        A preview spends nothing, so it goes through the retried read path; the real call is a
        purchase: never retried, and an unreadable success is an unknown outcome, not a failure.
        """
        payload = {
            "preview": preview,
            "order_items": [{"did_group_id": group_id, "quantity": quantity}],
        }
        if preview:
            body = _object(self.http.read("POST", ORDERS, json=payload))
            try:
                return wire.order(body.get("order"))
            except wire.WireError:
                return None  # the preview's answer is not documented beyond passing validation
        response = self.http.purchase("POST", ORDERS, json=payload)
        try:
            return wire.order(_object(response).get("order"))
        except (wire.WireError, errors.Unavailable) as exc:
            raise errors.OutcomeUnknown(
                f"{LABEL} accepted the order but its answer could not be read ({exc})"
            ) from exc

    def get_order(self, order_id: str) -> wire.Order:
        body = self.get(f"{ORDERS}/{order_id}")
        try:
            return wire.order(body.get("order"))
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unreadable order {order_id}: {exc}") from exc

    def orders(self, *, status: str = "") -> Iterator[wire.Order]:
        params = {"filter_by_status": status} if status else {}
        return self.paged(ORDERS, "orders", params, wire.order)

    # --- numbers ---------------------------------------------------------------------------

    def numbers(self) -> Iterator[wire.Number]:
        return self.paged(NUMBERS, "numbers", {}, wire.number)

    def delete_number(self, idt_number: str) -> None:
        self.http.write("DELETE", f"{NUMBERS}/{idt_number}")


def _object(response: httpx.Response) -> Mapping[str, Any]:
    body = json_body(response, LABEL)
    if not isinstance(body, Mapping):
        raise errors.Unavailable(f"{LABEL} sent a response that is not a JSON object")
    return body


def _parsed(rows: list[Any], parse: Callable[[object], T], path: str) -> Iterator[T]:
    for raw in rows:
        try:
            yield parse(raw)
        except wire.WireError as exc:
            logger.warning("%s %s: skipped a record: %s", LABEL, path, exc)
            listing_gap(f"{LABEL} {path}: skipped a record: {exc}")
