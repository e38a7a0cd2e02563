"""A provider behind respx that fails on a script, with a simulator as the truth behind it.

Each request takes the next entry of the script: ``None`` passes it to the simulator; "500",
"503" answer that status without reaching it; "429" throttles; "timeout" raises a read timeout
before it arrives; "lost" lets it take effect upstream and then loses the answer (a timeout).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import respx


class ScriptedProvider:
    def __init__(self, simulator, script: list[str | None]) -> None:
        self.simulator = simulator
        self.script = list(script)
        self.seen: list[tuple[str, str, str]] = []  # (method, path, what happened)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        fault = self.script.pop(0) if self.script else None
        self.seen.append((request.method, request.url.path, fault or "ok"))
        if fault in ("500", "503"):
            return self.simulator.error_response(int(fault), "Service unavailable")
        if fault == "429":
            response = self.simulator.error_response(429, "Too many requests")
            response.headers["Retry-After"] = "7"
            return response
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        response = self.simulator.handle(request)
        if fault == "lost":
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    def writes(self, method: str = "PATCH") -> list[tuple[str, str, str]]:
        return [seen for seen in self.seen if seen[0] == method]


@contextmanager
def scripted(host: str, provider: ScriptedProvider) -> Iterator[ScriptedProvider]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host=host).mock(side_effect=provider)
        yield provider
