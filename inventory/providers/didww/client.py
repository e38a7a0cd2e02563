"""DIDWW API v3 over HTTP: headers, JSON:API errors, pagination, the calls the adapter makes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import httpx

from .. import errors
from ..http import AccountConfig, ProviderHttp, json_body, retry_after_seconds, status_error
from ..listing import listing_gap
from . import wire

logger = logging.getLogger("didhub.providers")

LABEL = "DIDWW"
MEDIA_TYPE = "application/vnd.api+json"
API_VERSION = "2022-05-10"  # the behaviour the document describes (Title-case statuses)
PAGE_SIZE = 1000  # DIDWW's maximum page[size]
_ATTRIBUTES_POINTER = "/data/attributes/"

T = TypeVar("T")


def _first_error(response: httpx.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    errs = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errs, list) or not errs or not isinstance(errs[0], Mapping):
        return {}
    first = errs[0]
    source = first.get("source") if isinstance(first.get("source"), Mapping) else {}
    return {
        "title": str(first.get("title") or ""),
        "detail": str(first.get("detail") or ""),
        "code": str(first.get("code") or ""),
        "pointer": str(source.get("pointer") or ""),
    }


def _field(err: Mapping[str, str]) -> str:
    """``/data/attributes/items/0/qty`` or a detail ``items/0/qty - …`` -> ``items/0/qty``."""
    pointer = err.get("pointer", "")
    if pointer:
        if pointer.startswith(_ATTRIBUTES_POINTER):
            return pointer[len(_ATTRIBUTES_POINTER) :]
        return pointer.removeprefix("/data/").strip("/")
    for text in (err.get("detail", ""), err.get("title", "")):
        head, sep, _ = text.partition(" - ")
        if sep and " " not in head:
            return head
    return ""


def error_for(response: httpx.Response) -> errors.ProviderError:
    """DIDWW's JSON:API ``errors[]`` body as a typed error."""
    status = response.status_code
    err = _first_error(response)
    code = err.get("code", "")
    text = err.get("detail") or err.get("title") or response.reason_phrase or f"HTTP {status}"
    kw: dict[str, Any] = {"status": status, "code": code}
    if status in (401, 403):
        return errors.AuthFailed(f"{LABEL} rejected the API key ({text})", **kw)
    if status == 429:
        return errors.RateLimited(
            f"{LABEL} is rate limiting requests (20 per second per key)",
            retry_after=retry_after_seconds(response),
            **kw,
        )
    if "insufficient funds" in f"{err.get('title', '')} {err.get('detail', '')}".lower():
        return errors.InsufficientFunds(f"{LABEL}: insufficient funds on the account", **kw)
    if status == 404:
        return errors.NotFound(f"{LABEL}: {text}", **kw)
    if status in (400, 409, 422):
        return errors.InvalidRequest(f"{LABEL}: {text}", field=_field(err), **kw)
    return status_error(response, LABEL, text, code)


