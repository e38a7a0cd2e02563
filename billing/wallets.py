"""Wallet services: top-ups, their reversals and credit limits (DESIGN.md §4).

A top-up records a payment made outside the portal (bank transfer, cash…): a reseller for one of
its clients, a platform admin for a reseller. Each is one ledger transaction with an idempotency
key, so a double submit or a retried request records the payment once. A payment gateway later
calls ``wallet_top_up`` the same way, with its own payment id as the key.

A payment recorded by mistake is reversed, never edited: ``wallet_payment_reverse`` posts the
mirror transaction pointing at the original (``LedgerTransaction.reverses``, unique), with the
reason and who did it. Only the one who may fund the wallet's owner without supervision may undo a
payment: a reseller's owner for its clients, a platform admin for resellers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from audit.actions import Action
from audit.services import audit_record
from customers.models import Client, Membership, Reseller, User
from customers.tenant_status import Action as TenantAction

from . import ledger, payments
from .models import AccountKind, LedgerAccount, LedgerTransaction, PaymentMethod, TransactionKind
from .models_payments import PendingPayment
from .money import exponent, format_money, from_minor, to_minor
from .renewals.services import renewals_retry_enqueue
from .tenant_wallets import wallet_action_require

MAX_TOP_UP = Decimal("1000000")
REASON_MAX = 200


def parse_amount(value, currency: str, *, field: str = "amount", allow_zero=False) -> int:
    """A positive amount in ``currency`` as minor units, or a ValidationError naming ``field``."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({field: _("Enter an amount such as 250.00.")}) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("Enter an amount above zero.")})
    if amount > MAX_TOP_UP:
        raise ValidationError({field: _("Enter at most %(max)s.") % {"max": MAX_TOP_UP}})
    try:
        return to_minor(amount, currency)
    except ValueError:
        raise ValidationError(
            {field: _("%(c)s has %(n)d decimal places.") % {"c": currency, "n": exponent(currency)}}
        ) from None


def _funding_side(wallet: LedgerAccount) -> LedgerAccount:
    if wallet.kind == AccountKind.CLIENT_WALLET:
        return ledger.reseller_received(wallet.reseller, wallet.currency)
    return ledger.platform_account(AccountKind.PLATFORM_RECEIVED, wallet.currency)


def _may_fund(actor: User, membership: Membership | None, wallet: LedgerAccount) -> bool:
    if wallet.kind == AccountKind.CLIENT_WALLET:
        return bool(
            membership and membership.is_reseller and membership.reseller_id == wallet.reseller_id
        )
    return actor.is_staff


@transaction.atomic
def wallet_top_up(
    *,
    actor: User,
    membership: Membership | None,
    wallet: LedgerAccount,
    amount_minor: int,
    method: str,
    reference: str,
    idempotency_key: str,
    note: str = "",
) -> tuple[LedgerTransaction | PendingPayment, bool]:
    """Record a payment into ``wallet``. Returns the transaction and whether it is new; the same
    key again returns the first transaction (and refuses a different payment under it).

    A reseller's staff member paying above the owner's limits gets a ``PendingPayment`` instead
    (see payments.py): nothing is posted until an owner approves it."""
    if not _may_fund(actor, membership, wallet):
        raise PermissionDenied
    if amount_minor <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose how the payment was made.")})
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": _("Enter the payment's reference.")})
    if not idempotency_key or len(idempotency_key) > 64:
        raise ValidationError(_("This form has expired; open it again."))
    if len(reference) > 100:
        raise ValidationError({"reference": _("Keep the reference under 100 characters.")})
    key = f"top-up:{wallet.pk}:{idempotency_key}"
    ledger.lock_accounts([wallet])  # a second submit of the same key waits for the first
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        posted = existing.postings.get(account=wallet).amount_minor
        if posted != amount_minor or existing.payment_reference != reference:
            raise ValidationError(_("This form was already submitted with another payment."))
        return existing, False
    waiting = PendingPayment.objects.filter(idempotency_key=key).first()
    if waiting is not None:
        if waiting.amount_minor != amount_minor or waiting.payment_reference != reference:
            raise ValidationError(_("This form was already submitted with another payment."))
        return waiting, False
    wallet_action_require(
        membership=membership, wallet=wallet, action=TenantAction.TOP_UP, amount_minor=amount_minor
    )
    memo = note.strip() or _("Payment %(ref)s") % {"ref": reference}
    over = ""
    if payments.is_limited(membership, wallet):  # locks the reseller's limits until commit
        over = payments.over_staff_limit(user=actor, wallet=wallet, amount_minor=amount_minor)
    if over:
        pending = payments.pending_payment_create(
            actor=actor,
            wallet=wallet,
            amount_minor=amount_minor,
            method=method,
            reference=reference,
            memo=memo,
            key=key,
            over_limit=over,
        )
        return pending, True
    txn = ledger.ledger_post(
        kind=TransactionKind.TOP_UP,
        entries=[(wallet, amount_minor), (_funding_side(wallet), -amount_minor)],
        memo=memo,
        idempotency_key=key,
        reseller_id=wallet.reseller_id,
        client_id=wallet.client_id,
        payment_method=method,
        payment_reference=reference,
        created_by=actor,
    )
    audit_record(
        action=Action.PAYMENT_RECORD, target=txn, actor=actor, changes=_payment_facts(txn, wallet)
    )
    renewals_retry_enqueue(wallet)  # what the wallet's numbers owe is retried at once
    return txn, True


