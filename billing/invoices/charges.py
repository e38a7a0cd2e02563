"""A month's charges, payments and credits per recipient, read set-based from the ledger's
own records (a handful of queries per issuer, whatever the number of recipients).

What a line says is what the wallet paid: a hold's captured share (setup and first period of
delivered numbers), a renewal's charge, a credit back into the wallet. Tax added on top is the
amount posted to the issuer's tax account with the charge; tax included is split out of the
gross at the rate that applied. Both sides therefore agree with the ledger to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import AccountKind, Hold, Posting, TransactionKind
from ..money import round_even, to_minor
from ..renewals.models import RenewalCharge
from ..renewals.schedule import local_date, period_start
from .models import LineKind
from .tax import TaxTerms, split_gross

ZERO = Decimal("0")


@dataclass(slots=True)  # a close makes 200,000 of them
class Line:
    source: str
    kind: str
    description: str
    quantity: int
    supply_start: dt.date | None
    supply_end: dt.date | None
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    tax_added_minor: int  # the part of tax_minor that was charged on top (posted as tax)

    @property
    def gross_minor(self) -> int:
        return self.net_minor + self.tax_minor


@dataclass(frozen=True)
class Window:
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive
    time_zone: str


def _amounts(gross: int, tax_added: int, rate: Decimal) -> tuple[int, int]:
    """(net, tax) of what the wallet paid: tax on top as posted, else split out of the gross."""
    if tax_added:
        return gross - tax_added, tax_added
    return split_gross(gross, rate)


def _hold_lines(row: dict, tier: str, zone: str) -> list[Line]:
    """Setup and first period of the numbers a hold paid for (the delivered share)."""
    amount, captured, held_tax = row["amount_minor"], row["captured_minor"], row["tax_minor"]
    quantity = row["item__quantity"]
    count = captured * quantity // amount
    tax_added = held_tax * captured // amount
    rate = row["tax_rate"]
    currency = row["wallet__currency"]
    setup_price = row["item__retail_setup"] if tier == "client" else row["item__wholesale_setup"]
    setup_each = to_minor(round_even(setup_price, currency), currency)
    day = local_date(row["settled_at"], zone)
    cycle = row["item__billing_cycle"]
    if tax_added:
        net = captured - tax_added
        setup_net = min(setup_each * count, net)
        setup_tax = tax_added * setup_net // net if net else 0
        parts = [(setup_net + setup_tax, setup_tax), (captured - setup_net - setup_tax,
                                                       tax_added - setup_tax)]  # fmt: skip
    else:
        setup_gross = min(setup_each * count, captured)
        parts = [(setup_gross, 0), (captured - setup_gross, 0)]
    description = row["item__description"]
    lines = []
    (setup_gross, setup_added), (period_gross, period_added) = parts
    if setup_gross:
        net, tax = _amounts(setup_gross, setup_added, rate)
        lines.append(Line(
            f"hold:{row['id']}:setup", LineKind.SETUP,
            _("Setup: %(what)s") % {"what": description}, count, day, day, rate, net, tax,
            setup_added,
        ))  # fmt: skip
    if period_gross:
        net, tax = _amounts(period_gross, period_added, rate)
        end = period_start(day, cycle, 1) - dt.timedelta(days=1)
        lines.append(Line(
            f"hold:{row['id']}:period", LineKind.FIRST_PERIOD,
            _("First period: %(what)s") % {"what": description}, count, day, end, rate, net, tax,
            period_added,
        ))  # fmt: skip
    return lines


def hold_lines(window: Window, *, tier: str, owner_ids: dict[str, object]) -> dict[int, list]:
    """Lines from holds captured in the window, by recipient id. ``tier`` "client": the
    client wallets of one reseller (``owner_ids={"wallet__reseller_id": id}``); "reseller":
    resellers' own wallets (``{"wallet__reseller_id__in": ids}``)."""
    kind = AccountKind.CLIENT_WALLET if tier == "client" else AccountKind.RESELLER_WALLET
    rows = (
        Hold.objects.filter(
            wallet__kind=kind,
            status=Hold.Status.SETTLED,
            captured_minor__gt=0,
            settled_at__gte=window.start,
            settled_at__lt=window.end,
            **owner_ids,
        )
        .order_by("settled_at", "id")
        .values(
            "id", "amount_minor", "captured_minor", "tax_minor", "tax_rate", "settled_at",
            "wallet__currency", "wallet__client_id", "wallet__reseller_id", "item__quantity",
            "item__description", "item__billing_cycle", "item__retail_setup",
            "item__wholesale_setup",
        )
    )  # fmt: skip
    by_recipient: dict[int, list] = defaultdict(list)
    owner = "wallet__client_id" if tier == "client" else "wallet__reseller_id"
    for row in rows:
        by_recipient[row[owner]].extend(_hold_lines(row, tier, window.time_zone))
    return by_recipient


