"""A stateful in-memory PBXme (``pbxme-did-api.txt`` + README facts), spoken as httpx.

Every call is ``POST /api/<path>`` with a form body. ``/api/login`` trades ``username`` and
``password`` for an ``account_token``; every other call needs ``token``. Failures answer
``{"status": false, "error": "..."}``, mostly with HTTP 200 as PBXme does; an unknown token gets
401, an exceeded hourly limit 429 (or 200, ``limit_status``).

Tokens expire after ``token_ttl`` seconds or ``token_max_calls`` calls, so clients meet the
re-login path in tests. ``did/assign`` is synchronous in the document (there is no order to poll):
``fulfil_after_polls`` is accepted for the common sandbox interface and has nothing to delay.
Inventory is generated per country on first use (``pbxme_catalog``), deterministically from
``seed``; bought and released numbers leave the available pool.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx

from .held import HeldNumber
from .pbxme_catalog import LANDLINE, MOBILE_VOICE, TYPE_NAMES, Catalog, CatalogDid
from .pbxme_forward import destination_error

FORWARD_TYPES = frozenset({"extension", "pstn", "sip", "access_number", "ip"})


@dataclass
class Token:
    issued: float
    calls: int = 0


@dataclass
class OwnedDid:
    did: CatalogDid
    assigned_at: str
    forward_type: str = ""
    forward_destination: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            **self.did.as_json(),
            "forward_type": self.forward_type,
            "forward_destination": self.forward_destination,
            "assigned_at": self.assigned_at,
        }


@dataclass
class PbxmeState:
    balance: Decimal
    owned: dict[int, OwnedDid] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # bought or released: not available any more
    assignments: list[dict[str, Any]] = field(default_factory=list)  # every successful assign
    releases: list[int] = field(default_factory=list)
    tokens: dict[str, Token] = field(default_factory=dict)
    logins: int = 0
    window: int = -1  # the clock hour the request counter belongs to
    window_calls: int = 0
    calls: int = 0


class PbxmeSandbox:
    kind: ClassVar[str] = "pbxme"
    base_path: ClassVar[str] = "/api"

    def __init__(
        self,
        *,
        credentials: Mapping[str, str],
        seed: int = 1,
        scale: int = 1,
        balance: Decimal = Decimal("500.00"),
        fulfil_after_polls: int = 0,
        token_ttl: float = 3600.0,
        token_max_calls: int = 0,  # 0: no limit by count
        hourly_limit: int = 0,  # requests per clock hour; 0: unlimited
        limit_status: int = 429,  # 429, or 200 for the body-only variant
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = dict(credentials)
        self.seed = seed
        self.scale = scale
        self.fulfil_after_polls = fulfil_after_polls
        self.token_ttl = token_ttl
        self.token_max_calls = token_max_calls
        self.hourly_limit = hourly_limit
        self.limit_status = limit_status
        self.clock = clock
        self.catalog = Catalog(seed=seed, scale=scale)
        self.state = PbxmeState(balance=Decimal(balance))
        self._lock = threading.RLock()
        self._routes: dict[str, Callable[[dict[str, str]], httpx.Response]] = {
            "/did/type-list": self._type_list,
            "/balance": self._balance,
            "/did/available": self._available,
            "/did/assign": self._assign,
            "/did/list": self._list,
            "/did/forward": self._forward,
            "/did/release": self._release,
        }

    # --- the common sandbox interface --------------------------------------------------------

    def group_count(self) -> int:
        return self.catalog.group_count()

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def error_response(self, status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"status": False, "error": message})

    def is_purchase(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/did/assign")

    # --- what tests ask a simulator (the fault matrix) -------------------------------------

    buys_per_number: ClassVar[bool] = True  # one did/assign per picked number

    def purchases_for(self, *, reference: str, external_id: str, number_ids: Sequence[str]) -> int:
        """How many purchases were made upstream for one order item of ours: the assignments
        of its picks (PBXme keeps no reference of ours)."""
        picks = set(number_ids)
        return sum(str(a["did_id"]) in picks for a in self.state.assignments)

    def purchases_total(self) -> int:
        return len(self.state.assignments)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            return self._handle(request)

    # --- dispatch --------------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith(self.base_path + "/"):
            return self.error_response(404, "Not found")
        path = path[len(self.base_path) :]
        if path != "/login" and path not in self._routes:
            return self.error_response(404, "Not found")
        if request.method != "POST":
            return self.error_response(405, "Method not allowed")
        limited = self._count_request()
        if limited is not None:
            return limited
        form = _form(request)
        if path == "/login":
            return self._login(form)
        refused = self._check_token(form.get("token", ""))
        if refused is not None:
            return refused
        return self._routes[path](form)

    def _count_request(self) -> httpx.Response | None:
        self.state.calls += 1
        if not self.hourly_limit:
            return None
        now = self.clock()
        window = int(now // 3600)
        if window != self.state.window:
            self.state.window, self.state.window_calls = window, 0
        if self.state.window_calls >= self.hourly_limit:
            response = self.error_response(
                self.limit_status, f"Hourly API request limit of {self.hourly_limit} exceeded"
            )
            if self.limit_status == 429:
                response.headers["Retry-After"] = str(int((window + 1) * 3600 - now) + 1)
            return response
        self.state.window_calls += 1
        return None

    def _check_token(self, token: str) -> httpx.Response | None:
        found = self.state.tokens.get(token) if token else None
        if found is None:
            return self.error_response(401, "Invalid or missing token")
        expired = self.clock() - found.issued >= self.token_ttl or (
            self.token_max_calls and found.calls >= self.token_max_calls
        )
        if expired:
            del self.state.tokens[token]
            return _fail("Token expired, please login again")
        found.calls += 1
        return None

    # --- endpoints -------------------------------------------------------------------------

    def _login(self, form: dict[str, str]) -> httpx.Response:
        for name in ("username", "password"):
            if not form.get(name):
                return _fail(f"Missing parameter: {name}")
        expected = (self.credentials.get("username"), self.credentials.get("password"))
        if (form["username"], form["password"]) != expected:
            return _fail("Invalid username or password")
        self.state.logins += 1
        token = hashlib.sha256(f"pbxme:{self.seed}:{self.state.logins}".encode()).hexdigest()
        self.state.tokens[token] = Token(issued=self.clock())
        return _ok({"account_token": token})

    def _type_list(self, form: dict[str, str]) -> httpx.Response:
        types = [{"type_id": i, "name": name} for i, name in enumerate(TYPE_NAMES, start=1)]
        return _ok({"types": types})

    def _balance(self, form: dict[str, str]) -> httpx.Response:
        return _ok({"balance": _money(self.state.balance)})

    def _available(self, form: dict[str, str]) -> httpx.Response:
        country = form.get("country", "").strip().upper()
        if not country:
            return _fail("Missing parameter: country")
        if len(country) != 2 or not country.isalpha():
            return _fail("Invalid parameter: country")
        gone = self.state.gone
        dids = ",".join(
            d.json_text() for d in self.catalog.country(country) if d.did_id not in gone
        )
        # The bytes _ok({"dids": [d.as_json() ...]}) would send, written straight from the DIDs.
        body = f'{{"status":true,"dids":[{dids}]}}'.encode()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    def _assign(self, form: dict[str, str]) -> httpx.Response:
        did_id = _int(form.get("did_id", ""))
        if did_id is None:
            return _fail("Missing parameter: did_id")
        did = self.catalog.by_id(did_id)
        if did is None or did_id in self.state.gone:
            return _fail("DID not found or no longer available")
        price = did.setup_fee + did.monthly_cost
        if self.state.balance < price:
            return _fail("Insufficient balance")
        self.state.balance -= price
        self.state.gone.add(did_id)
        assigned_at = datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")
        self.state.owned[did_id] = OwnedDid(did, assigned_at)
        self.state.assignments.append(
            {"did_id": did_id, "did_number": did.number, "charged": price}
        )
        return _ok(
            {"message": "DID assigned successfully", "did_id": did_id, "did_number": did.number}
        )

    def _list(self, form: dict[str, str]) -> httpx.Response:
        return _ok({"dids": [owned.as_json() for owned in self.state.owned.values()]})

    def _forward(self, form: dict[str, str]) -> httpx.Response:
        owned = self.state.owned.get(_int(form.get("did_id", "")) or -1)
        if owned is None:
            return _fail("DID not found")
        destination = form.get("destination", "").strip()
        forward_type = form.get("type", "").strip().lower()
        if not destination and not forward_type and "destination" in form:
            # Forward to nothing (a suspended number): not in the document, our reading of it.
            owned.forward_type = owned.forward_destination = ""
            return _ok({"message": "Forwarding removed"})
        if not destination:
            return _fail("Missing parameter: destination")
        if forward_type not in FORWARD_TYPES:
            return _fail("Invalid parameter: type")
        problem = destination_error(forward_type, destination)
        if problem:
            return _fail(problem)
        owned.forward_type, owned.forward_destination = forward_type, destination
        return _ok({"message": "Forwarding updated"})

    def adopt(self, held: HeldNumber) -> bool:
        """Hold ``held`` as a number bought earlier (see ``held``); False if already held. The
        listing shows ``monthly_cost``: the held one's, where given."""
        written = "00" + held.digits
        if any(owned.did.number == written for owned in self.state.owned.values()):
            return False
        iso = held.parts()[0]
        did = next((d for d in self.catalog.country(iso) if d.number == written), None)
        if did is None:  # not sold here: as the number says it is
            kind = MOBILE_VOICE if held.number_type == "mobile" else LANDLINE
            did = CatalogDid(
                0, written, iso, kind, held.monthly_cost or Decimal("1.00"), Decimal(0)
            )
        wanted = int(held.number_id) if held.number_id.isdigit() else did.did_id
        if not wanted or wanted in self.state.owned:
            wanted = max([90_000_000, *self.state.owned]) + 1  # beyond every catalog's ids
        if held.monthly_cost is not None:
            did = replace(did, monthly_cost=held.monthly_cost)
        assigned = datetime.fromtimestamp(self.clock(), UTC)
        owned = OwnedDid(
            replace(did, did_id=wanted), (held.created_at or assigned).isoformat(timespec="seconds")
        )
        made = held.made
        if made.get("forward_type") and not held.suspended:  # forwards where it did
            owned.forward_type = str(made["forward_type"])
            owned.forward_destination = str(made.get("forward_destination") or "")
        self.state.owned[wanted] = owned
        self.state.gone.update({wanted, did.did_id})
        return True

    def _release(self, form: dict[str, str]) -> httpx.Response:
        did_id = _int(form.get("did_id", ""))
        if did_id is None or did_id not in self.state.owned:
            return _fail("DID not found")
        del self.state.owned[did_id]
        self.state.releases.append(did_id)
        return _ok({"message": "DID released"})


def _form(request: httpx.Request) -> dict[str, str]:
    """The form fields, as PHP's ``$_POST`` sees them: a JSON body carries none."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    parsed = parse_qs(request.content.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _ok(payload: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"status": True, **payload})


def _fail(message: str) -> httpx.Response:
    return httpx.Response(200, json={"status": False, "error": message})
