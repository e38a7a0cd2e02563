"""Charging a chunk of paid-up numbers at once (split from the job in charging.py, which
decides which numbers are plain enough for this): one ledger transaction and one
``RenewalCharge`` row per number, written in a handful of statements for the whole chunk."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Number

from .. import ledger
from ..bulk import rows_copy
from ..models import TransactionKind
from .models import RenewalCharge
from .postings import _Accounts, _client_wallets_prefetch, _entries, period_figures
from .prices import price_change_take
from .schedule import period_start

# A charge row's columns, in the order numbers_charge builds them.
CHARGE_COLUMNS = (
    "number_id",
    "reseller_id",
    "client_id",
    "period",
    "period_start",
    "period_end",
    "currency",
    "retail_minor",
    "wholesale_minor",
    "cost_currency",
    "cost_minor",
    "retail_tax_minor",
    "retail_tax_rate",
    "wholesale_tax_minor",
    "wholesale_tax_rate",
    "waived",
    "transaction_id",
    "created_at",
)


def numbers_charge(
    numbers: list[Number], accounts: _Accounts
) -> tuple[list[Number], list[Number], list[Number]]:
    """Charge each number's due period (bulk writes) and move it on to its next period.
    Returns (charged, short of money, charged whose new retail price now applies: their price
    fields changed too)."""
    _client_wallets_prefetch(numbers, accounts)
    figures = [period_figures(number, accounts) for number in numbers]
    requests = [
        (
            TransactionKind.RENEWAL,
            _entries(number, accounts, period),
            renewal_memo(number),
            {
                "idempotency_key": RenewalCharge.idempotency_key(
                    number.pk, number.next_period_start
                ),
                "reseller_id": number.reseller_id,
                "client_id": number.client_id,
            },
        )
        for number, period in zip(numbers, figures, strict=True)
    ]
    free = [not any(amount for _, amount in entries) for _, entries, _, _ in requests]
    paying = [r for r, is_free in zip(requests, free, strict=True) if not is_free]
    posted = iter(ledger.ledger_post_many(paying))
    charged, short, repriced, rows = [], [], [], []
    now = timezone.now()
    for number, period, is_free in zip(numbers, figures, free, strict=True):
        txn_id = None if is_free else next(posted)
        if isinstance(txn_id, ledger.InsufficientBalance):
            short.append(number)
            continue
        k, start, end, new_price = period_next(number)
        rows.append(
            (
                number.pk,
                number.reseller_id,
                number.client_id,
                k,
                start,
                end,
                number.currency,
                period.retail,
                period.wholesale,
                number.cost_currency,
                period.cost,
                period.retail_tax,
                period.retail_rate,
                period.wholesale_tax,
                period.wholesale_rate,
                False,
                txn_id,
                now,
            )
        )
        charged.append(number)
        if new_price:
            repriced.append(number)
    rows_copy(RenewalCharge, CHARGE_COLUMNS, rows)
    return charged, short, repriced


def period_next(number: Number) -> tuple[int, dt.date, dt.date, bool]:
    """Move the number on past its due period; returns that period (k, first day, last day)
    and whether a new retail price became the number's price with it."""
    k = number.renewal_period
    start = number.next_period_start
    new_price = price_change_take(number, start)
    following = period_start(number.renewal_anchor, number.billing_cycle, k + 1)
    number.renewal_period = k + 1
    number.next_period_start = following
    number.paid_until = following - dt.timedelta(days=1)
    return k, start, number.paid_until, new_price


def renewal_memo(number: Number) -> str:
    return _("Renewal of %(number)s from %(start)s") % {
        "number": number.e164,
        "start": number.next_period_start.isoformat(),
    }
