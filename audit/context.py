"""Who is acting, and from where: set once per request (or command) so services that record an
audit event need not be handed the request.

Web requests: ``AuditContextMiddleware`` (after authentication) keeps the request; the actor and
the IP are read when an event is recorded. The IP goes through allauth's trusted-proxy settings
(``ALLAUTH_TRUSTED_PROXY_COUNT`` / ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``), the same address its rate
limits key on. Celery jobs have no request: their events are the "system"'s. Management commands
wrap their writes in ``acting_from_cli(...)``.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    kind: str  # ActorKind
    user: object | None = None
    email: str = ""
    role: str = ""
    ip: str | None = None


_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_override: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def _client_ip(request: HttpRequest) -> str | None:
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured, ValueError):
        return None


def role_of(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if user.is_staff:
        return "platform_admin"
    membership = getattr(user, "membership", None)
    return membership.role if membership is not None else ""


def current_actor(user=None) -> Actor:
    """The actor for an event being recorded now; ``user`` names the person when the service
    knows better than the request (someone accepting an invitation is not signed in yet)."""
    override = _override.get()
    request = _request.get()
    ip = _client_ip(request) if request is not None else None
    if user is None and override is not None:
        return override
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None:
        return Actor(kind="person", user=user, email=user.email, role=role_of(user), ip=ip)
    if request is not None:
        return Actor(kind="person", ip=ip)  # anonymous (a public form)
    return Actor(kind="system")


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_from_cli(command: str) -> Iterator[None]:
    """Events recorded inside are the command line's, named by the OS user and the command."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    token = _override.set(Actor(kind="cli", email=f"{who}@cli", role=command[:32]))
    try:
        yield
    finally:
        _override.reset(token)
