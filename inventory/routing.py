"""Routing a client's numbers (issue #12): route requests (``inventory.destinations``: where).

Who: a client's admins change destinations and routes; its users see them (read only); a
reseller's people do not route their clients' numbers here. A paused tenant changes nothing.

A route request is validated for every number first and changes nothing unless all pass (bulk
routing is all-or-nothing, with a reason per number). Then, per number, the ``NumberRoute`` row
records the choice and one open "route" ``UpstreamAction`` carries it to the provider:

- a number with an open route action gets that action's route rewritten (the provider only ever
  needs the latest; a job already calling sends the new one next, see ``routing_apply``);
- a dead one is cancelled and a new one made; asking again for the route the provider already
  confirmed, with nothing open, does nothing.

Suspension: a suspended number's route cannot change ("pay the renewal first"): the suspension's
snapshot holds the route it took down, and the restore puts exactly that back. A route asked for
while the number is still in service and a suspension is queued behind it lands first (the job
keeps a number's actions in order), so the snapshot is taken of the new route.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from customers.models import Membership

from .destinations import audit_routing, client_admin_require
from .models_numbers import Number
from .models_routing import Destination, NumberRoute
from .models_upstream import UNFINISHED_STATES, UpstreamAction, UpstreamKind, UpstreamState
from .providers.types import DestinationKind, Route, RouteTarget
from .routing_apply import route_json
from .routing_support import number_support, ready_trunks


def _target(destination: Destination) -> RouteTarget:
    return RouteTarget(kind=DestinationKind(destination.kind), address=destination.address)


def route_problems(
    numbers: Sequence[Number], destination: Destination, failover: Destination | None
) -> dict[str, str]:
    """Why each number cannot take this route (number -> reason); empty when all can."""
    trunks = ready_trunks(destination.client_id)
    problems: dict[str, str] = {}
    for number in numbers:
        support = number_support(number, trunks)
        reason = support.blocked
        if not reason and not destination.ready:
            reason = _("This destination is not ready yet.")
        if not reason:
            reason = support.allows(destination.kind).reason
        if (
            not reason
            and destination.kind == DestinationKind.TRUNK
            and destination.provider_account_id != number.provider_account_id
        ):
            reason = _("This SIP trunk cannot reach this number.")
        if not reason and failover is not None:
            if not support.failover:
                reason = _("This number takes one destination, without a failover.")
            elif not failover.ready:
                reason = _("The failover destination is not ready yet.")
            else:
                reason = support.allows(failover.kind).reason
                if (
                    not reason
                    and failover.kind == DestinationKind.TRUNK
                    and failover.provider_account_id != number.provider_account_id
                ):
                    reason = _("The failover SIP trunk cannot reach this number.")
        if reason:
            problems[number.e164] = reason
    return problems


def number_route_request(
    *,
    actor: Membership,
    numbers: Sequence[Number],
    destination: Destination,
    failover: Destination | None = None,
) -> list[NumberRoute]:
    """Route every number in ``numbers`` to ``destination`` (and ``failover``): all or nothing.

    Raises ValidationError with one message per number that cannot take the route (and
    changes nothing); the jobs are enqueued after commit.
    """
    client_admin_require(actor)
    if not numbers:
        raise ValidationError(_("Choose at least one number."))
    if failover is not None and failover.pk == destination.pk:
        raise ValidationError(_("The failover must be another destination."))
    for chosen in (destination, failover):
        if chosen is not None and (
            chosen.client_id != actor.client_id or chosen.deleted_at is not None
        ):
            raise PermissionDenied  # the views offer only the client's own
    if any(number.client_id != actor.client_id for number in numbers):
        raise PermissionDenied
    route = Route(target=_target(destination), failover=_target(failover) if failover else None)
    details = {
        "route": route_json(route),
        "destination_id": destination.pk,
        "failover_id": failover.pk if failover else None,
    }
    routes = []
    to_enqueue: list[int] = []
    with transaction.atomic():
        locked = list(
            Number.objects.select_for_update()
            .select_related("provider_account", "client__reseller")
            .filter(pk__in=[n.pk for n in numbers])
            .order_by("pk")
        )
        problems = route_problems(locked, destination, failover)
        if problems:
            raise ValidationError(
                [f"{number}: {reason}" for number, reason in sorted(problems.items())]
            )
        now = timezone.now()
        for number in locked:
            current = NumberRoute.objects.filter(number=number).first()
            before = [current.destination_id, current.failover_id] if current else [None, None]
            action, enqueue = _route_action(number, details, current)
            if current is None:
                current = NumberRoute(number=number)
            current.destination, current.failover = destination, failover
            current.requested_at, current.requested_by = now, actor.user
            if action is not None:
                current.action = action
            current.save()
            routes.append(current)
            if enqueue:
                to_enqueue.append(action.pk)
            audit_routing(
                AuditAction.NUMBER_ROUTE,
                number,
                number.e164,
                number.client,
                {"route": [before, [destination.pk, failover.pk if failover else None]]},
            )
        for action_id in to_enqueue:
            transaction.on_commit(lambda action_id=action_id: _enqueue_action(action_id))
    return routes


def _route_action(
    number: Number, details: dict, current: NumberRoute | None
) -> tuple[UpstreamAction | None, bool]:
    """The open route action carrying ``details`` for ``number``, and whether to queue it."""
    now = timezone.now()
    open_action = (
        UpstreamAction.objects.select_for_update()
        .filter(number=number, kind=UpstreamKind.ROUTE, state__in=UNFINISHED_STATES)
        .first()
    )
    if open_action is not None and open_action.state == UpstreamState.DEAD:
        open_action.state, open_action.next_attempt_at = UpstreamState.CANCELLED, None
        open_action.last_error = f"superseded by a new route request. {open_action.last_error}"
        open_action.save(update_fields=["state", "next_attempt_at", "last_error", "updated_at"])
        open_action = None
    if open_action is not None:
        open_action.details = {**open_action.details, **details}
        fields = ["details", "updated_at"]
        enqueue = False
        if open_action.state != UpstreamState.MANUAL and open_action.lease_until is None:
            # Not being called right now: send the new route at once, with fresh attempts.
            open_action.attempts, open_action.next_attempt_at = 0, now
            fields += ["attempts", "next_attempt_at"]
            enqueue = True
        open_action.save(update_fields=fields)
        return open_action, enqueue
    if current is not None and current.applied.get("route") == details["route"]:
        return None, False  # the provider already rings exactly this
    action = UpstreamAction.objects.create(
        number=number,
        kind=UpstreamKind.ROUTE,
        details=details,
        reason="client_request",
        next_attempt_at=now,
    )
    return action, True


def _enqueue_action(action_id: int) -> None:
    from .tasks import upstream_action_task

    upstream_action_task.delay(action_id)
