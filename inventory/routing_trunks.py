"""The job behind a SIP trunk destination: create it upstream, make new credentials, delete it.

The same three steps as ``upstream_run`` (claim with a lease, call without a transaction open,
apply), retried with its backoff. ``trunk_create`` is called with our reference as the name, so
a create retried after a lost answer finds the trunk it made rather than making a second (the
adapter's promise). The password is stored encrypted until the client has seen it once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .accounts import adapter_for
from .models_routing import Destination, DestinationState, TrunkOp
from .providers import errors
from .providers.types import TrunkCredentials
from .upstream_run import LEASE, MAX_ATTEMPTS, retry_delay

logger = logging.getLogger("didhub.routing")


def trunk_job_run(*, destination_id: int) -> str:
    claimed = _claim(destination_id)
    if isinstance(claimed, str):
        return claimed
    op = claimed.trunk_op
    try:
        adapter = adapter_for(claimed.provider_account)
        if op == TrunkOp.CREATE:
            result: TrunkCredentials | None = adapter.trunk_create(claimed.trunk_name)
        elif op == TrunkOp.REGENERATE:
            result = adapter.trunk_regenerate(claimed.address)
        else:
            result = None
            with contextlib.suppress(errors.NotFound):  # already gone upstream: deleted
                adapter.trunk_delete(claimed.address)
        error = None
    except Exception as exc:  # typed provider errors and surprises alike: retried, logged
        if not isinstance(exc, errors.ProviderError):
            logger.exception("trunk %s of destination %s failed unexpectedly", op, claimed.pk)
        result, error = None, exc
    return _apply(claimed.pk, op, result, error)


def _claim(destination_id: int) -> Destination | str:
    now = timezone.now()
    with transaction.atomic():
        destination = (
            Destination.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("provider_account")
            .filter(pk=destination_id)
            .first()
        )
        if destination is None:
            return "busy"
        if not destination.trunk_op:
            return "idle"
        if destination.lease_until is not None and destination.lease_until > now:
            return "busy"
        if destination.next_attempt_at is None:
            return "waiting"  # a deletion the provider refused: an admin's now
        if destination.next_attempt_at > now:
            return "not_due"
        if destination.trunk_op == TrunkOp.DELETE and not destination.address:
            destination.trunk_op, destination.next_attempt_at = TrunkOp.NONE, None
            destination.save(update_fields=["trunk_op", "next_attempt_at"])
            return "done"
        destination.lease_until = now + LEASE
        destination.save(update_fields=["lease_until"])
    return destination


def _apply(pk: int, op: str, result: TrunkCredentials | None, error: Exception | None) -> str:
    now = timezone.now()
    delay = None
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=pk)
        destination.lease_until = None
        if destination.trunk_op != op:
            destination.save(update_fields=["lease_until"])
            return "changed"
        if error is None:
            if result is not None:
                destination.address = result.external_id
                destination.sip_server, destination.username = result.sip_server, result.username
                destination.secret = {"password": result.password}
                destination.revealed_at = None
                if destination.deleted_at is None:
                    destination.state = DestinationState.READY
            destination.trunk_op, destination.next_attempt_at = TrunkOp.NONE, None
            destination.attempts, destination.last_error = 0, ""
            outcome = "done"
        else:
            destination.last_error = f"{op}: {type(error).__name__}: {error}"[:2000]
            if isinstance(error, errors.RateLimited):
                delay = float(error.retry_after or retry_delay(1))
                outcome = "throttled"
            else:
                permanent = isinstance(error, errors.ProviderError) and error.permanent
                destination.attempts = MAX_ATTEMPTS if permanent else destination.attempts + 1
                if destination.attempts >= MAX_ATTEMPTS:
                    logger.error("trunk %s of destination %s gave up: %s", op, pk, error)
                    if op == TrunkOp.CREATE:
                        destination.state = DestinationState.FAILED
                    destination.next_attempt_at = None
                    if op != TrunkOp.DELETE:
                        destination.trunk_op = TrunkOp.NONE
                    # A deletion the provider will not do (DIDfarm documents none) stays asked
                    # for: an admin deletes the trunk in its portal and marks it done.
                    outcome = "dead"
                else:
                    delay = retry_delay(destination.attempts)
                    outcome = "retry"
            if delay is not None:
                destination.next_attempt_at = now + timedelta(seconds=delay)
        destination.save()
    if delay is not None:
        _enqueue_later(pk, delay)
    return outcome


def trunk_delete_mark_done(*, destination_id: int, user) -> bool:
    """An admin deleted the trunk upstream by hand; False unless a deletion waits for one."""
    from audit.actions import Action as AuditAction
    from audit.services import audit_record

    with transaction.atomic():
        destination = Destination.objects.select_for_update().filter(pk=destination_id).first()
        if (
            destination is None
            or destination.trunk_op != TrunkOp.DELETE
            or destination.next_attempt_at is not None
        ):
            return False
        destination.trunk_op, destination.lease_until = TrunkOp.NONE, None
        destination.save(update_fields=["trunk_op", "lease_until"])
        audit_record(
            action=AuditAction.UPSTREAM_DONE,
            target=destination,
            target_label=f"Delete trunk {destination.trunk_name}",
            changes={"trunk_op": [TrunkOp.DELETE, ""]},
            actor=user,
        )
    return True


def due_trunk_ids(*, limit: int = 200) -> list[int]:
    now = timezone.now()
    return list(
        Destination.objects.exclude(trunk_op="")
        .filter(next_attempt_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _enqueue_later(pk: int, delay: float) -> None:
    from .tasks import COUNTDOWN_LIMIT_SECONDS, routing_trunk_task

    if routing_trunk_task.app.conf.task_always_eager:
        return
    if delay <= COUNTDOWN_LIMIT_SECONDS:
        routing_trunk_task.apply_async((pk,), countdown=max(delay, 0))
