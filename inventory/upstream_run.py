"""The job behind an ``UpstreamAction``: claim it, call the provider, record what happened.

A "route" action (issue #12) runs the same way: its mode comes from the adapter's ``routing``
("manual" for a provider without a routing API), its call is ``route_set``, and what landed is
recorded on the number's route (``routing_apply``); a route rewritten while it was being sent
goes back to the queue instead of being done.

Three short steps, as provisioning does it (billing/provisioning.py), so no transaction stays
open while a provider is called:

1. claim: lock the row (``SKIP LOCKED``); go on only if it is open, due and not leased; a
   suspend/restore waits while an earlier one of the other kind for the number is still open,
   so the provider sees them in the order they were asked; decide how the provider does it
   (the adapter's ``upstream_actions``): "local" completes at once, "manual" waits for an admin,
   "api" takes a lease and goes on;
2. call: a suspension first stores what it will change (``details["before"]``, taken once, so
   a retry after a lost answer never records the suspended state), then suspends; a restore
   puts back what the last suspension recorded; a release that finds the number already gone
   upstream is done (a retried release is never an error);
3. apply: done, or retry later with exponential backoff, or dead after ``MAX_ATTEMPTS`` (or at
   once when only a person can fix it: credentials, a refused request). A dead action waits
   for an admin's retry (operations page, admin "Upstream actions").
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import Action as AuditAction
from audit.services import audit_record

from .accounts import adapter_for
from .models_upstream import (
    OPEN_STATES,
    UpstreamAction,
    UpstreamKind,
    UpstreamMode,
    UpstreamState,
)
from .numbers import number_release_complete
from .providers import errors
from .providers.registry import adapter_class
from .routing_apply import route_from_json, route_landed, route_mode

logger = logging.getLogger("didhub.upstream")

MAX_ATTEMPTS = 8  # transient failures in a row before the action is dead
LEASE = timedelta(seconds=120)  # longer than any provider call may take
ORDER_WAIT = timedelta(seconds=5)  # a restore looks again this soon for its suspend to finish
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


@dataclass(frozen=True)
class Outcome:
    details: dict[str, Any] | None = None  # merged into the action's details on success
    error: Exception | None = None
    sent: dict[str, Any] | None = None  # the route a "route" action sent (routing_apply)


def retry_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min, … up to an hour, jittered: eight failures span about two hours."""
    base = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not security)


def upstream_action_run(*, action_id: int) -> str:
    """The whole job; returns what happened ("done", "retry", "dead", "manual", "waiting", …)."""
    claimed = _claim(action_id)
    if isinstance(claimed, str):
        return claimed
    outcome = _call(claimed)
    return _apply(claimed, outcome)


# --- 1. claim ----------------------------------------------------------------------------------


def _claim(action_id: int) -> UpstreamAction | str:
    now = timezone.now()
    with transaction.atomic():
        action = (
            UpstreamAction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("number__provider_account")
            .filter(pk=action_id)
            .first()
        )
        if action is None:
            return "busy"  # gone, or another worker holds the row
        if action.state not in OPEN_STATES:
            return action.state
        if action.lease_until is not None and action.lease_until > now:
            return "busy"
        if action.next_attempt_at is not None and action.next_attempt_at > now:
            return "not_due"
        if action.kind != UpstreamKind.RELEASE:
            waiting = _must_wait(action, now)
            if waiting:
                return waiting
        account = action.number.provider_account
        if action.kind == UpstreamKind.ROUTE:
            action.mode = route_mode(account.kind)
        else:
            modes = getattr(adapter_class(account.kind), "upstream_actions", {})
            action.mode = modes.get(action.kind, UpstreamMode.MANUAL)
        fields = ["mode", "state", "lease_until", "next_attempt_at", "done_at", "updated_at"]
        if action.mode == UpstreamMode.LOCAL:
            action.state, action.done_at, action.next_attempt_at = UpstreamState.DONE, now, None
            action.save(update_fields=fields)
            return "done"
        if action.mode == UpstreamMode.MANUAL:
            action.state, action.next_attempt_at = UpstreamState.MANUAL, None
            action.save(update_fields=fields)
            logger.warning("upstream %s of %s needs an admin", action.kind, action.number.e164)
            return "manual"
        action.lease_until = now + LEASE
        action.save(update_fields=fields)
    return action


