"""Checkout: the cart reviewed and bought in one transaction (DESIGN.md §4).

``checkout_review`` prices the cart as it stands (read only). ``order_place`` is the "Buy": it
locks the wallets and clearing, re-checks every line, holds the retail total (client wallet →
clearing) and the wholesale total (reseller wallet → clearing), creates the order and its items,
empties those cart lines and enqueues provisioning after commit. The idempotency key makes a
double click, a retry or a second tab return the first order instead of buying again.
"""

from __future__ import annotations

import logging
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Client, Reseller, User
from customers.tenant_status import Action, TenantPaused, client_action_require
from inventory.models import DidGroup

from . import ledger
from .checkout_lines import Review, ReviewLine, terms_problem
from .invoices.tax import tax_on_top
from .invoices.terms import TermsCache
from .models import (
    AccountKind,
    CartItem,
    Hold,
    ItemState,
    Order,
    OrderItem,
    TransactionKind,
)
from .money import format_money, from_minor, to_minor
from .pricing import PriceBook, PriceUnavailable
from .storefront import price_group

logger = logging.getLogger("didhub.orders")

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone


class CheckoutError(Exception):
    """The order cannot be placed; the message says why and what to do. Nothing was changed."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def _cart_items(client: Client, item_ids: list[int] | None = None, *, lock: bool = False):
    items = CartItem.objects.filter(cart__client=client).select_related(
        "sku", "group__account", "group__country", "group__region", "group__city"
    )
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    if lock:
        items = items.select_for_update(of=("self",))
    return list(items.order_by("added_at", "id"))


def _check_lines(items: list[CartItem], book: PriceBook) -> list[ReviewLine]:
    """Every line checked as it would be bought now, lines of one group counted together."""
    ordered: dict[int, int] = {}  # group id -> "any N" numbers of the lines before
    picked: set[str] = set()
    lines = []
    for item in items:
        line = _check_line(item, book, already=ordered.get(item.group_id, 0), picked=picked)
        if not item.numbers:
            ordered[item.group_id] = ordered.get(item.group_id, 0) + item.quantity
        picked.update(item.numbers)
        lines.append(line)
    return lines


def _check_line(
    item: CartItem, book: PriceBook, *, already: int = 0, picked: set[str] | None = None
) -> ReviewLine:
    group, sku = item.group, item.sku
    if (
        group.retired_at is not None
        or sku.retired_at is not None
        or sku.group_id != group.pk
        or not group.account.enabled
    ):
        return ReviewLine(
            item,
            None,
            _("%(what)s is no longer available: remove it and choose another number.")
            % {"what": _line(item)},
        )
    if why := terms_problem(item, already=already, picked=picked or set()):
        return ReviewLine(item, None, _("%(what)s: %(why)s") % {"what": _line(item), "why": why})
    try:
        price = price_group(book, group, setup=sku.setup_price, monthly=sku.monthly_price)
    except PriceUnavailable:
        return ReviewLine(
            item,
            None,
            # Why (an exchange rate, a cost upstream) is the platform's to fix, not the client's.
            _("%(what)s cannot be priced right now: try again later, or remove it.")
            % {"what": _line(item)},
        )
    if price.currency != item.currency or (
        price.setup.retail.amount != item.setup_price
        or price.monthly.retail.amount != item.monthly_price
    ):
        return ReviewLine(
            item,
            price,
            _(
                "The price of %(what)s changed since it went into the cart: now %(setup)s setup "
                "and %(monthly)s a month."
            )
            % {
                "what": _line(item),
                "setup": format_money(price.setup.retail.amount, price.currency),
                "monthly": format_money(price.monthly.retail.amount, price.currency),
            },
            price_changed=True,
        )
    return ReviewLine(item, price)


def _line(item: CartItem) -> str:
    return f"{item.group.label} x{item.quantity}"


def checkout_review(*, client: Client, item_ids: list[int] | None = None) -> Review:
    reseller = client.reseller
    book = PriceBook(reseller=reseller, client=client)
    lines = _check_lines(_cart_items(client, item_ids), book)
    wallet = ledger.client_wallet(client)
    notes = []
    if any(line.needs_documents for line in lines):
        notes.append(
            _(
                "Some numbers are regulated: they need documents (identity and address) before "
                "they can be activated. After buying, send them by email to %(email)s. Those "
                "numbers show as “documents required” and are held for you: their amount stays "
                "on hold and is charged only once the documents are approved, or refunded if "
                "they are not."
            )
            % {"email": reseller.support_email}
        )
    if any(line.on_request for line in lines):
        notes.append(
            _("Numbers on request are ordered now and delivered when they come into stock, "
              "which can take days; the amount stays on hold until then and is refunded if "
              "they cannot be delivered.")
        )  # fmt: skip
    if any(line.item.numbers for line in lines):
        notes.append(
            _("Numbers you picked are reserved when the order is placed; if one was taken "
              "meanwhile, whatever cannot be delivered is refunded.")
        )  # fmt: skip
    return Review(
        client=client,
        currency=reseller.currency,
        lines=lines,
        wallet_balance_minor=wallet.balance_minor,
        credit_limit_minor=wallet.credit_limit_minor,
        notes=notes,
        tax_terms=TermsCache().client_terms(client),
    )


def cart_prices_refresh(*, client: Client) -> int:
    """Take the current prices into the cart (after the client saw they changed)."""
    client_action_require(client=client, action=Action.CART)
    book = PriceBook(reseller=client.reseller, client=client)
    changed = 0
    with transaction.atomic():
        for item in _cart_items(client, lock=True):
            line = _check_line(item, book)
            if line.price_changed and line.price is not None:
                item.setup_price = line.price.setup.retail.amount
                item.monthly_price = line.price.monthly.retail.amount
                item.currency = line.price.currency
                item.save(update_fields=["setup_price", "monthly_price", "currency"])
                changed += 1
    return changed


def _new_reference() -> str:
    return "DH-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def order_place(
    *, client: Client, user: User | None, idempotency_key: str, item_ids: list[int]
) -> tuple[Order, bool]:
    """Buy the reviewed cart lines. Returns the order and whether this call created it."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64 or not key.isprintable():
        raise CheckoutError(_("This checkout has expired; review your cart again."), code="key")
    reseller: Reseller = client.reseller
    try:
        client_action_require(client=client, action=Action.ORDER)
    except TenantPaused:
        raise CheckoutError(
            _("This account cannot place orders right now; contact %(email)s.")
            % {"email": reseller.support_email},
            code="inactive",
        ) from None
    currency = reseller.currency
    wallet = ledger.client_wallet(client)
    reseller_wallet = ledger.reseller_wallet(reseller)
    clearing = ledger.platform_account(AccountKind.CLEARING, currency)
    try:
        with transaction.atomic():
            return _place(
                client, user, key, item_ids, (wallet, reseller_wallet, clearing), currency
            )
    except IntegrityError:
        # Two submits with one key raced past the check (only possible without the lock,
        # e.g. a wallet created in between): the first order stands.
        existing = Order.objects.filter(client=client, idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False


def _place(client, user, key, item_ids, accounts, currency) -> tuple[Order, bool]:
    wallet, reseller_wallet, clearing = accounts
    # Every account this checkout posts to, locked in id order: concurrent checkouts on one
    # wallet queue here, and a repeated key finds the order the first one committed.
    ledger.lock_accounts(accounts)
    existing = Order.objects.filter(client=client, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    items = _cart_items(client, item_ids, lock=True)
    if not item_ids or len(items) != len(set(item_ids)):
        raise CheckoutError(
            _("Your cart changed since you reviewed it; please review it again."), code="cart"
        )
    book = PriceBook(reseller=client.reseller, client=client)
    lines = _check_lines(items, book)
    problems = [line.problem for line in lines if line.problem]
    if problems:
        changed = any(line.price_changed for line in lines)
        raise CheckoutError(" ".join(problems), code="prices" if changed else "unavailable")
    reference = _new_reference()
    order_items = [_order_item(reference, n, line) for n, line in enumerate(lines, start=1)]
    # Per item: (retail, wholesale) held, in minor units, each with the tax added on top of it
    # (per number, so a partial delivery captures exactly its share: billing/settlement.py).
    terms = TermsCache()
    retail_terms = terms.client_terms(client)
    wholesale_terms = terms.reseller_terms(client.reseller)
    held, taxes = [], []
    for order_item in order_items:
        retail_each = to_minor(order_item.retail_each, currency)
        wholesale_each = to_minor(order_item.wholesale_each, currency)
        retail_tax = tax_on_top(retail_each, retail_terms) * order_item.quantity
        wholesale_tax = tax_on_top(wholesale_each, wholesale_terms) * order_item.quantity
        held.append(
            (
                retail_each * order_item.quantity + retail_tax,
                wholesale_each * order_item.quantity + wholesale_tax,
            )
        )
        taxes.append((retail_tax, wholesale_tax))
    retail_tax_total = sum(retail_tax for retail_tax, _ in taxes)
    retail_total = sum(retail for retail, _wholesale in held)
    wholesale_total = sum(wholesale for _retail, wholesale in held)
    order = Order.objects.create(
        reference=reference,
        client=client,
        reseller_id=client.reseller_id,
        placed_by=user,
        idempotency_key=key,
        currency=currency,
        retail_total_minor=retail_total - retail_tax_total,
        wholesale_total_minor=wholesale_total,
        retail_tax_minor=retail_tax_total,
    )
    for order_item in order_items:
        order_item.order = order
    OrderItem.objects.bulk_create(order_items)
    holds = []
    for order_item, (retail, wholesale), (retail_tax, wholesale_tax) in zip(
        order_items, held, taxes, strict=True
    ):
        if retail:
            holds.append(
                Hold(
                    wallet=wallet,
                    item=order_item,
                    amount_minor=retail,
                    tax_minor=retail_tax,
                    tax_rate=retail_terms.rate_applied,
                )
            )
        if wholesale:
            holds.append(
                Hold(
                    wallet=reseller_wallet,
                    item=order_item,
                    amount_minor=wholesale,
                    tax_minor=wholesale_tax,
                    tax_rate=wholesale_terms.rate_applied,
                )
            )
    try:
        ledger.ledger_post(
            kind=TransactionKind.HOLD,
            entries=[
                (wallet, -retail_total),
                (reseller_wallet, -wholesale_total),
                (clearing, retail_total + wholesale_total),
            ],
            memo=_("Order %(ref)s") % {"ref": order.reference},
            reseller_id=client.reseller_id,
            client=client,
            order=order,
            created_by=user,
        )
    except ledger.InsufficientBalance as error:
        if error.account.pk == wallet.pk:
            raise CheckoutError(str(error), code="funds") from None
        logger.warning(
            "order for %s refused: reseller %s wallet short by %d minor units",
            client, client.reseller_id, error.short_minor,
        )  # fmt: skip
        raise CheckoutError(
            _("Orders cannot be placed right now; please contact %(email)s.")
            % {"email": client.reseller.support_email},
            code="reseller_funds",
        ) from None
    Hold.objects.bulk_create(holds)
    CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    logger.info(
        "order %s placed for client %s: %d items, %s",
        order.reference, client.pk, len(order_items),
        format_money(from_minor(retail_total, currency), currency),
    )  # fmt: skip
    from .tasks import enqueue_provisioning

    transaction.on_commit(lambda: enqueue_provisioning([i.pk for i in order_items]))
    return order, True


def _order_item(order_reference: str, n: int, line: ReviewLine) -> OrderItem:
    item, price = line.item, line.price
    assert price is not None
    group: DidGroup = item.group
    months = line.months
    cost_currency = price.monthly.cost.currency
    return OrderItem(
        reference=f"{order_reference}-{n}",
        provider_account_id=group.account_id,
        group=group,
        sku=item.sku,
        description=group.full_label,
        quantity=item.quantity,
        billing_cycle=item.billing_cycle,
        requested_numbers=list(item.numbers or []),
        requested_number_ids=list(item.number_ids or []),
        allow_backorder=item.on_request,
        retail_setup=item.setup_price,
        retail_period=item.monthly_price * months,
        wholesale_setup=price.setup.wholesale.amount,
        wholesale_period=price.monthly.wholesale.amount * months,
        cost_setup=price.setup.cost.amount,
        cost_monthly=price.monthly.cost.amount,
        cost_currency=cost_currency,
        needs_documents=group.needs_registration,
        state=ItemState.PLACED,
        next_check_at=timezone.now(),
    )
