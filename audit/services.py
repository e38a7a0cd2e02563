"""Writing the audit log. Call ``audit_record`` inside the transaction of the change it
describes (services are ``@transaction.atomic``): rolled back with it, kept with it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from .actions import Action
from .context import current_actor
from .models import AuditEvent

CHANGED = "changed"  # what a secret's old and new values are recorded as


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "name"):  # a file
        return value.name or ""
    return str(value)


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, secrets: Iterable[str] = ()
) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value differs; a secret field's values are
    never written, only that it changed."""
    secret = set(secrets)
    changes = {}
    for field, new in after.items():
        old = before.get(field)
        if _plain(old) == _plain(new):
            continue
        changes[field] = [CHANGED, CHANGED] if field in secret else [_plain(old), _plain(new)]
    return changes


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def _tenant_of(target: models.Model | None) -> tuple[int | None, int | None]:
    if target is None:
        return None, None
    label = target._meta.label_lower  # audit sits below customers: it never imports it
    if label == "customers.reseller":
        return target.pk, None
    if label == "customers.client":
        return target.reseller_id, target.pk
    return getattr(target, "reseller_id", None), getattr(target, "client_id", None)


def audit_record(
    *,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    reseller: Any = None,
    client: Any = None,
    changes: Mapping[str, Any] | None = None,
    actor: Any = None,
    deleting: bool = False,
) -> AuditEvent:
    """Record that ``action`` happened to ``target``. The tenant defaults to the target's own
    (its ``reseller``/``client``); the actor and IP come from the request or command context."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record belongs inside the transaction of the change")
    reseller_id, client_id = _tenant_of(target)
    if deleting and target is not None:
        # The row is about to go: point at its tenant, not at itself (that would protect it).
        label = target._meta.label_lower
        if label == "customers.reseller":
            reseller_id = None
        elif label == "customers.client":
            client_id = None
    if client is not None:
        client_id = client.pk
        reseller_id = client.reseller_id
    if reseller is not None:
        reseller_id = reseller.pk
    who = current_actor(actor)
    return AuditEvent.objects.create(
        action=action,
        actor=who.user,
        actor_kind=who.kind,
        actor_email=who.email[:254],
        actor_role=who.role[:32],
        reseller_id=reseller_id,
        client_id=client_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        changes=_plain(dict(changes or {})),
        ip=who.ip,
    )