def _must_wait(action: UpstreamAction, now) -> str:
    siblings = UpstreamAction.objects.filter(number_id=action.number_id).exclude(pk=action.pk)
    if siblings.filter(kind=UpstreamKind.RELEASE).exclude(state=UpstreamState.CANCELLED).exists():
        action.state, action.next_attempt_at = UpstreamState.CANCELLED, None
        action.last_error = "the number is being released"
        action.save(update_fields=["state", "next_attempt_at", "last_error", "updated_at"])
        return "cancelled"
    earlier = siblings.filter(pk__lt=action.pk, state__in=OPEN_STATES).exists()
    if earlier:
        action.next_attempt_at = now + ORDER_WAIT
        action.save(update_fields=["next_attempt_at", "updated_at"])
        action_id = action.pk
        transaction.on_commit(lambda: _enqueue_later(action_id, ORDER_WAIT.total_seconds()))
        return "waiting"
    return ""


# --- 2. call the provider ----------------------------------------------------------------------


def _call(action: UpstreamAction) -> Outcome:
    number = action.number.e164
    adapter = adapter_for(action.number.provider_account)
    try:
        if action.kind == UpstreamKind.SUSPEND:
            return _suspend(adapter, action, number)
        if action.kind == UpstreamKind.RESTORE:
            adapter.restore(number, _snapshot_before(action))
            return Outcome(details={})
        if action.kind == UpstreamKind.ROUTE:
            sent = action.details["route"]
            made = adapter.route_set(number, route_from_json(sent))
            return Outcome(details={"made": made or {}}, sent=sent)
        try:
            adapter.release(number)
        except errors.NotFound as exc:
            # Nothing active upstream under this number any more: a lost answer of our own
            # earlier attempt, or released there by hand. Either way it is released.
            return Outcome(details={"already_released": str(exc)[:300]})
        return Outcome(details={})
    except errors.ProviderError as exc:
        return Outcome(error=exc)
    except Exception as exc:  # a bug or a surprise: retried like a transient failure, logged
        logger.exception("upstream %s of %s failed unexpectedly", action.kind, number)
        return Outcome(error=exc)


def _suspend(adapter, action: UpstreamAction, number: str) -> Outcome:
    if "before" not in action.details:
        before = adapter.suspension_snapshot(number)
        action.details = {**action.details, "before": before}
        # Stored before anything changes upstream, so every later attempt keeps this one.
        UpstreamAction.objects.filter(pk=action.pk).update(details=action.details)
    adapter.suspend(number)
    return Outcome(details={})


def _snapshot_before(action: UpstreamAction) -> dict[str, Any]:
    """What the latest suspension of the number recorded before it changed anything."""
    suspension = (
        UpstreamAction.objects.filter(
            number_id=action.number_id,
            kind=UpstreamKind.SUSPEND,
            pk__lt=action.pk,
            details__has_key="before",
        )
        .exclude(state=UpstreamState.CANCELLED)
        .order_by("-pk")
        .first()
    )
    return dict(suspension.details["before"]) if suspension else {}


# --- 3. apply ----------------------------------------------------------------------------------


def _apply(claimed: UpstreamAction, outcome: Outcome) -> str:
    now = timezone.now()
    delay: float | None = None
    with transaction.atomic():
        action = UpstreamAction.objects.select_for_update().get(pk=claimed.pk)
        if action.state not in OPEN_STATES:
            return action.state  # an admin settled it while we were calling
        action.lease_until = None
        sent = outcome.sent
        if outcome.error is None and sent is not None and sent != action.details.get("route"):
            # A newer route was asked for while this one was on its way: send that one too.
            action.state, action.attempts, action.next_attempt_at = UpstreamState.PENDING, 0, now
            action.save()
            action_id = action.pk
            transaction.on_commit(lambda: _enqueue_now(action_id))
            return "again"
        if outcome.error is None:
            action.state, action.done_at, action.next_attempt_at = UpstreamState.DONE, now, None
            action.last_error = ""
            action.details = {**action.details, **(outcome.details or {})}
            result = "done"
            _release_landed(action)
            route_landed(action)
        else:
            result, delay = _failed(action, outcome.error, now)
        action.save()
    if delay is not None:
        _enqueue_later(action.pk, delay)
    return result


