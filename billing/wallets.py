"""Wallet services: top-ups and credit limits (DESIGN.md §4).

A top-up records a payment made outside the portal (bank transfer, cash…): a reseller for one of
its clients, a platform admin for a reseller. Each is one ledger transaction with an idempotency
key, so a double submit or a retried request records the payment once. A payment gateway later
calls ``wallet_top_up`` the same way, with its own payment id as the key.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Client, Membership, Reseller, User

from . import ledger
from .models import AccountKind, LedgerAccount, LedgerTransaction, PaymentMethod, TransactionKind
from .money import exponent, to_minor

MAX_TOP_UP = Decimal("1000000")


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
) -> tuple[LedgerTransaction, bool]:
    """Record a payment into ``wallet``. Returns the transaction and whether it is new; the same
    key again returns the first transaction (and refuses a different payment under it)."""
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
    memo = note.strip() or _("Payment %(ref)s") % {"ref": reference}
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
    return txn, True


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
    if limit_minor < 0:
        raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})
    locked = ledger.lock_accounts([wallet])[wallet.pk]
    if locked.balance_minor < -limit_minor:
        raise ValidationError(
            {"credit_limit": _("The wallet already owes more than this; top it up first.")}
        )
    locked.credit_limit_minor = limit_minor
    locked.save(update_fields=["credit_limit_minor"])
    wallet.credit_limit_minor = limit_minor
    return locked


def wallet_of(owner: Client | Reseller) -> LedgerAccount:
    return (
        ledger.client_wallet(owner) if isinstance(owner, Client) else ledger.reseller_wallet(owner)
    )
