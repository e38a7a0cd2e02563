"""Staff payment limits and the payments that wait for an owner's approval (issue 10).

A reseller's owner records payments without limit. Its staff record a payment directly only
within the owner's limits: per payment, and per day per staff member (the reseller's day, in
its time zone, summing the payments that staff member posted without approval). Anything above
is kept as a ``PendingPayment`` (nothing posts) and the owners are emailed; an owner approves it
(it posts now, showing who recorded it and who approved it) or rejects it with a reason.

Lock order: a top-up locks the wallet, then the reseller's limits row (which serializes its staff
payments, so two at once cannot both pass under the daily limit); an approval locks the pending
row, then the wallet. No path takes them the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action
from audit.services import audit_record
from customers.models import Membership, Reseller, User
from customers.tenant_status import Action as TenantAction

from . import ledger
from .models import AccountKind, LedgerAccount, LedgerTransaction, Posting, TransactionKind
from .models_payments import (
    DEFAULT_PER_DAY,
    DEFAULT_PER_PAYMENT,
    PendingPayment,
    StaffPaymentLimits,
)
from .money import format_minor, to_minor
from .renewals.services import renewals_retry_enqueue
from .tenant_wallets import wallet_action_require

REASON_MAX = 200


@dataclass(frozen=True)
class Limits:
    currency: str
    per_payment_minor: int
    per_day_minor: int

    @property
    def staff_may_record(self) -> bool:
        return self.per_payment_minor > 0 and self.per_day_minor > 0


def _defaults(reseller: Reseller) -> dict:
    currency = reseller.currency
    return {
        "currency": currency,
        "per_payment_minor": to_minor(DEFAULT_PER_PAYMENT, currency),
        "per_day_minor": to_minor(DEFAULT_PER_DAY, currency),
    }


def staff_payment_limits(*, reseller: Reseller) -> Limits:
    """The reseller's limits (the defaults until its owner sets them)."""
    row = StaffPaymentLimits.objects.filter(reseller=reseller).first()
    values = (
        {
            "currency": row.currency,
            "per_payment_minor": row.per_payment_minor,
            "per_day_minor": row.per_day_minor,
        }
        if row
        else _defaults(reseller)
    )
    return Limits(**values)


def _locked_limits(reseller: Reseller) -> StaffPaymentLimits:
    row, _created = StaffPaymentLimits.objects.get_or_create(
        reseller=reseller, defaults=_defaults(reseller)
    )
    return StaffPaymentLimits.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def staff_payment_limits_set(
    *, actor: Membership, per_payment_minor: int, per_day_minor: int
) -> StaffPaymentLimits:
    if not actor.is_reseller_owner:
        raise PermissionDenied
    if per_payment_minor < 0 or per_day_minor < 0:
        raise ValidationError(_("A limit cannot be negative."))
    row = _locked_limits(actor.reseller)
    old = (row.per_payment_minor, row.per_day_minor)
    row.per_payment_minor, row.per_day_minor = per_payment_minor, per_day_minor
    row.updated_by = actor.user
    row.save()
    if old != (per_payment_minor, per_day_minor):
        money = lambda minor: format_minor(minor, row.currency)  # noqa: E731
        audit_record(
            actor=actor.user,
            action=Action.PAYMENT_LIMITS_SET,
            target=row,
            target_label=_("Staff payment limits"),
            changes={
                "per_payment": [money(old[0]), money(per_payment_minor)],
                "per_day": [money(old[1]), money(per_day_minor)],
            },
        )
    return row


def is_limited(membership: Membership | None, wallet: LedgerAccount) -> bool:
    """Staff paying into one of their reseller's client wallets; owners and admins are not."""
    return bool(
        membership
        and wallet.kind == AccountKind.CLIENT_WALLET
        and membership.is_reseller
        and not membership.is_reseller_owner
    )


def recorded_today_minor(*, user: User, wallet: LedgerAccount) -> int:
    """What ``user`` posted today (the reseller's day, in its time zone) into the reseller's
    client wallets on their own authority (approved payments were the owner's decision and do
    not count)."""
    zone = ZoneInfo(Reseller.objects.values_list("time_zone", flat=True).get(pk=wallet.reseller_id))
    start = datetime.combine(timezone.now().astimezone(zone).date(), time.min, tzinfo=zone)
    total = Posting.objects.filter(
        transaction__kind=TransactionKind.TOP_UP,
        transaction__created_by=user,
        transaction__approved_by__isnull=True,
        transaction__reseller_id=wallet.reseller_id,
        transaction__created_at__gte=start,
        account__kind=AccountKind.CLIENT_WALLET,
        account__currency=wallet.currency,
    ).aggregate(total=Sum("amount_minor"))["total"]
    return total or 0


def over_staff_limit(*, user: User, wallet: LedgerAccount, amount_minor: int) -> str:
    """Locks the reseller's limits (until the caller's transaction ends) and says which one
    ``amount_minor`` would pass ("" if none). Refuses when the owner lets staff record nothing."""
    row = _locked_limits(wallet.reseller)
    if row.per_payment_minor == 0 or row.per_day_minor == 0:
        raise ValidationError(_("Payments are recorded by your account's owner."))
    if row.currency != wallet.currency:
        return PendingPayment.OverLimit.PER_PAYMENT  # limits in another currency: ask an owner
    if amount_minor > row.per_payment_minor:
        return PendingPayment.OverLimit.PER_PAYMENT
    if recorded_today_minor(user=user, wallet=wallet) + amount_minor > row.per_day_minor:
        return PendingPayment.OverLimit.PER_DAY
    return ""


