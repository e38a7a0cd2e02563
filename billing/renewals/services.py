"""What people do about renewals, and the retry a payment triggers (issue 11).

The rules live here, not in the views: only a client's admins turn auto-renew off or release a
number early; only a reseller's owner changes its renewal settings, within the platform's caps.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Membership, Reseller, validate_time_zone
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import tenant_action_require
from inventory.models import HELD, OWING, Number, NumberStatus, StateReason
from inventory.upstream import upstream_action_request

from .. import ledger
from ..bulk import rows_set
from ..models import AccountKind, LedgerAccount, TransactionKind
from .charging import RunResult, _notify, number_advance
from .models import NoticeKind
from .prices import retail_minor_for_period
from .schedule import local_date, local_midnight, period_start

RELEASE_NOW = "now"
RELEASE_AT_PERIOD_END = "period_end"


# --- payments retry what is owed ----------------------------------------------------------------


def renewals_retry_enqueue(wallet: LedgerAccount) -> None:
    """After money came into ``wallet`` (a top-up, a raised credit limit): retry, on commit,
    the renewals its owner's numbers owe."""
    from ..tasks import renewals_retry_task

    if wallet.kind == AccountKind.CLIENT_WALLET:
        kwargs = {"client_id": wallet.client_id}
    elif wallet.kind == AccountKind.RESELLER_WALLET:
        kwargs = {"reseller_id": wallet.reseller_id}
    else:
        return
    transaction.on_commit(lambda: renewals_retry_task.delay(**kwargs))


def renewals_retry_owed(
    *, client_id: int | None = None, reseller_id: int | None = None, now=None
) -> RunResult:
    """Charge what the client's numbers (or the reseller's, where its wallet was short) owe,
    oldest period first; each number in its own transaction. The anchor never moves."""
    now = now or timezone.now()
    owing = Number.objects.filter(status__in=OWING)
    if client_id is not None:
        owing = owing.filter(client_id=client_id)
    else:
        owing = owing.filter(reseller_id=reseller_id, state_reason=StateReason.RESELLER_FUNDS)
    result = RunResult()
    ids = owing.order_by("next_period_start", "pk").values_list("pk", flat=True)
    for number_id in list(ids[:10_000]):
        result.add(number_advance(number_id=number_id, now=now))
    return result


# --- a client admin's choices ---------------------------------------------------------------------


def _client_admin_of(actor: Membership, number: Number) -> None:
    if not (actor.is_client and actor.is_client_admin and actor.client_id == number.client_id):
        raise PermissionDenied
    # A paused tenant (a suspended or closed client, a suspended reseller) changes nothing.
    tenant_action_require(membership=actor, action=TenantAction.NUMBERS)


def _locked(number: Number) -> Number:
    return Number.objects.select_for_update().select_related("reseller").get(pk=number.pk)


@transaction.atomic
def number_auto_renew_set(*, actor: Membership, number: Number, on: bool) -> Number:
    """Auto-renew off: the number cancels at the end of its paid period (``cancel_scheduled``);
    on again before then undoes it."""
    _client_admin_of(actor, number)
    number = _locked(number)
    if number.status not in (NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED):
        raise ValidationError(_("Auto-renew can be changed only while the number is paid up."))
    number.auto_renew = on
    if on:
        number.status, number.state_reason = NumberStatus.ACTIVE, StateReason.NONE
        number.state_since = number.state_until = None
    else:
        number.status, number.state_reason = (
            NumberStatus.CANCEL_SCHEDULED,
            StateReason.AUTO_RENEW_OFF,
        )
        number.state_since = timezone.now()
        number.state_until = local_midnight(number.next_period_start, number.reseller.time_zone)
    number.save(
        update_fields=["auto_renew", "status", "state_reason", "state_since", "state_until"]
    )
    return number


def release_credit_minor(number: Number, today: dt.date) -> int:
    """Retail * unused days / days in the period, to the cent (half to even). Today is used."""
    if number.status not in (NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED):
        return 0  # an unpaid period has nothing to credit
    start = period_start(number.renewal_anchor, number.billing_cycle, number.renewal_period - 1)
    end = number.next_period_start
    days = (end - start).days
    unused = max(0, min(days, (end - today).days - 1))
    retail = retail_minor_for_period(number, start)
    return int((Decimal(retail) * unused / days).quantize(Decimal(1), ROUND_HALF_EVEN))