def _failed(action: UpstreamAction, error: Exception, now) -> tuple[str, float | None]:
    action.last_error = f"{action.kind}: {type(error).__name__}: {error}"[:2000]
    if isinstance(error, errors.RateLimited):
        # Throttled is not failed: wait as asked, do not count it against the action.
        delay = float(error.retry_after or retry_delay(1))
        action.state = UpstreamState.RETRYING
        action.next_attempt_at = now + timedelta(seconds=delay)
        return "throttled", delay
    permanent = isinstance(error, errors.ProviderError) and error.permanent
    action.attempts = MAX_ATTEMPTS if permanent else action.attempts + 1
    if action.attempts >= MAX_ATTEMPTS:
        action.state, action.next_attempt_at = UpstreamState.DEAD, None
        logger.error("upstream action %s is dead: %s", action.pk, action.last_error)
        return "dead", None
    delay = retry_delay(action.attempts)
    action.state = UpstreamState.RETRYING
    action.next_attempt_at = now + timedelta(seconds=delay)
    return "retry", delay


# --- admin -------------------------------------------------------------------------------------


def upstream_action_retry(*, action_id: int, user=None) -> bool:
    """Send a dead action back to its job with fresh attempts; False if it is not dead."""
    with transaction.atomic():
        action = UpstreamAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or action.state != UpstreamState.DEAD:
            return False
        action.state = UpstreamState.PENDING
        action.attempts = 0
        action.lease_until = None
        action.next_attempt_at = timezone.now()
        action.save(
            update_fields=["state", "attempts", "lease_until", "next_attempt_at", "updated_at"]
        )
        _audit(action, AuditAction.UPSTREAM_RETRY, UpstreamState.DEAD, actor=user)
        transaction.on_commit(lambda: _enqueue_now(action_id))
    return True


def upstream_action_mark_done(*, action_id: int, user) -> bool:
    """An admin did it upstream by hand (a manual action, or a dead one fixed in the provider's
    portal); False if it is not waiting for an admin."""
    with transaction.atomic():
        action = UpstreamAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or action.state not in (UpstreamState.MANUAL, UpstreamState.DEAD):
            return False
        before = action.state
        action.state = UpstreamState.DONE
        action.done_at = timezone.now()
        action.done_by = user
        action.next_attempt_at = None
        action.save(update_fields=["state", "done_at", "done_by", "next_attempt_at", "updated_at"])
        _release_landed(action)
        route_landed(action)
        _audit(action, AuditAction.UPSTREAM_DONE, before, actor=user)
    return True


def _release_landed(action: UpstreamAction) -> None:
    """A release that landed upstream (by the job or an admin's hand) completes the number's
    release here, in the same transaction: releasing → released."""
    if action.kind == UpstreamKind.RELEASE:
        number_release_complete(number_id=action.number_id)


def _audit(action: UpstreamAction, code: str, before: str, actor=None) -> None:
    number = action.number
    audit_record(
        action=code,
        target=action,
        target_label=f"{action.get_kind_display()} {number.e164}",
        reseller=number.reseller,
        client=number.client,
        changes={"state": [before, action.state]},
        actor=actor,
    )


def due_upstream_action_ids(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        UpstreamAction.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _enqueue_now(action_id: int) -> None:
    from .tasks import upstream_action_task

    upstream_action_task.delay(action_id)


def _enqueue_later(action_id: int, delay: float) -> None:
    """Short waits ride on the task; longer ones are the sweeper's (long countdowns collide with
    the broker's visibility timeout). Eager (tests) never re-runs itself: tests drive time."""
    from .tasks import COUNTDOWN_LIMIT_SECONDS, upstream_action_task

    if upstream_action_task.app.conf.task_always_eager:
        return
    if delay <= COUNTDOWN_LIMIT_SECONDS:
        upstream_action_task.apply_async((action_id,), countdown=max(delay, 0))
