"""The "route" upstream action's part of the job (``inventory.upstream_run``): the route as JSON
in the action's details, how the provider carries it out, and what is recorded when it landed.

A newer route for a number rewrites the details of its open "route" action rather than queueing
a second one (``inventory.routing``). The job remembers which route it sent; when the details
changed while it was calling, the action goes back to the queue instead of being done, so the
provider always ends on the latest route and the recorded route is the one it confirmed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models_routing import NumberRoute
from .models_upstream import UpstreamAction, UpstreamKind, UpstreamMode
from .providers.types import DestinationKind, Route, RouteTarget
from .routing_support import support_for


def target_json(target: RouteTarget | None) -> dict[str, str] | None:
    if target is None:
        return None
    return {"kind": str(target.kind), "address": target.address}


def route_json(route: Route) -> dict[str, Any]:
    return {"target": target_json(route.target), "failover": target_json(route.failover)}


def route_from_json(data: dict[str, Any]) -> Route:
    def target(part: dict[str, str] | None) -> RouteTarget | None:
        if not part:
            return None
        return RouteTarget(kind=DestinationKind(part["kind"]), address=part["address"])

    found = target(data["target"])
    if found is None:
        raise ValueError("a route without a target")
    return Route(target=found, failover=target(data.get("failover")))


def route_mode(provider_kind: str) -> str:
    """How the provider sets a route: through its API, or by an admin upstream ("manual"; also
    for a provider that declares none, so that an admin sees the request rather than nobody)."""
    return UpstreamMode.API if support_for(provider_kind).mode == "api" else UpstreamMode.MANUAL


def route_landed(action: UpstreamAction) -> None:
    """The provider confirmed the action's route (the job, or an admin by hand): record it as
    the number's applied route, keeping the one before it. Inside the caller's transaction."""
    if action.kind != UpstreamKind.ROUTE or "route" not in action.details:
        return
    current = NumberRoute.objects.select_for_update().filter(number_id=action.number_id).first()
    if current is None:
        return
    landed = {
        "route": action.details["route"],
        "destination_id": action.details.get("destination_id"),
        "failover_id": action.details.get("failover_id"),
        "action_id": action.pk,
        # The provider's ids for it (route_set's answer): a restarted simulator is given them.
        "made": action.details.get("made") or {},
        "at": timezone.now().isoformat(),
    }
    if current.applied.get("route") != landed["route"]:
        current.previous = current.applied
    current.applied = landed
    current.save(update_fields=["applied", "previous"])
