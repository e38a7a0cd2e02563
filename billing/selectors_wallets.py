"""Reads of wallets: balances, open holds and statements (DESIGN.md §4 and §6).

The ``*_wallet`` getters take the acting membership and answer 404 outside its tenant; the other
functions take a wallet one of those getters (or the admin) already chose. Amounts leave here as
``Money`` so templates and the CSV never convert minor units themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from customers.models import Client, Membership, Reseller
from customers.selectors import client_get

from . import ledger
from .models import AccountKind, Hold, LedgerAccount, PaymentMethod, Posting, TransactionKind
from .money import format_money, from_minor

OPEN_HOLDS_SHOWN = 100


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    @property
    def negative(self) -> bool:
        return self.minor < 0

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


# --- which wallet ------------------------------------------------------------------------------


def member_client_wallet(*, actor: Membership) -> LedgerAccount:
    """The wallet of the client the actor belongs to."""
    if not actor.is_client:
        raise Http404
    return ledger.client_wallet(actor.client)


def reseller_own_wallet(*, actor: Membership) -> LedgerAccount:
    """The actor's reseller's wallet with the platform."""
    if not actor.is_reseller:
        raise Http404
    return ledger.reseller_wallet(actor.reseller)


def reseller_client_wallet(*, actor: Membership, pk: int) -> tuple[Client, LedgerAccount]:
    """One of the actor's reseller's clients and its wallet; another tenant's client is a 404."""
    client = client_get(actor=actor, pk=pk)
    return client, ledger.client_wallet(client)


# --- balances and holds -------------------------------------------------------------------------


def _outstanding():
    return F("amount_minor") - F("captured_minor") - F("released_minor")


@dataclass(frozen=True)
class WalletSummary:
    wallet: LedgerAccount
    on_hold_minor: int

    @property
    def balance(self) -> Money:
        return Money(self.wallet.balance_minor, self.wallet.currency)

    @property
    def on_hold(self) -> Money:
        return Money(self.on_hold_minor, self.wallet.currency)

    @property
    def credit_limit(self) -> Money:
        return Money(self.wallet.credit_limit_minor, self.wallet.currency)

    @property
    def spendable(self) -> Money:
        """What the next purchase may take: the balance (holds are already out of it) plus the
        credit limit."""
        wallet = self.wallet
        return Money(wallet.balance_minor + wallet.credit_limit_minor, wallet.currency)


def wallet_summary(*, wallet: LedgerAccount) -> WalletSummary:
    total = Hold.objects.filter(wallet=wallet, status=Hold.Status.OPEN).aggregate(
        total=Coalesce(Sum(_outstanding()), 0)
    )["total"]
    return WalletSummary(wallet=wallet, on_hold_minor=total)


@dataclass(frozen=True)
class HoldRow:
    created_at: datetime
    description: str
    item_reference: str
    order_reference: str
    client_name: str
    amount: Money


def wallet_open_holds(*, wallet: LedgerAccount) -> list[HoldRow]:
    """Money set aside for order items still being provisioned, newest first."""
    holds = (
        Hold.objects.filter(wallet=wallet, status=Hold.Status.OPEN)
        .annotate(outstanding_minor=_outstanding())
        .select_related("item__order__client")
        .order_by("-created_at", "-id")[:OPEN_HOLDS_SHOWN]
    )
    return [
        HoldRow(
            created_at=hold.created_at,
            description=hold.item.description,
            item_reference=hold.item.reference,
            order_reference=hold.item.order.reference,
            client_name=hold.item.order.client.name,
            amount=Money(hold.outstanding_minor, wallet.currency),
        )
        for hold in holds
    ]


# --- statements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementFilters:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    kind: str = ""
    q: str = ""


