"""Charges at chosen moments (the ledger stamps transactions with the clock, so the clock is
moved), issuers with tax settings, and the ledger's own sums to compare invoices with."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from dateutil.relativedelta import relativedelta
from django.db.models import Sum

from billing.invoices.models import IssuerProfile
from billing.models import AccountKind, Posting
from billing.renewals.charging import number_advance
from billing.renewals.schedule import local_date
from customers.models import Client, Reseller
from inventory.models import Number
from tests.billing.renewals.helpers import make_number, top_up

D = Decimal


@contextlib.contextmanager
def clock(moment: dt.datetime):
    """Everything that reads ``timezone.now`` (``auto_now_add`` too) sees ``moment``."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def funded(client: Client, minor: int = 100_000) -> Client:
    top_up(client, minor)
    top_up(client.reseller, minor)
    return client


def renewal_at(client: Client, moment: dt.datetime, **prices) -> Number:
    """A number whose next period starts on ``moment``'s local day, charged at ``moment``."""
    day = local_date(moment, client.reseller.time_zone)
    number = make_number(client, anchor=day - relativedelta(months=1), **prices)
    with clock(moment):
        result = number_advance(number_id=number.pk, now=moment)
    assert result.charged == 1, result
    number.refresh_from_db()
    return number


def issuer(reseller: Reseller | None, **fields) -> IssuerProfile:
    defaults = {"legal_name": "Wave Voice Ltd", "country": "FR", "invoice_prefix": "WAVE"}
    profile, _created = IssuerProfile.objects.update_or_create(
        reseller=reseller, defaults={**defaults, **fields}
    )
    return profile


def ledger_sum(kind: str, *, reseller=None, client=None, txn_ids=None) -> int:
    postings = Posting.objects.filter(account__kind=kind)
    if reseller is not None:
        postings = postings.filter(account__reseller=reseller)
    if client is not None:
        postings = postings.filter(account__client=client)
    if txn_ids is not None:
        postings = postings.filter(transaction_id__in=txn_ids)
    return postings.aggregate(total=Sum("amount_minor"))["total"] or 0


WALLET = AccountKind.CLIENT_WALLET
