"""An httpx transport around a simulator that loses answers or fails, for routing retries.

``Lossy(sandbox.handle, rules)``: each rule is ``(method, path_fragment, how, times)``. ``how``:

- ``"lost"``: the simulator handles the request (it takes effect), then the answer is lost
  (``httpx.ReadTimeout``), as a connection dropped after the provider acted;
- ``"503"`` / ``"500"``: answered with that status before reaching the simulator (nothing happens);
- ``"429"``: answered 429 with ``Retry-After: 0`` before reaching the simulator.

A rule applies to the first ``times`` matching requests. ``seen`` records every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Rule:
    method: str
    fragment: str
    how: str
    times: int = 1


@dataclass
class Lossy(httpx.BaseTransport):
    handle: Callable[[httpx.Request], httpx.Response]
    rules: list[Rule] = field(default_factory=list)
    error: Callable[[int, str], httpx.Response] | None = None
    seen: list[httpx.Request] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        for rule in self.rules:
            if rule.times <= 0 or request.method != rule.method:
                continue
            if rule.fragment not in request.url.path:
                continue
            rule.times -= 1
            if rule.how == "lost":
                self.handle(request)
                raise httpx.ReadTimeout("answer lost", request=request)
            status = int(rule.how)
            if self.error is not None:
                response = self.error(status, "injected failure")
            else:
                response = httpx.Response(status, json={})
            if status == 429:
                response.headers["Retry-After"] = "0"
            return response
        return self.handle(request)

    def writes(self) -> list[httpx.Request]:
        return [r for r in self.seen if r.method != "GET"]