def renewal_rows(window: Window, *, owner_ids: dict[str, object]) -> list[tuple]:
    """The renewals charged in the window (``owner_ids`` filter them: ``{"reseller_id": id}``
    or ``{"reseller_id__in": ids}``) as ``renewal_lines`` reads them: a month close reads them
    once for both the resellers' invoices and the platform's when their windows agree."""
    return list(
        RenewalCharge.objects.filter(
            waived=False,
            transaction__isnull=False,
            transaction__created_at__gte=window.start,
            transaction__created_at__lt=window.end,
            **owner_ids,
        )
        .order_by("transaction__created_at", "id")
        .values_list(
            "id", "client_id", "reseller_id", "period_start", "period_end", "number__e164",
            "number__description",
            "retail_minor", "retail_tax_minor", "retail_tax_rate",
            "wholesale_minor", "wholesale_tax_minor", "wholesale_tax_rate",
        )
    )  # fmt: skip


def renewal_lines(
    window: Window,
    *,
    tier: str,
    owner_ids: dict[str, object] | None = None,
    rows: list[tuple] | None = None,
) -> dict[int, list]:
    """Lines from renewals charged in the window, by recipient id: from ``rows`` read already
    (``renewal_rows``), else read here (``owner_ids`` as for ``renewal_rows``)."""
    if rows is None:
        rows = renewal_rows(window, owner_ids=owner_ids or {})
    by_recipient: dict[int, list] = defaultdict(list)
    client_tier = tier == "client"
    label = _("Renewal: %(number)s, %(what)s")  # once: a close describes 100,000 renewals
    for (pk, client_id, reseller_id, start, end, e164, description, retail, retail_tax,
         retail_rate, wholesale, wholesale_tax, wholesale_rate) in rows:  # fmt: skip
        price, added, rate = (
            (retail, retail_tax, retail_rate)
            if client_tier
            else (wholesale, wholesale_tax, wholesale_rate)
        )
        if not price:
            continue
        net, tax = _amounts(price + added, added, rate)
        by_recipient[client_id if client_tier else reseller_id].append(Line(
            f"renewal:{pk}", LineKind.RENEWAL,
            label % {"number": e164, "what": description},
            1, start, end, rate, net, tax, added,
        ))  # fmt: skip
    return by_recipient


def credit_lines(window: Window, *, owner_ids: dict[str, object], terms_of) -> dict[int, list]:
    """Credits resellers gave their clients' wallets in the window (not credit notes: those
    are their own documents), as negative lines, by client id. ``terms_of(client_id)`` says
    how tax is split out of them."""
    rows = (
        Posting.objects.filter(
            account__kind=AccountKind.CLIENT_WALLET,
            transaction__kind=TransactionKind.CREDIT,
            transaction__credit_note__isnull=True,
            transaction__created_at__gte=window.start,
            transaction__created_at__lt=window.end,
            **owner_ids,
        )
        .order_by("transaction__created_at", "id")
        .values_list("transaction_id", "account__client_id", "amount_minor", "transaction__memo",
                     "transaction__created_at")
    )  # fmt: skip
    by_recipient: dict[int, list] = defaultdict(list)
    for txn_id, client_id, amount, memo, at in rows:
        terms: TaxTerms = terms_of(client_id)
        rate = ZERO if terms.added else terms.rate_applied
        net, tax = split_gross(-amount, rate)
        day = local_date(at, window.time_zone)
        by_recipient[client_id].append(
            Line(f"credit:{txn_id}", LineKind.CREDIT, memo or _("Credit"), 1, day, day, rate,
                 net, tax, 0)
        )  # fmt: skip
    return by_recipient


def payments(window: Window, *, kind: str, owner_ids: dict[str, object]) -> dict[int, list]:
    """Top-ups (and their reversals) into the wallets in the window, by owner id: listed on
    the invoice as payments, never as lines."""
    owner = "account__client_id" if kind == AccountKind.CLIENT_WALLET else "account__reseller_id"
    rows = (
        Posting.objects.filter(
            account__kind=kind,
            transaction__kind__in=(TransactionKind.TOP_UP, TransactionKind.REVERSAL),
            transaction__created_at__gte=window.start,
            transaction__created_at__lt=window.end,
            **owner_ids,
        )
        .order_by("transaction__created_at", "id")
        .values_list(owner, "amount_minor", "transaction__created_at",
                     "transaction__payment_method", "transaction__payment_reference")
    )  # fmt: skip
    by_owner: dict[int, list] = defaultdict(list)
    for owner_id, amount, at, method, reference in rows:
        by_owner[owner_id].append({
            "date": local_date(at, window.time_zone).isoformat(), "amount_minor": amount,
            "method": method, "reference": reference,
        })  # fmt: skip
    return by_owner
