"""Reading the audit log. A reseller's owner reads its own tenant's events only: those whose
reseller is theirs (their clients' included). What the platform keeps to itself stays out:
provider accounts carry no reseller, and a platform admin's changes to a reseller's price plan
(its wholesale markups) are not shown, nor a platform admin's address or IP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .actions import Action
from .models import AuditEvent

PLATFORM_ROLE = "platform_admin"
# Actions an owner's log can hold (the filter offers these).
OWNER_ACTIONS = [
    a for a in Action if not a.value.startswith("provider_account.") and a != Action.FX_RATE_SET
]


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor_id: int | None = None
    client_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def reseller_audit_events(*, actor, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The owner's tenant's events, newest first; anyone but a reseller owner is refused."""
    if actor is None or not actor.is_reseller_owner:
        raise PermissionDenied
    events = AuditEvent.objects.filter(reseller_id=actor.reseller_id).exclude(
        Q(actor_role=PLATFORM_ROLE) & Q(target_type="billing.markuprule")
    )
    f = filters or AuditFilters()
    if f.action:
        events = events.filter(action=f.action)
    if f.actor_id:
        events = events.filter(actor_id=f.actor_id).exclude(actor_role=PLATFORM_ROLE)
    if f.client_id:
        events = events.filter(client_id=f.client_id)
    if f.date_from:
        events = events.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        events = events.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    return events.select_related("client").order_by("-created_at", "-id")


def reseller_audit_people(*, actor) -> list[tuple[int, str]]:
    """Who appears in the owner's log (the person filter's choices): the tenant's own people,
    including those removed since (their events keep their address)."""
    if actor is None or not actor.is_reseller_owner:
        raise PermissionDenied
    rows = (
        AuditEvent.objects.filter(reseller_id=actor.reseller_id, actor__isnull=False)
        .exclude(actor_role=PLATFORM_ROLE)
        .values_list("actor_id", "actor__email")
        .distinct()
    )
    return sorted(set(rows), key=lambda row: row[1])


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    who: str
    ip: str
    changes: list[tuple[str, str]]


def _describe(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        old, new = value
        return f"{'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
    return "—" if value in (None, "") else str(value)


def event_row(event: AuditEvent, *, platform_label: str) -> EventRow:
    """An event as an owner sees it: a platform admin is "the platform", without address or IP."""
    platform = event.actor_role == PLATFORM_ROLE
    changes = [(str(key), _describe(value)) for key, value in (event.changes or {}).items()]
    return EventRow(
        event=event,
        who=platform_label if platform else event.who,
        ip="" if platform or event.ip is None else event.ip,
        changes=changes,
    )
