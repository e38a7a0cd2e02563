"""JSON:API plumbing for the DIDWW simulator: errors, query parsing, pages and links, rendering."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from . import didww_catalog as cat

MEDIA_TYPE = "application/vnd.api+json"
API_VERSION = "2022-05-10"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000  # what DIDWW documents
SERVED_PAGE_SIZE = 500  # what the sandbox actually returns at most, so clients follow links.next
API_ROOT = "https://api.didww.com/v3"


class ApiError(Exception):
    """Raised inside a handler; becomes a JSON:API error response."""

    def __init__(
        self, status: int, title: str, *, detail: str = "", code: str = "", pointer: str = ""
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail or title
        self.code, self.pointer = code or str(status), pointer


def error_body(error: ApiError) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": error.title,
        "detail": error.detail,
        "code": error.code,
        "status": str(error.status),
    }
    if error.pointer:
        item["source"] = {"pointer": error.pointer}
    return {"errors": [item]}


def respond(status: int, body: Mapping[str, Any] | None) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    content = json.dumps(body, separators=(",", ":")).encode()
    return httpx.Response(status, content=content, headers={"Content-Type": MEDIA_TYPE})


def query(request: httpx.Request, allowed_filters: Iterable[str]) -> tuple[dict[str, str], dict]:
    """(filters by name, other params); an unknown filter is DIDWW's 400 code 102."""
    allowed = set(allowed_filters)
    filters: dict[str, str] = {}
    other: dict[str, str] = {}
    for name, value in request.url.params.multi_items():
        if name.startswith("filter[") and name.endswith("]"):
            key = name[7:-1]
            if key not in allowed:
                raise ApiError(400, f"{key} is not allowed filter", code="102")
            filters[key] = value
        else:
            other[name] = value
    return filters, other


def includes(params: Mapping[str, str], allowed: Iterable[str]) -> frozenset[str]:
    names = frozenset(n.strip() for n in params.get("include", "").split(",") if n.strip())
    unknown = names - set(allowed)
    if unknown:
        bad = sorted(unknown)[0]
        raise ApiError(400, f"{bad} is not a valid relationship", code="112")
    return names


def page_bounds(params: Mapping[str, str]) -> tuple[int, int, int]:
    """(page number, size asked for, size served)."""
    try:
        number = int(params.get("page[number]", "1"))
        size = int(params.get("page[size]", str(DEFAULT_PAGE_SIZE)))
    except ValueError:
        raise ApiError(400, "page parameters must be integers", code="103") from None
    if number < 1 or size < 1:
        raise ApiError(400, "page parameters must be positive", code="103")
    if size > MAX_PAGE_SIZE:
        raise ApiError(400, f"page[size] must be less than or equal to {MAX_PAGE_SIZE}", code="103")
    return number, size, min(size, SERVED_PAGE_SIZE)


def collection(
    request: httpx.Request,
    params: Mapping[str, str],
    rows: Sequence[Any],
    render: Callable[[Any, dict[tuple[str, str], dict]], dict[str, Any]],
    *,
    total: int | None = None,
) -> httpx.Response:
    """One page of ``rows``, with ``included`` collected by ``render`` and DIDWW's links.

    ``total``: the full count when ``rows`` holds only the rows up to this page.
    """
    number, asked, served = page_bounds(params)
    count = len(rows) if total is None else total
    start = (number - 1) * served
    chunk = rows[start : start + served]
    included: dict[tuple[str, str], dict] = {}
    data = [render(row, included) for row in chunk]
    last = max(1, math.ceil(count / served))
    # Links keep every filter and include of the request, only the page changes.
    base = {k: v for k, v in request.url.params.items() if not k.startswith("page[")}

    def link(page: int) -> str:
        # The size asked for, as DIDWW writes it; the server still serves at most SERVED_PAGE_SIZE.
        query_text = urlencode({**base, "page[number]": page, "page[size]": asked})
        url = request.url.copy_with(query=None, fragment=None)
        return f"{url}?{query_text}"

    links = {"first": link(1), "last": link(last)}
    if number > 1:
        links["prev"] = link(min(number - 1, last))
    if number < last:
        links["next"] = link(number + 1)
    body: dict[str, Any] = {"data": data}
    if included:
        body["included"] = list(included.values())
    body["meta"] = {"total_records": count, "api_version": API_VERSION}
    body["links"] = links
    return respond(200, body)


def document(data: dict[str, Any], included: Mapping[Any, dict] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"data": data}
    if included:
        body["included"] = list(included.values())
    body["meta"] = {"api_version": API_VERSION}
    return respond(200, body)


def rel(source: str, sid: str, name: str, data: Any = ..., *, show: bool = False) -> dict:
    """A relationship with DIDWW's links; ``data`` only when the client included it."""
    out: dict[str, Any] = {
        "links": {
            "self": f"{API_ROOT}/{source}/{sid}/relationships/{name}",
            "related": f"{API_ROOT}/{source}/{sid}/{name}",
        }
    }
    if show and data is not ...:
        out["data"] = data
    return out


def linkage(rtype: str, rid: str | None) -> dict[str, str] | None:
    return {"type": rtype, "id": rid} if rid else None


# --- catalog resources ----------------------------------------------------------------------


def render_country(c: cat.Country) -> dict[str, Any]:
    return {
        "id": c.id,
        "type": "countries",
        "attributes": {"name": c.name, "prefix": c.prefix, "iso": c.iso},
    }


def render_region(r: cat.Region) -> dict[str, Any]:
    return {"id": r.id, "type": "regions", "attributes": {"name": r.name, "iso": r.iso}}


def render_city(c: cat.City) -> dict[str, Any]:
    return {"id": c.id, "type": "cities", "attributes": {"name": c.name}}


def render_nanpa(p: cat.NanpaPrefix) -> dict[str, Any]:
    return {"id": p.id, "type": "nanpa_prefixes", "attributes": {"npa": p.npa, "nxx": p.nxx}}


def render_sku(s: cat.Sku) -> dict[str, Any]:
    return {
        "id": s.id,
        "type": "stock_keeping_units",
        "attributes": {
            "setup_price": str(s.setup_price),
            "monthly_price": str(s.monthly_price),
            "channels_included_count": s.channels,
        },
    }
