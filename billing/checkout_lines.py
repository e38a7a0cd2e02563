"""The checkout's review (DESIGN.md §4): its lines and totals, and what the provider's terms say
about a line (``inventory.buying``: billing cycle, quantity, stock, picks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from customers.models import Client
from inventory.buying import terms_for

from .invoices.tax import NO_TAX, TaxTerms, tax_on_top
from .models import CYCLE_MONTHS, CartItem
from .money import from_minor, to_minor
from .pricing import SkuPrice


@dataclass
class ReviewLine:
    item: CartItem
    price: SkuPrice | None
    problem: str = ""
    price_changed: bool = False

    @property
    def months(self) -> int:
        return CYCLE_MONTHS[self.item.billing_cycle]

    @property
    def retail_each(self) -> Decimal:
        """Setup plus the first period, per number, at the price in the cart."""
        return self.item.setup_price + self.item.monthly_price * self.months

    @property
    def retail_total(self) -> Decimal:
        return self.retail_each * self.item.quantity

    @property
    def wholesale_each(self) -> Decimal:
        assert self.price is not None
        return self.price.setup.wholesale.amount + self.price.monthly.wholesale.amount * self.months

    @property
    def needs_documents(self) -> bool:
        return self.item.group.needs_registration

    @property
    def on_request(self) -> bool:
        """Out of stock upstream, ordered for delivery when the provider has numbers again."""
        return self.item.on_request


@dataclass
class Review:
    client: Client
    currency: str
    lines: list[ReviewLine]
    wallet_balance_minor: int
    credit_limit_minor: int
    notes: list[str] = field(default_factory=list)
    # The reseller's tax terms for this client: tax added on top is shown and charged with it.
    tax_terms: TaxTerms = NO_TAX

    @property
    def subtotal(self) -> Decimal:
        return sum((line.retail_total for line in self.lines), Decimal(0))

    @property
    def tax_minor(self) -> int:
        """Tax added on top, per number as the checkout holds it (0 when prices include it)."""
        return sum(
            tax_on_top(to_minor(line.retail_each, self.currency), self.tax_terms)
            * line.item.quantity
            for line in self.lines
            if line.price is not None
        )

    @property
    def tax(self) -> Decimal:
        return from_minor(self.tax_minor, self.currency)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def total_minor(self) -> int:
        return to_minor(self.total, self.currency)

    @property
    def wholesale_minor(self) -> int:
        """What the reseller's wallet will hold for these lines."""
        return sum(
            to_minor(line.wholesale_each, self.currency) * line.item.quantity
            for line in self.lines
            if line.price is not None
        )

    @property
    def balance(self) -> Decimal:
        return from_minor(self.wallet_balance_minor, self.currency)

    @property
    def balance_after(self) -> Decimal:
        return from_minor(self.wallet_balance_minor - self.total_minor, self.currency)

    @property
    def affordable(self) -> bool:
        return self.wallet_balance_minor - self.total_minor >= -self.credit_limit_minor

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]

    @property
    def price_changes(self) -> bool:
        return any(line.price_changed for line in self.lines)

    @property
    def item_ids(self) -> list[int]:
        return [line.item.pk for line in self.lines]


def terms_problem(item: CartItem, *, already: int, picked: set[str]) -> str:
    """What the provider cannot deliver as the line asks (its cycle, quantity, stock or picks):
    bought anyway, it would be paid for and then refunded."""
    terms = terms_for(item.group)
    numbers, number_ids = list(item.numbers or []), list(item.number_ids or [])
    why = terms.cycle_problem(item.billing_cycle) or terms.picks_problem(numbers, number_ids)
    if not why and numbers and len(numbers) != item.quantity:
        why = _("The numbers picked must be picked again.")
    if not why and any(n in picked for n in numbers):
        why = _("A number picked is in another line too.")
    if not why and not numbers:
        why = terms.quantity_problem(item.quantity, already=already)
    return why
