"""Shared helpers for the DIDWW adapter tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.http import AccountConfig

BASE = "https://api.didww.com"
API_KEY = "test-didww-key"
# Response and request bodies copied verbatim from didww-v3-buy-flow.txt.
DOC: dict[str, Any] = json.loads((Path(__file__).parent / "doc_examples.json").read_text())


def make_adapter(transport: httpx.BaseTransport | None = None, **kw: Any) -> DidwwAdapter:
    config = AccountConfig(
        name="didww-test",
        kind="didww",
        base_url=kw.pop("base_url", BASE),
        currency="USD",
        credentials={"api_key": kw.pop("api_key", API_KEY)},
        transport=transport,
        **kw,
    )
    return DidwwAdapter(config)


def api(status: int, body: Any = None, **headers: str) -> httpx.Response:
    """A DIDWW-style response (JSON:API media type)."""
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(
        status,
        content=content,
        headers={"Content-Type": "application/vnd.api+json", **headers},
    )


def errors_body(status: int, title: str, *, detail: str = "", code: str = "", pointer: str = ""):
    item: dict[str, Any] = {
        "title": title,
        "detail": detail or title,
        "code": code or str(status),
        "status": str(status),
    }
    if pointer:
        item["source"] = {"pointer": pointer}
    return {"errors": [item]}
