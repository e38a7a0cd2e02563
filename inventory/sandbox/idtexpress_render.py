"""JSON bodies of the IDT Express simulator, shaped like the document's examples."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from . import idtexpress_catalog as cat
from .idtexpress_orders import NumberRecord, OrderRecord

# The document's error code table: code -> title.
TITLES = {
    1000: "Invalid Request",
    1001: "Required Field Missing",
    1002: "Invalid Field",
    1003: "Resource Not Found",
    2000: "Access Denied",
    2001: "Quota Exceeded",
    2002: "Throttled",
    3000: "DIDs Feature Not Enabled",
    3001: "Insufficient Funds",
    4000: "Toll-Free Number Not Offered",
    4001: "Number Not Found",
    4002: "Region Not Offered",
    4003: "Country Not Offered",
    4004: "Invalid DID Group",
}


class ApiError(Exception):
    """An error the simulator answers in IDT's error object."""

    def __init__(
        self,
        status: int,
        code: int,
        detail: str,
        *,
        field: str | None = None,
        source: str | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.source = source
        self.title = title or TITLES.get(code, "Invalid Request")


def respond(status: int, body: Any) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


def error_body(error: ApiError, request_id: str) -> dict[str, Any]:
    item: dict[str, Any] = {"code": error.code, "title": error.title, "detail": error.detail}
    if error.field:
        item["field"] = error.field
    if error.source:
        item["source"] = error.source  # only for requests with a JSON body, as documented
    return {"status": error.status, "api_request_id": request_id, "errors": [item]}


def stamp(moment: datetime) -> str:
    """``2020-07-05T22:58:23.000Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def country(row: cat.CountryRow, *, toll_free_flag: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"name": row.name, "iso": row.iso, "has_regions": row.has_regions}
    if toll_free_flag:  # the order examples' nested country objects leave it out
        body["supports_toll_free"] = row.supports_toll_free
    return body


def group(catalog: cat.Catalog, item: cat.Group, *, in_order: bool = False) -> dict[str, Any]:
    row = catalog.country(item.country)
    assert row is not None  # every group belongs to a catalog country
    body: dict[str, Any] = {
        "id": item.id,
        "name": item.name,
        "country_calling_code": item.calling_code,
        "area_code": item.area_code,
        "nxx": item.nxx,
        "toll_free": item.toll_free,
        "country": country(row, toll_free_flag=not in_order),
    }
    if item.region_code:
        body["region"] = {"name": item.region_name, "code": item.region_code}
    fees = {"setup_fee": f"{item.setup_fee:.2f}", "monthly_fee": f"{item.monthly_fee:.2f}"}
    if not in_order:  # as in the order examples, which show the fees without the rate
        fees["per_minute_rate"] = f"{item.per_minute_rate:.4f}"
    body["fees"] = fees
    return body


def order_summary(order: OrderRecord, currency: str) -> dict[str, Any]:
    return {
        "id": order.id,
        "created_at": stamp(order.created_at),
        "status": order.status,
        "ordered": {"quantity": order.quantity},
        "fulfilled": {"quantity": len(order.numbers)},
        "currency": currency,
    }


def order(catalog: cat.Catalog, order: OrderRecord) -> dict[str, Any]:
    return {
        "order": {
            "id": order.id,
            "created_at": stamp(order.created_at),
            "status": order.status,
            "ordered": {"quantity": order.quantity},
            "fulfilled": {"quantity": len(order.numbers)},
            "order_items": [
                {
                    "id": order.item_id,
                    "status": order.item_status,
                    "order_item_type": "quantity",
                    "ordered": {"quantity": order.quantity},
                    "fulfilled": {"quantity": len(order.numbers)},
                    "cancelable": order.cancelable,
                    "did_group": group(catalog, order.group, in_order=True),
                    "numbers": [{"number": n} for n in order.numbers],
                }
            ],
        },
        "meta": {},
    }


def preview(catalog: cat.Catalog, item: cat.Group, quantity: int, now: datetime) -> dict[str, Any]:
    """The answer to ``preview: true``: the order that would be created, with no id."""
    return {
        "order": {
            "id": None,
            "created_at": stamp(now),
            "status": "Preview",
            "ordered": {"quantity": quantity},
            "fulfilled": {"quantity": 0},
            "order_items": [
                {
                    "id": None,
                    "status": "Preview",
                    "order_item_type": "quantity",
                    "ordered": {"quantity": quantity},
                    "fulfilled": {"quantity": 0},
                    "cancelable": False,
                    "did_group": group(catalog, item, in_order=True),
                    "numbers": [],
                }
            ],
        },
        "meta": {},
    }


def number(catalog: cat.Catalog, record: NumberRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": record.number,
        "status": record.status,
        "added_at": stamp(record.added_at),
    }
    if record.removed_at is not None:
        body["removed_at"] = stamp(record.removed_at)
    body["did_group"] = group(catalog, record.group)
    return body