class DidwwClient:
    def __init__(self, config: AccountConfig) -> None:
        api_key = config.credentials.get("api_key", "")
        self.http = ProviderHttp(
            config,
            provider_label=LABEL,
            error_for=error_for,
            headers={
                "Api-Key": api_key,
                "Accept": MEDIA_TYPE,
                "X-DIDWW-API-Version": API_VERSION,
            },
        )

    def close(self) -> None:
        self.http.close()

    # --- reading ---------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        response = self.http.read("GET", path, params=dict(params or {}))
        return _document(response)

    def get_one(self, path: str, parse: Callable[[wire.Resource], T]) -> T:
        body = self.get(path)
        try:
            return parse(wire.resource(body.get("data")))
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unexpected {path} response: {exc}") from exc

    def pages(self, path: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every page of a collection, following ``links.next`` until it is absent."""
        current = {"page[size]": str(PAGE_SIZE), "page[number]": "1", **params}
        while True:
            body = self.get(path, current)
            yield body
            following = wire.next_page_params(body)
            if following is None:
                return
            if following == current:
                logger.warning("%s %s: links.next points at the same page; stopping", LABEL, path)
                listing_gap(f"{LABEL} {path}: links.next pointed at the same page")
                return
            current = following

    def collection(
        self,
        path: str,
        params: Mapping[str, str],
        parse: Callable[[wire.Resource, wire.Included], T],
    ) -> Iterator[T]:
        """Parsed rows of every page; a row with a broken shape is logged and skipped."""
        seen, total = 0, None
        for body in self.pages(path, params):
            rows = body.get("data")
            if not isinstance(rows, list):
                logger.warning("%s %s: a page without a data list; skipped", LABEL, path)
                listing_gap(f"{LABEL} {path}: a page without a data list")
                continue
            meta = body.get("meta")
            if total is None and isinstance(meta, Mapping):
                total = (
                    meta.get("total_records")
                    if isinstance(meta.get("total_records"), int)
                    else None
                )
            seen += len(rows)
            included = wire.included_index(body)
            for raw in rows:
                try:
                    yield parse(wire.resource(raw), included)
                except wire.WireError as exc:
                    logger.warning("%s %s: skipped a record: %s", LABEL, path, exc)
                    listing_gap(f"{LABEL} {path}: skipped a record: {exc}")
        if total is not None and seen < total:
            listing_gap(f"{LABEL} {path}: the pages ended after {seen} of {total} records")

    # --- writing ---------------------------------------------------------------------------

    def create_order(self, attributes: Mapping[str, Any]) -> wire.Order:
        payload = {"data": {"type": "orders", "attributes": dict(attributes)}}
        response = self.http.purchase(
            "POST", "/v3/orders", json=payload, headers={"Content-Type": MEDIA_TYPE}
        )
        try:
            return wire.order(wire.resource(_document(response).get("data")))
        except (wire.WireError, errors.Unavailable) as exc:
            # The order exists upstream but we cannot read its answer: resolve by reference.
            raise errors.OutcomeUnknown(
                f"{LABEL} accepted the order but its answer could not be read ({exc})"
            ) from exc

    def create(
        self,
        path: str,
        rtype: str,
        attributes: Mapping[str, Any],
        relationships: Mapping[str, Any] | None = None,
    ) -> wire.Resource:
        """``POST`` a new resource (not a purchase: never retried here; callers that may repeat
        it after a lost answer look the resource up first)."""
        data: dict[str, Any] = {"type": rtype, "attributes": dict(attributes)}
        if relationships:
            data["relationships"] = {name: {"data": v} for name, v in relationships.items()}
        response = self.http.write(
            "POST", path, json={"data": data}, headers={"Content-Type": MEDIA_TYPE}
        )
        try:
            return wire.resource(_document(response).get("data"))
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unreadable {rtype} answer: {exc}") from exc

    def patch(
        self,
        path: str,
        rtype: str,
        rid: str,
        attributes: Mapping[str, Any],
        relationships: Mapping[str, Any] | None = None,
    ) -> None:
        """Update a resource; ``relationships`` maps a to-one name to its linkage or None."""
        data: dict[str, Any] = {"id": rid, "type": rtype, "attributes": dict(attributes)}
        if relationships:
            data["relationships"] = {name: {"data": v} for name, v in relationships.items()}
        payload = {"data": data}
        self.http.write("PATCH", path, json=payload, headers={"Content-Type": MEDIA_TYPE})


def _document(response: httpx.Response) -> dict[str, Any]:
    body = json_body(response, LABEL)
    if not isinstance(body, dict):
        raise errors.Unavailable(f"{LABEL} sent a response that is not a JSON:API document")
    return body


def one(parse: Callable[[wire.Resource], T]) -> Callable[[wire.Resource, wire.Included], T]:
    """Adapt a parser that needs no ``included`` to ``collection``."""
    return lambda item, _included: parse(item)
