"""The one HTTP layer every provider client uses (DESIGN.md §2).

One ``httpx.Client`` per account with central timeouts, the shared rate limiter, secrets kept out
of logs, retries for reads (429 / 5xx / timeouts, jittered, honouring ``Retry-After``) and no
retries at all for purchases: a purchase that dies mid-flight raises ``OutcomeUnknown``.

Each client supplies ``error_for(response)`` that maps its provider's error body onto the typed
errors of ``errors.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import stamina

from .errors import OutcomeUnknown, ProviderError, RateLimited, Unavailable
from .ratelimit import AccountRateLimiter

logger = logging.getLogger("didhub.providers")

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
READ_ATTEMPTS = 5
READ_RETRY_SECONDS = 60.0
MAX_RETRY_AFTER = 30.0


@dataclass(frozen=True)
class AccountConfig:
    """What a client needs to talk to one provider account; built from ``ProviderAccount``."""

    name: str
    kind: str
    base_url: str
    currency: str
    credentials: Mapping[str, str]
    rate_limit: str = ""  # a ``limits`` string, e.g. "20/second"; "" = none
    rate_limit_storage: str = "memory://"
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    countries: tuple[str, ...] = ()  # countries to search, for providers without a coverage listing
    transport: httpx.BaseTransport | None = field(default=None, compare=False)  # sandbox in-process
    retry_reads: bool = True
    # Where a suspended number's calls go, as a routing destination ("" = nowhere), for
    # providers that suspend by forwarding (PBXme); from the UPSTREAM_SUSPENDED_FORWARD setting.
    suspended_forward: str = ""


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, min(float(value), MAX_RETRY_AFTER))
    except ValueError:
        return None


def _backoff_hook(exc: Exception) -> bool | float:
    if isinstance(exc, RateLimited):
        return exc.retry_after if exc.retry_after is not None else True
    return isinstance(exc, Unavailable)


class ProviderHttp:
    def __init__(
        self,
        config: AccountConfig,
        *,
        provider_label: str,
        error_for: Callable[[httpx.Response], ProviderError],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.label = provider_label
        self._error_for = error_for
        self._limiter = AccountRateLimiter(
            key=f"{config.kind}:{config.name}",
            rate=config.rate_limit,
            storage_url=config.rate_limit_storage,
        )
        self.client = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            headers=dict(headers or {}),
            timeout=config.timeout,
            transport=config.transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self.client.close()

    def read(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call that is safe to repeat: retried on 429, 5xx and transport failures."""
        if not self.config.retry_reads:
            return self._send(method, path, purchase=False, **kwargs)
        for attempt in stamina.retry_context(
            on=_backoff_hook, attempts=READ_ATTEMPTS, timeout=READ_RETRY_SECONDS
        ):
            with attempt:
                return self._send(method, path, purchase=False, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call that changes state upstream but costs nothing (routing, release): no retry."""
        return self._send(method, path, purchase=False, **kwargs)

    def purchase(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call that spends money. Never retried; a lost outcome raises ``OutcomeUnknown``."""
        return self._send(method, path, purchase=True, **kwargs)

    def _send(self, method: str, path: str, *, purchase: bool, **kwargs: Any) -> httpx.Response:
        self._limiter.acquire()
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise self._transport_failure(purchase, f"{self.label} did not answer in time") from exc
        except httpx.TransportError as exc:
            raise self._transport_failure(purchase, f"{self.label} is unreachable ({exc})") from exc
        logger.debug("%s %s %s -> %s", self.label, method, path, response.status_code)
        if response.is_success:
            return response
        error = self._error_for(response)
        if purchase and response.status_code >= 500 and not isinstance(error, RateLimited):
            # A 5xx after a purchase request may come after the purchase took effect.
            raise OutcomeUnknown(
                f"{self.label} failed while placing the order ({error.message})",
                status=response.status_code,
            ) from error
        raise error

    @staticmethod
    def _transport_failure(purchase: bool, message: str) -> ProviderError:
        if purchase:
            return OutcomeUnknown(message + " while placing the order")
        return Unavailable(message)


def json_body(response: httpx.Response, label: str) -> Any:
    """The decoded JSON body, or ``Unavailable`` when a provider answers with something else."""
    try:
        return response.json()
    except ValueError as exc:
        raise Unavailable(f"{label} sent a response that is not JSON") from exc


def status_error(
    response: httpx.Response, label: str, message: str, code: str = ""
) -> ProviderError:
    """The typed error for an HTTP status when the body says nothing more specific."""
    from . import errors

    status = response.status_code
    kw = {"status": status, "code": code}
    if status in (401, 403):
        return errors.AuthFailed(f"{label} rejected the credentials: {message}", **kw)
    if status == 404:
        return errors.NotFound(f"{label}: {message}", **kw)
    if status == 429:
        return RateLimited(
            f"{label} is rate limiting requests: {message}",
            retry_after=retry_after_seconds(response),
            **kw,
        )
    if status == 402:
        return errors.InsufficientFunds(f"{label}: {message}", **kw)
    if status >= 500:
        return Unavailable(f"{label} had a server error ({status}): {message}", **kw)
    return errors.InvalidRequest(f"{label}: {message}", **kw)
