"""Routing a client's numbers (issue #12): destinations and route requests.

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

import re
import secrets
from collections.abc import Sequence

import phonenumbers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Membership
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import tenant_action_require

from .models import ProviderAccount
from .models_numbers import HELD, Number
from .models_routing import (
    Destination,
    DestinationKindChoice,
    DestinationState,
    NumberRoute,
    TrunkOp,
)
from .models_upstream import UNFINISHED_STATES, UpstreamAction, UpstreamKind, UpstreamState
from .providers.types import DestinationKind, Route, RouteTarget
from .routing_apply import route_json
from .routing_support import makes_trunks, number_support, ready_trunks

SIP_URI = re.compile(
    r"^sip:(?P<user>[A-Za-z0-9._~+!*'()%-]{1,64})"
    r"@(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(?::(?P<port>\d{1,5}))?$"
)


# --- validation ---------------------------------------------------------------------------------


def sip_uri_clean(value: str) -> str:
    """``sip:user@host[:port]``, lower-cased scheme and host; a ValidationError otherwise."""
    value = value.strip()
    if value[:4].lower() == "sip:":
        value = "sip:" + value[4:]
    match = SIP_URI.match(value)
    if match is None:
        raise ValidationError(
            _("Enter a SIP address like sip:office@pbx.example.com or sip:100@203.0.113.5:5060."),
            code="sip_uri",
        )
    port = match.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        raise ValidationError(_("A SIP port is between 1 and 65535."), code="sip_port")
    host = match.group("host").lower()
    return f"sip:{match.group('user')}@{host}" + (f":{port}" if port else "")


def pstn_clean(value: str, region: str = "") -> str:
    """A valid phone number in E.164 (international form, or national for ``region``)."""
    try:
        parsed = phonenumbers.parse(value.strip(), (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("Enter a valid phone number, with its country code (e.g. +44 20 7946 0958)."),
            code="pstn",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _client_admin(actor: Membership) -> None:
    if not (actor and actor.is_client and actor.is_client_admin):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.NUMBERS)


def _audit(code: str, target, label: str, client, changes: dict, actor=None) -> None:
    audit_record(
        action=code,
        target=target,
        target_label=label,
        reseller=client.reseller,
        client=client,
        changes=changes,
        actor=actor,
    )


# --- destinations -------------------------------------------------------------------------------


def trunk_accounts(client_id: int) -> list[tuple[ProviderAccount, list[str]]]:
    """The provider accounts a SIP trunk can be made on for this client: those holding its
    numbers whose provider rings trunks we make, each with the client's numbers there."""
    found: dict[int, tuple[ProviderAccount, list[str]]] = {}
    numbers = (
        Number.objects.filter(client_id=client_id, status__in=HELD)
        .select_related("provider_account")
        .only("e164", "provider_account__kind", "provider_account__name")
        .order_by("e164")
    )
    for number in numbers:
        account = number.provider_account
        if makes_trunks(account.kind):
            found.setdefault(account.pk, (account, []))[1].append(number.e164)
    return list(found.values())


def destination_create(
    *, actor: Membership, kind: str, label: str, address: str = "", account_id: int | None = None
) -> Destination:
    """Add a destination; a trunk is made upstream by its job (state "creating" until then)."""
    _client_admin(actor)
    client = actor.client
    label = label.strip()[:80]
    if not label:
        raise ValidationError({"label": _("Give this destination a name.")})
    values: dict = {"client": client, "reseller_id": client.reseller_id}
    values.update(kind=kind, label=label)
    if kind == DestinationKind.SIP_URI:
        try:
            values["address"] = sip_uri_clean(address)
        except ValidationError as error:
            raise ValidationError({"address": error.messages}) from None
    elif kind == DestinationKind.PSTN:
        try:
            values["address"] = pstn_clean(address, client.billing_country)
        except ValidationError as error:
            raise ValidationError({"address": error.messages}) from None
    elif kind == DestinationKind.TRUNK:
        accounts = {account.pk: account for account, _numbers in trunk_accounts(client.pk)}
        if not accounts:
            raise ValidationError(
                {"kind": _("None of your numbers can ring a SIP trunk we set up.")}
            )
        if account_id is None and len(accounts) == 1:
            account_id = next(iter(accounts))
        if account_id not in accounts:
            raise ValidationError({"account": _("Choose which of your numbers the trunk is for.")})
        values.update(
            provider_account=accounts[account_id],
            state=DestinationState.CREATING,
            trunk_name=f"dh-{secrets.token_hex(6)}",
            trunk_op=TrunkOp.CREATE,
            next_attempt_at=timezone.now(),
        )
    else:
        raise ValidationError({"kind": _("Choose what kind of destination this is.")})
    with transaction.atomic():
        if kind != DestinationKind.TRUNK and (
            Destination.objects.filter(
                client=client, kind=kind, address=values["address"], deleted_at__isnull=True
            ).exists()
        ):
            raise ValidationError({"address": _("You already have this destination.")})
        destination = Destination.objects.create(**values)
        _audit(
            AuditAction.DESTINATION_CREATE,
            destination,
            label,
            client,
            {"kind": [None, kind], "address": [None, destination.address]},
        )
        if destination.trunk_op:
            _enqueue_trunk(destination.pk)
    return destination


