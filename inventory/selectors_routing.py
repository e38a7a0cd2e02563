"""Reading a client's destinations and its numbers' routes, scoped to the viewer's client.

Only a client's own people read these (a reseller's people are refused before any lookup);
another client's destination or number is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from customers.models import Membership

from .models_numbers import Number, NumberStatus
from .models_routing import Destination, NumberRoute
from .models_upstream import UpstreamState


def _client_id(actor: Membership) -> int:
    if not (actor and actor.is_client):
        raise Http404
    return actor.client_id


def destinations_for(*, actor: Membership) -> list[Destination]:
    return list(
        Destination.objects.filter(client_id=_client_id(actor), deleted_at__isnull=True)
        .defer("secret")
        .order_by("label", "pk")
    )


def destination_get(*, actor: Membership, pk: int) -> Destination:
    found = Destination.objects.filter(
        client_id=_client_id(actor), deleted_at__isnull=True, pk=pk
    ).first()
    if found is None:
        raise Http404
    return found


def routing_number_get(*, actor: Membership, pk: int) -> Number:
    found = (
        Number.objects.exclude(status=NumberStatus.RELEASED)
        .select_related("provider_account", "client__reseller")
        .filter(client_id=_client_id(actor), pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def routing_numbers(*, actor: Membership, ids: Iterable[int]) -> list[Number]:
    """The viewer's held numbers among ``ids`` (others' ids are simply not found)."""
    return list(
        Number.objects.exclude(status=NumberStatus.RELEASED)
        .select_related("provider_account", "client__reseller")
        .filter(client_id=_client_id(actor), pk__in=list(ids))
        .order_by("e164")
    )


def client_numbers(*, actor: Membership) -> list[Number]:
    return list(
        Number.objects.exclude(status=NumberStatus.RELEASED)
        .select_related("provider_account")
        .only("e164", "status", "provider_account__kind", "provider_account__name")
        .filter(client_id=_client_id(actor))
    )


@dataclass(frozen=True)
class RouteStatus:
    number_id: int
    state: str  # "none" | "applying" | "requested" | "done" | "failed" | "cancelled"
    label: str
    destination: str = ""
    failover: str = ""

    @property
    def polling(self) -> bool:
        return self.state == "applying"


_STATE = {
    UpstreamState.PENDING: "applying",
    UpstreamState.RETRYING: "applying",
    UpstreamState.MANUAL: "requested",
    UpstreamState.DONE: "done",
    UpstreamState.DEAD: "failed",
    UpstreamState.CANCELLED: "cancelled",
}


def _labels() -> dict[str, str]:
    return {
        "none": _("Not routed here"),
        "applying": _("Applying…"),
        "requested": _("Requested: our team sets it up"),
        "done": _("Active"),
        "failed": _("Could not be applied"),
        "cancelled": _("Not applied"),
    }


def route_status(route: NumberRoute | None, number_id: int) -> RouteStatus:
    labels = _labels()
    if route is None:
        return RouteStatus(number_id, "none", labels["none"])
    state = _STATE.get(route.action.state, "done") if route.action_id else "done"
    return RouteStatus(
        number_id,
        state,
        labels[state],
        destination=route.destination.label,
        failover=route.failover.label if route.failover_id else "",
    )


def route_statuses(*, number_ids: Iterable[int]) -> dict[int, RouteStatus]:
    """Each number's route status (one query); numbers never routed here are left out."""
    routes = NumberRoute.objects.filter(number_id__in=list(number_ids)).select_related(
        "destination", "failover", "action"
    )
    return {route.number_id: route_status(route, route.number_id) for route in routes}


def number_route(number: Number) -> NumberRoute | None:
    return (
        NumberRoute.objects.filter(number=number)
        .select_related("destination", "failover", "action")
        .first()
    )
