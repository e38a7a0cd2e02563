"""The demo's last month (used by ``seed_demo``), so that it opens with invoices to look at.

The demo numbers (``billing.demo_numbers``) were bought the month before last and renewed last
month: their purchase is booked with the clock set to the day they were bought, and last
month's renewal is charged by the renewal job's own service (``number_advance``) with the clock
set to the morning the period began, after a payment of exactly that price into each wallet
(so the balances the demo's story needs stay as they were: Globex covers its next renewals,
Initech's wallet is empty again). Then last month is closed by the service the beat job and
``manage.py invoices close`` run: Globex receives its reseller's invoice for the month, the
reseller the platform's. Running the seed again charges and issues nothing twice (the charge is
unique per number and period, the close skips what it invoiced).

The clock: ledger rows, charges and audit events take their time from ``timezone.now()`` (the
ledger's ``created_at`` is ``auto_now_add``), so the seed moves that one function, for the
seed's own process only, while it writes the past.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from unittest import mock

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from customers.models import Membership, Reseller
from inventory.models import Number

from .invoices.close import CloseResult, invoices_close
from .invoices.models import IssuerProfile
from .money import to_minor
from .renewals.charging import number_advance
from .renewals.models import RenewalCharge
from .renewals.schedule import local_date, local_midnight, period_start
from .wallets import wallet_of, wallet_top_up

RENEWED_AT = dt.timedelta(hours=9)  # after local midnight, the morning the period began


@contextlib.contextmanager
def demo_clock(moment: dt.datetime) -> Iterator[None]:
    """``timezone.now()`` answers ``moment`` (the seed's process only, while it writes)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def demo_anchor(today: dt.date, days: int) -> dt.date:
    """The day a demo number was bought: two months before its next period (``days`` after
    ``today``), so that its first renewal fell last month. Near a month's end that renewal
    would fall this month: the number was then bought on the last day of the month before
    last, renewed on last month's last day, and its next period comes a few days sooner (at
    the very end of a month it can be due at once: the renewal job then charges it)."""
    anchor = today + dt.timedelta(days=days) - relativedelta(months=2)
    this_month = today.replace(day=1)
    if period_start(anchor, "monthly", 1) >= this_month:
        anchor = this_month - relativedelta(months=1) - dt.timedelta(days=1)
    return anchor


def demo_history_ensure(*, admin, owner, numbers: Iterable[Number]) -> CloseResult:
    """Charge each demo number's renewal of last month (once), then close last month."""
    numbers = list(numbers)
    for reseller in {number.reseller for number in numbers}:
        _issuer_profile_ensure(reseller)
    IssuerProfile.objects.get_or_create(
        reseller=None,
        defaults={"legal_name": "didhub Platform Ltd", "address": "1 Exchange Square\nLondon",
                  "country": "GB", "invoice_prefix": "DH", "footer": "didhub (demo)"},
    )  # fmt: skip
    for number in numbers:
        _renew_last_month(number, admin=admin, owner=owner)
    return invoices_close(now=timezone.now(), email=False)


def _renew_last_month(number: Number, *, admin, owner) -> None:
    zone = number.reseller.time_zone
    start = number.next_period_start
    this_month = local_date(timezone.now(), zone).replace(day=1)
    if start is None or not this_month - relativedelta(months=1) <= start < this_month:
        return  # not a number bought the month before last (or renewed already)
    if RenewalCharge.objects.filter(number=number, period_start=start).exists():
        return
    moment = local_midnight(start, zone) + RENEWED_AT
    with demo_clock(moment):
        demo_payments(
            number, admin=admin, owner=owner, key=f"demo-renewal:{number.e164}",
            reference=f"DEMO-RENEW-{number.e164[-4:]}",
        )  # fmt: skip
        result = number_advance(number_id=number.pk, now=moment)
    if result.charged != 1:
        raise RuntimeError(f"the demo renewal of {number.e164} was not charged: {result}")


def demo_payments(number: Number, *, admin, owner, key: str, reference: str) -> None:
    """The payments that covered one charge of ``number``: its retail price into the client's
    wallet (recorded by the reseller's owner) and its wholesale price into the reseller's (by
    the platform's admin), so the demo's balances stay as they were after the charge."""
    for actor, membership, wallet, amount in (
        (owner, Membership.objects.get(user=owner), wallet_of(number.client),
         number.retail_period),
        (admin, None, wallet_of(number.reseller), number.wholesale_period),
    ):  # fmt: skip
        wallet_top_up(
            actor=actor, membership=membership, wallet=wallet,
            amount_minor=to_minor(amount, number.currency), method="bank_transfer",
            reference=reference, idempotency_key=key,
        )  # fmt: skip


def _issuer_profile_ensure(reseller: Reseller) -> None:
    """The reseller's invoice details, unless its owner set them (prices include tax: what
    the wallets pay does not change)."""
    IssuerProfile.objects.get_or_create(
        reseller=reseller,
        defaults={
            "legal_name": reseller.name,
            "address": "350 Fifth Avenue\nNew York, NY 10118",
            "country": "US",
            "invoice_prefix": "INV",
            "footer": f"Questions about this invoice: {reseller.support_email}",
        },
    )
