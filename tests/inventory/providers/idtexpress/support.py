"""Shared helpers for the IDT Express adapter tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from inventory.providers.http import AccountConfig
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.sandbox.idtexpress import IdtExpressSandbox

BASE = "https://api.idtexpress.com"
CREDENTIALS = {"api_key": "test-idt-key", "api_secret": "test-idt-secret"}
EN_DASH = "\N{EN DASH}"


def make_adapter(
    transport: httpx.BaseTransport | None = None,
    *,
    name: str = "idt-test",
    credentials: dict[str, str] | None = None,
    **kw: Any,
) -> IdtExpressAdapter:
    config = AccountConfig(
        name=name,
        kind="idtexpress",
        base_url=kw.pop("base_url", BASE),
        currency="USD",
        credentials=credentials or CREDENTIALS,
        transport=transport,
        **kw,
    )
    return IdtExpressAdapter(config)


def make_sandbox(**kw: Any) -> IdtExpressSandbox:
    return IdtExpressSandbox(credentials=CREDENTIALS, **kw)


def api(
    status: int, body: Any = None, *, text: str | None = None, **headers: str
) -> httpx.Response:
    content = text.encode() if text is not None else json.dumps(body).encode()
    return httpx.Response(
        status, content=content, headers={"Content-Type": "application/json", **headers}
    )


def error(status: int, code: int, detail: str, **extra: Any) -> dict[str, Any]:
    """IDT's error object."""
    item = {"code": code, "title": "Some Title", "detail": detail, **extra}
    return {"status": status, "api_request_id": "a171cfe8-a18c", "errors": [item]}


def group_body(group_id: int = 16847, **over: Any) -> dict[str, Any]:
    body = {
        "id": group_id,
        "name": "SALVADOR ",
        "country_calling_code": "55",
        "area_code": "71",
        "nxx": None,
        "toll_free": False,
        "country": {"name": "BRAZIL", "iso": "BR", "has_regions": False},
        "fees": {"setup_fee": "0.00", "monthly_fee": "3.00"},
    }
    body.update(over)
    return body


def order_body(
    order_id: str = "f52-6d9-261b",
    *,
    status: str = "Processing",
    item_status: str = "Processing",
    ordered: int = 3,
    fulfilled: int = 0,
    numbers: tuple[str, ...] = (),
    group_id: int = 16847,
    created_at: str = "2020-06-26T11:01:16.000Z",
) -> dict[str, Any]:
    return {
        "order": {
            "id": order_id,
            "created_at": created_at,
            "status": status,
            "ordered": {"quantity": ordered},
            "fulfilled": {"quantity": fulfilled},
            "order_items": [
                {
                    "id": 162455,
                    "status": item_status,
                    "order_item_type": "quantity",
                    "ordered": {"quantity": ordered},
                    "fulfilled": {"quantity": fulfilled},
                    "cancelable": False,
                    "did_group": group_body(group_id),
                    "numbers": [{"number": n} for n in numbers],
                }
            ],
        },
        "meta": {},
    }
