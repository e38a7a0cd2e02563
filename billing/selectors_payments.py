"""Reads of a reseller's payments into its clients' wallets: those awaiting an owner's
approval, the recently rejected ones, and the posted ones with who recorded and who approved
them. Always scoped to the acting member's reseller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from customers.models import Membership

from .models import AccountKind, LedgerTransaction, Posting, TransactionKind
from .models_payments import PendingPayment
from .selectors_wallets import Money

RECENT_REJECTIONS = 10


def _reseller_id(actor: Membership) -> int:
    if actor is None or not actor.is_reseller:
        raise Http404
    return actor.reseller_id


def pending_payments(*, actor: Membership) -> QuerySet[PendingPayment]:
    return (
        PendingPayment.objects.filter(
            reseller_id=_reseller_id(actor), status=PendingPayment.Status.PENDING
        )
        .select_related("client", "recorded_by")
        .order_by("created_at", "id")
    )


def pending_payment_count(*, actor: Membership) -> int:
    return pending_payments(actor=actor).count()


def rejected_payments(*, actor: Membership) -> list[PendingPayment]:
    return list(
        PendingPayment.objects.filter(
            reseller_id=_reseller_id(actor), status=PendingPayment.Status.REJECTED
        )
        .select_related("client", "recorded_by", "decided_by")
        .order_by("-decided_at", "-id")[:RECENT_REJECTIONS]
    )


def pending_payment_get(*, actor: Membership, pk: int) -> PendingPayment:
    pending = (
        PendingPayment.objects.filter(pk=pk, reseller_id=_reseller_id(actor))
        .select_related("client", "recorded_by", "decided_by")
        .first()
    )
    if pending is None:
        raise Http404
    return pending


def client_payments(*, actor: Membership) -> QuerySet[LedgerTransaction]:
    """Payments posted into the reseller's client wallets, newest first, with the wallet's
    amount as ``wallet_amount_minor`` and its currency as ``wallet_currency``."""
    wallet_posting = Posting.objects.filter(
        transaction=OuterRef("pk"), account__kind=AccountKind.CLIENT_WALLET
    )
    return (
        LedgerTransaction.objects.filter(
            reseller_id=_reseller_id(actor), kind=TransactionKind.TOP_UP, client__isnull=False
        )
        .select_related("client", "created_by", "approved_by", "reversal")
        .annotate(
            wallet_amount_minor=Subquery(wallet_posting.values("amount_minor")[:1]),
            wallet_currency=Subquery(wallet_posting.values("currency")[:1]),
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class PaymentRow:
    transaction_id: int
    created_at: datetime
    client_id: int
    client_name: str
    amount: Money
    method: str
    reference: str
    recorded_by: str
    approved_by: str
    reversed: bool


def payment_rows(transactions) -> list[PaymentRow]:
    rows = []
    for txn in transactions:
        rows.append(
            PaymentRow(
                transaction_id=txn.pk,
                created_at=txn.created_at,
                client_id=txn.client_id,
                client_name=txn.client.name,
                amount=Money(txn.wallet_amount_minor or 0, txn.wallet_currency or ""),
                method=txn.get_payment_method_display(),
                reference=txn.payment_reference,
                recorded_by=txn.created_by.get_full_name() if txn.created_by_id else "",
                approved_by=txn.approved_by.get_full_name() if txn.approved_by_id else "",
                reversed=hasattr(txn, "reversal"),
            )
        )
    return rows