def _day_start(day: date) -> datetime:
    # Resolved now, in the viewer's time zone: a streamed CSV evaluates its query after the
    # middleware has switched the time zone back.
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def wallet_statement(
    *, wallet: LedgerAccount, filters: StatementFilters | None = None
) -> QuerySet[Posting]:
    """The wallet's postings with their transactions, newest first."""
    filters = filters or StatementFilters()
    postings = (
        Posting.objects.filter(account=wallet)
        .select_related(
            "transaction__order",
            "transaction__created_by",
            "transaction__approved_by",
            "transaction__reverses",
        )
        .annotate(reversal_id=F("transaction__reversal__id"))
        .order_by("-id")
    )
    if filters.date_from:
        postings = postings.filter(transaction__created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        end = _day_start(filters.date_to + timedelta(days=1))
        postings = postings.filter(transaction__created_at__lt=end)
    if filters.kind:
        postings = postings.filter(transaction__kind=filters.kind)
    if filters.q:
        postings = postings.filter(
            Q(transaction__memo__icontains=filters.q)
            | Q(transaction__payment_reference__icontains=filters.q)
            | Q(transaction__order__reference__icontains=filters.q)
        )
    return postings


@dataclass(frozen=True)
class StatementRow:
    transaction_id: int
    created_at: datetime
    kind: str
    memo: str
    payment_method: str
    payment_reference: str
    order_reference: str
    amount: Money
    balance_after: Money
    created_by: str = ""  # who recorded it, for the reseller's pages only
    approved_by: str = ""  # the owner who let a staff payment above the limits post
    reversal_id: int | None = None  # a payment's reversal, once it was reversed
    reverses_id: int | None = None  # a reversal's original payment
    reverses_date: datetime | None = None

    @property
    def reversible(self) -> bool:
        """A payment not reversed yet (whether this viewer may do it is the view's question)."""
        return self.kind == TransactionKind.TOP_UP and self.reversal_id is None

    @property
    def kind_label(self) -> str:
        return TransactionKind(self.kind).label

    @property
    def payment_method_label(self) -> str:
        return PaymentMethod(self.payment_method).label if self.payment_method else ""

    @property
    def reference(self) -> str:
        return self.payment_reference or self.order_reference


def statement_row(posting: Posting) -> StatementRow:
    txn = posting.transaction
    return StatementRow(
        transaction_id=txn.pk,
        created_at=txn.created_at,
        kind=txn.kind,
        memo=txn.memo,
        payment_method=txn.payment_method,
        payment_reference=txn.payment_reference,
        order_reference=txn.order.reference if txn.order_id else "",
        amount=Money(posting.amount_minor, posting.currency),
        balance_after=Money(posting.balance_after_minor, posting.currency),
        created_by=txn.created_by.get_full_name() if txn.created_by_id else "",
        approved_by=txn.approved_by.get_full_name() if txn.approved_by_id else "",
        reversal_id=getattr(posting, "reversal_id", None),
        reverses_id=txn.reverses_id,
        reverses_date=txn.reverses.created_at if txn.reverses_id else None,
    )


def statement_rows(postings: Iterable[Posting]) -> list[StatementRow]:
    return [statement_row(posting) for posting in postings]


# --- a reseller's clients -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientWalletRow:
    client: Client
    balance: Money
    on_hold: Money
    credit_limit: Money
    last_activity: datetime | None


def reseller_client_wallets(*, actor: Membership, search: str = "") -> QuerySet[Client]:
    """Every client of the actor's reseller, annotated with its wallet (in the reseller's
    currency): ``balance_minor``, ``credit_limit_minor``, ``on_hold_minor`` and
    ``last_activity``, in one query. A client that never had a wallet shows zeros."""
    if not actor.is_reseller:
        raise Http404
    reseller: Reseller = actor.reseller
    mine = {
        "kind": AccountKind.CLIENT_WALLET,
        "currency": reseller.currency,
    }
    wallets = LedgerAccount.objects.filter(client=OuterRef("pk"), **mine)
    holds = (
        Hold.objects.filter(
            wallet__client=OuterRef("pk"),
            wallet__kind=mine["kind"],
            wallet__currency=mine["currency"],
            status=Hold.Status.OPEN,
        )
        .order_by()  # no default ordering in the GROUP BY
        .values("wallet")
        .annotate(total=Sum(_outstanding()))
        .values("total")
    )
    last = (
        Posting.objects.filter(
            account__client=OuterRef("pk"),
            account__kind=mine["kind"],
            account__currency=mine["currency"],
        )
        .order_by("-id")
        .values("transaction__created_at")[:1]
    )
    clients = Client.objects.filter(reseller=reseller)
    if search:
        clients = clients.filter(name__icontains=search)
    return clients.annotate(
        balance_minor=Coalesce(Subquery(wallets.values("balance_minor")[:1]), 0),
        credit_limit_minor=Coalesce(Subquery(wallets.values("credit_limit_minor")[:1]), 0),
        on_hold_minor=Coalesce(Subquery(holds), 0),
        last_activity=Subquery(last),
    ).order_by("name", "id")


def client_wallet_rows(clients: Iterable[Client], currency: str) -> list[ClientWalletRow]:
    """Rows for clients annotated by ``reseller_client_wallets``."""
    return [
        ClientWalletRow(
            client=client,
            balance=Money(client.balance_minor, currency),
            on_hold=Money(client.on_hold_minor, currency),
            credit_limit=Money(client.credit_limit_minor, currency),
            last_activity=client.last_activity,
        )
        for client in clients
    ]
