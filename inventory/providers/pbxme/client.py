"""PBXme over HTTP: form-encoded POSTs, the login token, ``status:false`` error bodies.

Every call is ``POST <base>/<path>`` with a form body carrying ``token``; the token comes from
``POST /login`` (``username``, ``password``), is fetched lazily on the first call and cached on the
client. Tokens expire (about an hour, README): a call refused for auth is repeated once with a
fresh login, and a second refusal is ``AuthFailed``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import httpx

from .. import errors
from ..http import AccountConfig, ProviderHttp, json_body, retry_after_seconds, status_error
from . import wire

logger = logging.getLogger("didhub.providers")

LABEL = "PBXme"
DEFAULT_BASE_URL = "https://newsip.pbxme.com/api"

Mode = Literal["read", "write", "purchase"]

# PBXme signals failures with free text only, so the typed error is chosen by words in it.
_LIMIT_WORDS = ("hourly", "rate limit", "too many", "limit exceeded", "limit reached")
_FUNDS_WORDS = ("insufficient", "balance", "funds", "not enough credit")
_AUTH_WORDS = (
    "token",
    "auth",
    "login",
    "password",
    "username",
    "credential",
    "session",
    "expired",
    "permission",
    "access denied",
)
_NOT_FOUND_WORDS = ("not found", "no longer available", "not available", "does not exist")
_INVALID_WORDS = ("invalid", "missing", "required", "parameter", "unsupported", "wrong")
_FIELD = re.compile(r"\b(did_id|country|destination|type|username|password|token)\b")


def classify(text: str, *, status: int, retry_after: float | None = None) -> errors.ProviderError:
    """The typed error for a PBXme failure text (from a ``status:false`` body or an HTTP error)."""
    lower = text.lower()
    kw: dict[str, Any] = {"status": status}
    if any(word in lower for word in _LIMIT_WORDS):
        return errors.RateLimited(
            f"{LABEL} hourly request limit reached ({text})", retry_after=retry_after, **kw
        )
    if any(word in lower for word in _FUNDS_WORDS):
        return errors.InsufficientFunds(f"{LABEL}: insufficient balance ({text})", **kw)
    if any(word in lower for word in _AUTH_WORDS):
        return errors.AuthFailed(f"{LABEL} rejected the login or token ({text})", **kw)
    if any(word in lower for word in _NOT_FOUND_WORDS):
        return errors.NotFound(f"{LABEL}: {text}", **kw)
    if any(word in lower for word in _INVALID_WORDS):
        match = _FIELD.search(lower)
        return errors.InvalidRequest(f"{LABEL}: {text}", field=match[1] if match else "", **kw)
    return errors.InvalidRequest(f"{LABEL} refused the request ({text})", **kw)


def error_for(response: httpx.Response) -> errors.ProviderError:
    """An HTTP error answer (``ProviderHttp`` calls this for non-2xx) as a typed error.

    The status decides where it is unambiguous (401/403 auth, 429 limit, 5xx outage); otherwise
    the ``error`` text of the body does, as for HTTP 200 failures.
    """
    status = response.status_code
    try:
        text = wire.error_text(response.json())
    except ValueError:
        text = ""
    text = text or response.reason_phrase or f"HTTP {status}"
    if status in (401, 403):
        return errors.AuthFailed(f"{LABEL} rejected the login or token ({text})", status=status)
    if status == 429:
        return errors.RateLimited(
            f"{LABEL} hourly request limit reached ({text})",
            retry_after=retry_after_seconds(response),
            status=status,
        )
    if status >= 500 or status == 402:
        return status_error(response, LABEL, text)
    error = classify(text, status=status)
    if type(error) is errors.InvalidRequest and status == 404 and not error.field:
        return errors.NotFound(f"{LABEL}: {text}", status=status)
    return error


class PbxmeClient:
    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        self.http = ProviderHttp(
            config,
            provider_label=LABEL,
            error_for=error_for,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.logins = 0  # how many times this client logged in (tests, diagnostics)

    def close(self) -> None:
        self.http.close()

    # --- token -----------------------------------------------------------------------------

    def login(self) -> str:
        """A fresh token. Login has no side effect upstream, so it is retried like a read."""
        creds = self.config.credentials
        username, password = creds.get("username", ""), creds.get("password", "")
        if not username or not password:
            raise errors.AuthFailed(f"{LABEL}: the account has no username/password configured")
        response = self.http.read(
            "POST", "/login", data={"username": username, "password": password}
        )
        body = self._body(response, "/login")
        try:
            token = wire.account_token(body)
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unexpected login answer: {exc}") from exc
        self.logins += 1
        return token

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self.login()
            return self._token

    def _renew_token(self, rejected: str) -> str:
        with self._token_lock:
            # Another thread may have renewed it already: use theirs, don't log in twice.
            if self._token is None or self._token == rejected:
                self._token = None
                self._token = self.login()
            return self._token

    # --- calls -----------------------------------------------------------------------------

    def call(self, path: str, data: Mapping[str, str] | None = None, *, mode: Mode) -> dict:
        """``POST path`` with the token; one transparent re-login when the token is refused.

        For ``did/assign`` (``mode="purchase"``) the repeat is only safe because PBXme checks the
        token before it processes anything: an auth rejection proves nothing was bought. Every
        other failure of a purchase (timeout, 5xx, lost answer) is *not* such a proof and is never
        repeated here (``ProviderHttp.purchase`` turns it into ``OutcomeUnknown``).
        """
        token = self._current_token()
        try:
            return self._send(path, {**(data or {}), "token": token}, mode)
        except errors.AuthFailed as first:
            logger.info("%s refused the token on %s (%s); logging in again", LABEL, path, first)
        token = self._renew_token(token)
        try:
            return self._send(path, {**(data or {}), "token": token}, mode)
        except errors.AuthFailed as second:
            with self._token_lock:
                if self._token == token:
                    self._token = None
            raise errors.AuthFailed(
                f"{LABEL} refused a freshly issued token on {path} ({second.message})",
                status=second.status,
            ) from second

    def _send(self, path: str, data: Mapping[str, str], mode: Mode) -> dict:
        sender = {"read": self.http.read, "write": self.http.write, "purchase": self.http.purchase}
        response = sender[mode]("POST", path, data=dict(data))
        try:
            return self._body(response, path)
        except errors.Unavailable as exc:
            if mode != "purchase":
                raise
            # A 2xx we cannot read may still be a purchase that went through.
            raise errors.OutcomeUnknown(
                f"{LABEL} answered the purchase with something unreadable ({exc.message})",
                status=response.status_code,
            ) from exc

    def _body(self, response: httpx.Response, path: str) -> dict:
        body = json_body(response, LABEL)
        if not isinstance(body, dict):
            raise errors.Unavailable(f"{LABEL} sent a {path} answer that is not an object")
        if wire.failed(body):
            # HTTP 200 with {"status": false, "error": ...}: a refusal, not a success.
            text = wire.error_text(body) or "no reason given"
            raise classify(text, status=response.status_code)
        return body

    # --- the documented endpoints ------------------------------------------------------------

    def balance(self) -> Decimal:
        body = self.call("/balance", mode="read")
        try:
            return wire.balance(body)
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unexpected balance answer: {exc}") from exc

    def type_list(self) -> list[wire.DidType]:
        body = self.call("/did/type-list", mode="read")
        try:
            return list(wire.did_types(body))
        except wire.WireError as exc:
            raise errors.Unavailable(f"{LABEL} sent an unexpected type list: {exc}") from exc

    def available(self, country: str) -> list[Any]:
        """Raw DID records available in ``country`` (ISO code); parsed one by one by the caller
        so a broken record costs only itself. PBXme does not paginate this call."""
        return self._rows(
            self.call("/did/available", {"country": country}, mode="read"), path="available"
        )

    def owned(self) -> list[Any]:
        return self._rows(self.call("/did/list", mode="read"), path="list")

    def assign(self, did_id: str) -> dict:
        return self.call("/did/assign", {"did_id": did_id}, mode="purchase")

    def forward(self, did_id: str, destination: str, forward_type: str) -> dict:
        data = {"did_id": did_id, "destination": destination, "type": forward_type}
        return self.call("/did/forward", data, mode="write")

    def release(self, did_id: str) -> dict:
        return self.call("/did/release", {"did_id": did_id}, mode="write")

    @staticmethod
    def _rows(body: Mapping[str, Any], *, path: str) -> list[Any]:
        try:
            return wire.did_rows(body)
        except wire.WireError as exc:
            raise errors.Unavailable(
                f"{LABEL} sent an unexpected did/{path} answer: {exc}"
            ) from exc
