"""A tiny simulator with the sandbox interface, so fault and server tests need no real provider."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import httpx


@dataclass
class DummyState:
    balance: Decimal = Decimal("3.00")
    orders: list[dict[str, Any]] = field(default_factory=list)
    handled: int = 0
    overlaps: int = 0  # times two requests were inside handle() at once


class DummySandbox:
    kind: ClassVar[str] = "dummy"

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        seed: int = 1,
        work_seconds: float = 0.0,
        base_path: str = "",
    ) -> None:
        self.credentials = dict(credentials or {"api_key": "secret"})
        self.state = DummyState()
        self.work_seconds = work_seconds
        self.base_path = base_path
        self._inside = False

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def error_response(self, status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"errors": [{"status": str(status), "title": message}]})

    def is_purchase(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path == "/orders"

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self._inside:
            self.state.overlaps += 1
        self._inside = True
        try:
            if self.work_seconds:
                time.sleep(self.work_seconds)
            self.state.handled += 1
            return self._route(request)
        finally:
            self._inside = False

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/echo":
            return httpx.Response(
                200,
                headers={"X-Dummy": "yes"},
                json={
                    "method": request.method,
                    "path": path,
                    "query": request.url.query.decode(),
                    "headers": dict(request.headers),
                    "body": request.content.decode(),
                },
            )
        if path == "/crash":
            raise RuntimeError("the dummy simulator broke")
        if request.headers.get("X-Api-Key") != self.credentials["api_key"]:
            return self.error_response(401, "Invalid API key")
        if path == "/balance":
            return httpx.Response(200, json={"balance": str(self.state.balance)})
        if path == "/orders" and request.method == "GET":
            ref = request.url.params.get("ref")
            orders = [o for o in self.state.orders if ref is None or o["ref"] == ref]
            return httpx.Response(200, json={"orders": orders})
        if path == "/orders" and request.method == "POST":
            payload = json.loads(request.content)
            if self.state.balance < 1:
                return self.error_response(402, "Insufficient balance")
            self.state.balance -= 1
            order = {"id": len(self.state.orders) + 1, "ref": payload["ref"]}
            self.state.orders.append(order)
            return httpx.Response(201, json=order)
        return self.error_response(404, "Not found")


def counting_threads(target, count: int) -> list[threading.Thread]:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return threads