def pending_payment_create(
    *,
    actor: User,
    wallet: LedgerAccount,
    amount_minor: int,
    method: str,
    reference: str,
    memo: str,
    key: str,
    over_limit: str,
) -> PendingPayment:
    """Keep a staff payment above a limit for an owner (the caller holds the wallet's lock and
    has checked the key). Nothing is posted; the owners are emailed once this commits."""
    pending = PendingPayment.objects.create(
        wallet=wallet,
        reseller_id=wallet.reseller_id,
        client_id=wallet.client_id,
        amount_minor=amount_minor,
        currency=wallet.currency,
        payment_method=method,
        payment_reference=reference,
        memo=memo[:200],
        idempotency_key=key,
        over_limit=over_limit,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.PAYMENT_SUBMIT,
        target=pending,
        target_label=_label(pending),
        changes=_facts(pending),
    )
    from .tasks import pending_payment_email_task

    transaction.on_commit(lambda: pending_payment_email_task.delay(pending.pk))
    return pending


def _label(pending: PendingPayment) -> str:
    amount = format_minor(pending.amount_minor, pending.currency)
    return _("Payment %(ref)s of %(amount)s") % {"ref": pending.payment_reference, "amount": amount}


def _facts(pending: PendingPayment) -> dict:
    return {
        "amount": format_minor(pending.amount_minor, pending.currency),
        "method": pending.payment_method,
        "reference": pending.payment_reference,
        "over_limit": pending.over_limit,
    }


def _owner_locked(actor: Membership, pending_id: int) -> PendingPayment:
    if not actor.is_reseller_owner:
        raise PermissionDenied
    pending = (
        PendingPayment.objects.select_for_update()
        .filter(pk=pending_id, reseller_id=actor.reseller_id)
        .first()
    )
    if pending is None:
        raise Http404
    return pending


@transaction.atomic
def pending_payment_approve(
    *, actor: Membership, pending_id: int
) -> tuple[LedgerTransaction, bool]:
    """Post the payment, recorded by its staff member and approved by ``actor``. Returns the
    transaction and whether it is new: a second approval (a double click, another owner) gets
    the first one back and posts nothing."""
    pending = _owner_locked(actor, pending_id)
    if pending.status == PendingPayment.Status.APPROVED:
        return pending.transaction, False
    if pending.status == PendingPayment.Status.REJECTED:
        raise ValidationError(_("This payment was rejected; it cannot be approved now."))
    wallet = pending.wallet
    # The tenants' status when the owner decides is what counts (paused since, closed since).
    wallet_action_require(
        membership=actor,
        wallet=wallet,
        action=TenantAction.TOP_UP,
        amount_minor=pending.amount_minor,
    )
    txn = ledger.ledger_post(
        kind=TransactionKind.TOP_UP,
        entries=[
            (wallet, pending.amount_minor),
            (ledger.reseller_received(pending.reseller, wallet.currency), -pending.amount_minor),
        ],
        memo=pending.memo,
        idempotency_key=pending.idempotency_key,
        reseller_id=pending.reseller_id,
        client_id=pending.client_id,
        payment_method=pending.payment_method,
        payment_reference=pending.payment_reference,
        created_by_id=pending.recorded_by_id,
        approved_by=actor.user,
    )
    pending.status = PendingPayment.Status.APPROVED
    pending.decided_by = actor.user
    pending.decided_at = timezone.now()
    pending.transaction = txn
    pending.save(update_fields=["status", "decided_by", "decided_at", "transaction"])
    renewals_retry_enqueue(wallet)  # what the wallet's numbers owe is retried at once
    recorded_by = User.objects.get(pk=pending.recorded_by_id).email
    audit_record(
        actor=actor.user,
        action=Action.PAYMENT_APPROVE,
        target=pending,
        target_label=_label(pending),
        changes={**_facts(pending), "recorded_by": recorded_by, "transaction": txn.pk},
    )
    return txn, True


@transaction.atomic
def pending_payment_reject(*, actor: Membership, pending_id: int, reason: str) -> PendingPayment:
    """Refuse the payment with a reason (nothing is posted). Rejecting twice changes nothing;
    an approved payment is reversed instead."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why this payment is rejected.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}}
        )
    pending = _owner_locked(actor, pending_id)
    if pending.status == PendingPayment.Status.REJECTED:
        return pending
    if pending.status == PendingPayment.Status.APPROVED:
        raise ValidationError(_("This payment was approved already; reverse it instead."))
    pending.status = PendingPayment.Status.REJECTED
    pending.decided_by = actor.user
    pending.decided_at = timezone.now()
    pending.reason = reason
    pending.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor.user,
        action=Action.PAYMENT_REJECT,
        target=pending,
        target_label=_label(pending),
        changes={**_facts(pending), "reason": reason},
    )
    return pending