def _in_use(destination: Destination) -> list[str]:
    return list(
        NumberRoute.objects.filter(Q(destination=destination) | Q(failover=destination))
        .filter(number__status__in=HELD)
        .order_by("number__e164")
        .values_list("number__e164", flat=True)
    )


def destination_delete(*, actor: Membership, destination: Destination) -> None:
    """Remove a destination no held number rings; a trunk is deleted upstream by its job."""
    _client_admin(actor)
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=destination.pk)
        if destination.client_id != actor.client_id or destination.deleted_at is not None:
            raise PermissionDenied
        used = _in_use(destination)
        if used:
            raise ValidationError(
                _("%(numbers)s still ring this destination: route them elsewhere first.")
                % {"numbers": ", ".join(used[:5]) + ("…" if len(used) > 5 else "")}
            )
        if destination.trunk_op in (TrunkOp.CREATE, TrunkOp.REGENERATE):
            raise ValidationError(_("This trunk is being set up: delete it once it is ready."))
        destination.deleted_at = timezone.now()
        destination.secret = None
        fields = ["deleted_at", "secret"]
        if destination.kind == DestinationKind.TRUNK and destination.address:
            destination.trunk_op, destination.attempts = TrunkOp.DELETE, 0
            destination.next_attempt_at = timezone.now()
            fields += ["trunk_op", "attempts", "next_attempt_at"]
        destination.save(update_fields=fields)
        _audit(
            AuditAction.DESTINATION_DELETE,
            destination,
            destination.label,
            destination.client,
            {"kind": [destination.kind, None], "address": [destination.address, None]},
        )
        if destination.trunk_op == TrunkOp.DELETE:
            _enqueue_trunk(destination.pk)


def trunk_reveal(*, actor: Membership, destination: Destination) -> str:
    """The trunk's password, once: it is erased as it is shown. "" when already shown."""
    _client_admin(actor)
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=destination.pk)
        if destination.client_id != actor.client_id or destination.kind != DestinationKind.TRUNK:
            raise PermissionDenied
        password = (destination.secret or {}).get("password", "")
        if not password:
            return ""
        destination.secret, destination.revealed_at = None, timezone.now()
        destination.save(update_fields=["secret", "revealed_at"])
        _audit(AuditAction.TRUNK_REVEAL, destination, destination.label, destination.client, {})
    return password


def trunk_regenerate_request(*, actor: Membership, destination: Destination) -> None:
    """New credentials for a ready trunk (the old password stops working once they are made)."""
    _client_admin(actor)
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=destination.pk)
        if destination.client_id != actor.client_id or destination.kind != DestinationKind.TRUNK:
            raise PermissionDenied
        if not destination.ready or destination.trunk_op:
            raise ValidationError(_("This trunk is busy: try again once it is ready."))
        destination.trunk_op, destination.attempts = TrunkOp.REGENERATE, 0
        destination.next_attempt_at, destination.secret = timezone.now(), None
        destination.save(update_fields=["trunk_op", "attempts", "next_attempt_at", "secret"])
        _audit(AuditAction.TRUNK_REGENERATE, destination, destination.label, destination.client, {})
        _enqueue_trunk(destination.pk)


def _enqueue_trunk(destination_id: int) -> None:
    def send() -> None:
        from .tasks import routing_trunk_task

        routing_trunk_task.delay(destination_id)

    transaction.on_commit(send)


# --- routes -------------------------------------------------------------------------------------


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
    _client_admin(actor)
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
            _audit(
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


def destination_kind_label(kind: str) -> str:
    return str(dict(DestinationKindChoice.choices).get(kind, kind))
