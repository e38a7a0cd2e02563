"""Keeping the provider in step with a number's billing state: suspend, restore, release.

Billing decides (grace → suspended → releasing) and calls ``upstream_action_request`` inside its
own transaction; the request is an ``UpstreamAction`` row, and a retried Celery job
(``upstream_run.upstream_action_run``) carries it to the provider after commit. Nothing here
ever changes billing state, and a provider in trouble never makes the caller fail.

Requests are collapsed per number, so the provider sees only what changes its state:

- asking for what was asked last (a second suspend while suspended, or suspending) does nothing;
- asking for the opposite of a request no job has started yet cancels that request instead
  (a restore before the suspension ran: the provider never hears of either);
- a restore with no suspension before it does nothing;
- a release is asked once per number, ever (``upstream_release_once``); it cancels the
  suspend/restore requests no job has started, and later suspend/restore requests do nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .models_numbers import Number
from .models_upstream import UpstreamAction, UpstreamKind, UpstreamMode, UpstreamState
from .providers.registry import ADAPTERS, adapter_class

logger = logging.getLogger("didhub.upstream")

ROUTING_KINDS = (UpstreamKind.SUSPEND, UpstreamKind.RESTORE)


def suspends_upstream(kind: str) -> bool:
    """Whether a provider of this kind can suspend a number itself: its adapter declares an API
    suspension. Where it cannot (IDT Express has no routing API), a suspension is recorded here
    only and the number keeps ringing, so billing keeps its grace at the platform's shortest."""
    modes = getattr(adapter_class(kind), "upstream_actions", {})
    return modes.get(UpstreamKind.SUSPEND) == UpstreamMode.API


def kinds_without_upstream_suspension() -> list[str]:
    return sorted(kind for kind in ADAPTERS if not suspends_upstream(kind))


def upstream_action_request(*, number: Number, kind: str, reason: str = "") -> None:
    """Ask the provider to act on ``number``: kind is "suspend" | "restore" | "release".

    Call inside the caller's transaction; the job is enqueued on commit (transaction.on_commit);
    idempotent per (number, kind) while one is open; never raises for provider trouble.
    """
    if kind not in UpstreamKind.values or kind == UpstreamKind.ROUTE:
        # Routes have their own request (inventory.routing.number_route_request).
        raise ValueError(f"unknown upstream action {kind!r}")
    with transaction.atomic():
        # One request at a time per number: two callers racing see each other's rows.
        Number.objects.select_for_update().filter(pk=number.pk).first()
        action = _request(number, UpstreamKind(kind), reason[:200])
    if action is not None:
        action_id = action.pk
        transaction.on_commit(lambda: _enqueue(action_id))


def _request(number: Number, kind: UpstreamKind, reason: str) -> UpstreamAction | None:
    live = UpstreamAction.objects.filter(number=number).exclude(state=UpstreamState.CANCELLED)
    released = live.filter(kind=UpstreamKind.RELEASE).exists()
    if kind == UpstreamKind.RELEASE:
        if released:
            return None
        for unrun in live.filter(kind__in=ROUTING_KINDS).order_by("pk"):
            if _not_started(unrun):
                _cancel(unrun, "the number is being released")
        return _create(number, kind, reason)
    if released:
        logger.info("upstream %s of %s ignored: it is released upstream", kind, number.e164)
        return None
    last = live.filter(kind__in=ROUTING_KINDS).order_by("-pk").first()
    if last is None:
        return None if kind == UpstreamKind.RESTORE else _create(number, kind, reason)
    if last.kind == kind:
        return None  # already asked for (or done): the same request
    if _not_started(last):
        _cancel(last, f"cancelled by a {kind} before it ran")
        return None
    # A dead suspend/restore of this kind is superseded by the new request (one open per kind).
    for stale in live.filter(kind=kind, state__in=[UpstreamState.DEAD, UpstreamState.MANUAL]):
        _cancel(stale, f"superseded by a new {kind} request")
    return _create(number, kind, reason)


def _not_started(action: UpstreamAction) -> bool:
    """No job has taken it yet, so the provider cannot have seen it."""
    return (
        action.state == UpstreamState.PENDING
        and action.attempts == 0
        and action.lease_until is None
        and not action.mode
    )


def _cancel(action: UpstreamAction, why: str) -> None:
    action.state = UpstreamState.CANCELLED
    action.last_error = why
    action.next_attempt_at = None
    action.save(update_fields=["state", "last_error", "next_attempt_at", "updated_at"])


def _create(number: Number, kind: UpstreamKind, reason: str) -> UpstreamAction:
    return UpstreamAction.objects.create(
        number=number, kind=kind, reason=reason, next_attempt_at=timezone.now()
    )


def _enqueue(action_id: int) -> None:
    from .tasks import upstream_action_task

    upstream_action_task.delay(action_id)


def upstream_release_again(*, number_id: int, reason: str) -> bool:
    """A released number the provider still lists (reconciliation): ask for its release again.

    The number's release request is reopened when it was done (the provider evidently did not
    do it) and made when there never was one; an open, dead or manual one is left as it is (a
    job or an admin already has it). True when a job was queued.
    """
    with transaction.atomic():
        number = Number.objects.select_for_update().filter(pk=number_id).first()
        if number is None:
            return False
        release = (
            UpstreamAction.objects.filter(number=number, kind=UpstreamKind.RELEASE)
            .exclude(state=UpstreamState.CANCELLED)
            .first()
        )
        if release is None:
            action = _create(number, UpstreamKind.RELEASE, reason[:200])
        elif release.state == UpstreamState.DONE:
            action = release
            action.state, action.attempts, action.lease_until = UpstreamState.PENDING, 0, None
            action.next_attempt_at, action.done_at, action.done_by = timezone.now(), None, None
            action.last_error = reason[:2000]
            action.save()
        else:
            return False
        action_id = action.pk
        transaction.on_commit(lambda: _enqueue(action_id))
    return True