def _payment_facts(txn: LedgerTransaction, wallet: LedgerAccount) -> dict:
    amount = txn.postings.get(account=wallet).amount_minor
    return {
        "amount": format_money(from_minor(amount, wallet.currency), wallet.currency),
        "method": txn.payment_method,
        "reference": txn.payment_reference,
        "wallet": str(wallet),
    }


def _may_reverse(actor: User, membership: Membership | None, wallet: LedgerAccount) -> bool:
    if wallet.kind == AccountKind.CLIENT_WALLET:
        return bool(
            membership
            and membership.is_reseller_owner
            and membership.reseller_id == wallet.reseller_id
        )
    return actor.is_staff


def reversible_payment(*, wallet: LedgerAccount, transaction_id: int) -> LedgerTransaction:
    """A payment into ``wallet`` (a top-up it received); anything else is a 404."""
    payment = (
        LedgerTransaction.objects.filter(
            pk=transaction_id, kind=TransactionKind.TOP_UP, postings__account=wallet
        )
        .select_related("created_by")
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@transaction.atomic
def wallet_payment_reverse(
    *,
    actor: User,
    membership: Membership | None,
    wallet: LedgerAccount,
    transaction_id: int,
    reason: str,
) -> tuple[LedgerTransaction, bool]:
    """Undo a payment recorded into ``wallet`` by mistake with a new transaction that mirrors
    it. Returns the reversal and whether it is new: a second request (a double submit, another
    tab) gets the first reversal back. Refused when the wallet would go below its credit limit
    (the money was spent already): nothing is written."""
    if not _may_reverse(actor, membership, wallet):
        raise PermissionDenied
    wallet_action_require(membership=membership, wallet=wallet, action=TenantAction.PAYMENT_REVERSE)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why this payment is reversed.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}}
        )
    ledger.lock_accounts([wallet])  # a second reversal of the same payment waits here
    payment = reversible_payment(wallet=wallet, transaction_id=transaction_id)
    existing = LedgerTransaction.objects.filter(reverses=payment).first()
    if existing is not None:
        return existing, False
    entries = [(posting.account, -posting.amount_minor) for posting in payment.postings.all()]
    try:
        reversal = ledger.ledger_post(
            kind=TransactionKind.REVERSAL,
            entries=entries,
            memo=reason,
            idempotency_key=f"reversal:{payment.pk}",
            reverses=payment,
            reseller_id=payment.reseller_id,
            client_id=payment.client_id,
            payment_method=payment.payment_method,
            payment_reference=payment.payment_reference,
            created_by=actor,
        )
        audit_record(
            action=Action.PAYMENT_REVERSE,
            target=reversal,
            actor=actor,
            changes={"reverses": payment.pk, "reason": reason, **_payment_facts(reversal, wallet)},
        )
    except ledger.InsufficientBalance as error:
        short = format_money(from_minor(error.short_minor, wallet.currency), wallet.currency)
        raise ValidationError(
            _(
                "This payment cannot be reversed: the wallet would go %(short)s below its "
                "credit limit. The money has been spent already."
            )
            % {"short": short}
        ) from None
    return reversal, True


@transaction.atomic
def wallet_credit_limit_set(
    *, actor: User, membership: Membership | None, wallet: LedgerAccount, limit_minor: int
) -> LedgerAccount:
    """Set how far below zero a wallet may go: reseller owners for their clients, admins for
    resellers. Lowering it below the current debt is refused (it would break the CHECK)."""
    if not _may_fund(actor, membership, wallet):
        raise PermissionDenied
    if wallet.kind == AccountKind.CLIENT_WALLET and not membership.is_reseller_owner:
        raise PermissionDenied  # credit is the owner's decision; staff record payments
    wallet_action_require(membership=membership, wallet=wallet, action=TenantAction.CREDIT_LIMIT)
    if limit_minor < 0:
        raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})
    locked = ledger.lock_accounts([wallet])[wallet.pk]
    if locked.balance_minor < -limit_minor:
        raise ValidationError(
            {"credit_limit": _("The wallet already owes more than this; top it up first.")}
        )
    old = format_money(from_minor(locked.credit_limit_minor, wallet.currency), wallet.currency)
    new = format_money(from_minor(limit_minor, wallet.currency), wallet.currency)
    if old != new:
        audit_record(
            actor=actor,
            action=Action.CREDIT_LIMIT_SET,
            target=locked,
            changes={"credit_limit": [old, new]},
        )
    locked.credit_limit_minor = limit_minor
    locked.save(update_fields=["credit_limit_minor"])
    wallet.credit_limit_minor = limit_minor
    renewals_retry_enqueue(wallet)  # more credit may cover what the wallet's numbers owe
    return locked


def wallet_of(owner: Client | Reseller) -> LedgerAccount:
    return (
        ledger.client_wallet(owner) if isinstance(owner, Client) else ledger.reseller_wallet(owner)
    )
