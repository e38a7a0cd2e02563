"""Typed provider errors (DESIGN.md §2).

Every client maps its provider's error body onto these. ``permanent`` tells callers whether trying
the same call again later can help. ``str(error)`` is a sentence a person can act on and names the
provider ("DIDWW rejected the API key").
"""

from __future__ import annotations


class ProviderError(Exception):
    permanent: bool = True

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class AuthFailed(ProviderError):
    permanent = True


class InvalidRequest(ProviderError):
    permanent = True

    def __init__(self, message: str, *, field: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class InsufficientFunds(ProviderError):
    permanent = True


class NotFound(ProviderError):
    permanent = True


class RateLimited(ProviderError):
    permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(ProviderError):
    """5xx, connection errors and timeouts on calls that are safe to repeat."""

    permanent = False


class OutcomeUnknown(ProviderError):
    """A purchase call timed out or died mid-flight: it may or may not have taken effect.

    Never answered by buying again: resolve it with ``adapter.find_order(our_reference)``.
    """

    permanent = False