@transaction.atomic
def number_release_request(*, actor: Membership, number: Number, when: str) -> Number:
    """A client admin gives a number up: at once (upstream release now; a prorated credit if
    the reseller grants one) or at the end of its paid period (auto-renew off)."""
    _client_admin_of(actor, number)
    if when == RELEASE_AT_PERIOD_END:
        return number_auto_renew_set(actor=actor, number=number, on=False)
    if when != RELEASE_NOW:
        raise ValidationError(_("Choose when to release the number."))
    number = _locked(number)
    if number.status not in HELD:
        raise ValidationError(_("This number is already being released."))
    now = timezone.now()
    reseller = number.reseller
    credit = 0
    if reseller.release_prorated_credit:
        credit = release_credit_minor(number, local_date(now, reseller.time_zone))
    if credit:
        ledger.ledger_post(
            kind=TransactionKind.CREDIT,
            entries=[
                (ledger.reseller_revenue(reseller, number.currency), -credit),
                (ledger.client_wallet(number.client), credit),
            ],
            memo=_("Unused days of %(number)s, released early") % {"number": number.e164},
            idempotency_key=f"release-credit:{number.pk}:{number.next_period_start.isoformat()}",
            reseller_id=number.reseller_id,
            client_id=number.client_id,
            created_by=actor.user,
        )
    number.status, number.state_reason = NumberStatus.RELEASING, StateReason.CLIENT_REQUEST
    number.state_since, number.state_until = now, None
    number.released_at, number.renewal_due_at, number.auto_renew = now, None, False
    number.save(
        update_fields=[
            "status",
            "state_reason",
            "state_since",
            "state_until",
            "released_at",
            "renewal_due_at",
            "auto_renew",
        ]
    )
    upstream_action_request(number=number, kind="release", reason=StateReason.CLIENT_REQUEST)
    audit_record(
        actor=actor.user,
        action=AuditAction.NUMBER_RELEASE,
        target=number,
        target_label=number.e164,
        changes={"when": "now", "credit_minor": credit},
    )
    _notify(number, NoticeKind.RELEASED)
    return number


# --- the reseller's settings ---------------------------------------------------------------------


@transaction.atomic
def reseller_renewal_settings_set(
    *,
    actor: Membership,
    reseller: Reseller,
    time_zone: str,
    grace_days: int,
    suspension_days: int,
    prorated_credit: bool,
) -> Reseller:
    if not (actor.is_reseller_owner and actor.reseller_id == reseller.pk):
        raise PermissionDenied
    errors: dict[str, str] = {}
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        errors["time_zone"] = _("Choose a time zone from the list.")
    cap = settings.RENEWAL_MAX_UNPAID_DAYS
    if grace_days < 0 or suspension_days < 0:
        errors["grace_days"] = _("Days cannot be negative.")
    elif grace_days + suspension_days > cap:
        errors["suspension_days"] = _(
            "Grace and suspension together can last at most %(cap)d days."
        ) % {"cap": cap}
    if errors:
        raise ValidationError(errors)
    reseller = Reseller.objects.select_for_update().get(pk=reseller.pk)
    zone_changed = reseller.time_zone != time_zone
    reseller.time_zone = time_zone
    reseller.renewal_grace_days = grace_days
    reseller.renewal_suspension_days = suspension_days
    reseller.release_prorated_credit = prorated_credit
    reseller.save(
        update_fields=[
            "time_zone",
            "renewal_grace_days",
            "renewal_suspension_days",
            "release_prorated_credit",
        ]
    )
    if zone_changed:
        _due_times_recompute(reseller)
    return reseller


def _due_times_recompute(reseller: Reseller) -> None:
    """Paid numbers fall due at local midnight: a new time zone moves that moment."""
    zoneinfo.ZoneInfo(reseller.time_zone)
    paid = Number.objects.filter(
        reseller=reseller, status__in=(NumberStatus.ACTIVE, NumberStatus.CANCEL_SCHEDULED)
    ).only("pk", "next_period_start", "status", "state_until")
    batch: list[Number] = []
    for number in paid.iterator(chunk_size=1000):
        number.renewal_due_at = local_midnight(number.next_period_start, reseller.time_zone)
        if number.status == NumberStatus.CANCEL_SCHEDULED:
            number.state_until = number.renewal_due_at
        batch.append(number)
        if len(batch) == 1000:
            rows_set(Number, batch, ["renewal_due_at", "state_until"])
            batch.clear()
    rows_set(Number, batch, ["renewal_due_at", "state_until"])
