"""A client's call destinations (issue #12): SIP addresses, phone numbers and SIP trunks.

SIP addresses and phone numbers are checked and stored in one form (``sip:user@host[:port]``,
E.164); a trunk is made upstream by its job (``routing_trunks``) on the provider account of the
client's numbers that can ring it. Client admins change destinations; a paused tenant changes
nothing. Deleting one that a held number rings (or fails over to) is refused with the numbers.
"""

from __future__ import annotations

import re
import secrets

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
from .models_routing import Destination, DestinationState, NumberRoute, TrunkOp
from .providers.types import DestinationKind
from .routing_support import makes_trunks

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


def client_admin_require(actor: Membership) -> None:
    if not (actor and actor.is_client and actor.is_client_admin):
        raise PermissionDenied
    tenant_action_require(membership=actor, action=TenantAction.NUMBERS)


def audit_routing(code: str, target, label: str, client, changes: dict, actor=None) -> None:
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
    client_admin_require(actor)
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
        audit_routing(
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
    client_admin_require(actor)
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
        audit_routing(
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
    client_admin_require(actor)
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=destination.pk)
        if destination.client_id != actor.client_id or destination.kind != DestinationKind.TRUNK:
            raise PermissionDenied
        password = (destination.secret or {}).get("password", "")
        if not password:
            return ""
        destination.secret, destination.revealed_at = None, timezone.now()
        destination.save(update_fields=["secret", "revealed_at"])
        audit_routing(
            AuditAction.TRUNK_REVEAL, destination, destination.label, destination.client, {}
        )
    return password


def trunk_regenerate_request(*, actor: Membership, destination: Destination) -> None:
    """New credentials for a ready trunk (the old password stops working once they are made)."""
    client_admin_require(actor)
    with transaction.atomic():
        destination = Destination.objects.select_for_update().get(pk=destination.pk)
        if destination.client_id != actor.client_id or destination.kind != DestinationKind.TRUNK:
            raise PermissionDenied
        if not destination.ready or destination.trunk_op:
            raise ValidationError(_("This trunk is busy: try again once it is ready."))
        destination.trunk_op, destination.attempts = TrunkOp.REGENERATE, 0
        destination.next_attempt_at, destination.secret = timezone.now(), None
        destination.save(update_fields=["trunk_op", "attempts", "next_attempt_at", "secret"])
        audit_routing(
            AuditAction.TRUNK_REGENERATE, destination, destination.label, destination.client, {}
        )
        _enqueue_trunk(destination.pk)


def _enqueue_trunk(destination_id: int) -> None:
    def send() -> None:
        from .tasks import routing_trunk_task

        routing_trunk_task.delay(destination_id)

    transaction.on_commit(send)
