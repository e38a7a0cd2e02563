"""Gapless numbering: concurrent finalisations get consecutive numbers, a failure uses none."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from billing.invoices import close
from billing.invoices.close import reseller_month_close
from billing.invoices.models import DocumentSequence, Invoice
from billing.invoices.numbering import document_number
from tests.billing.renewals.helpers import tenants
from tests.factories import ClientFactory

from .helpers import funded, issuer, renewal_at, utc

NOV = dt.date(2026, 11, 1)
CLOSE_AT = utc(2026, 12, 1, 12)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_finalisations_get_consecutive_numbers():
    reseller, first, _owner = tenants()
    issuer(reseller, invoice_prefix="CC")
    clients = [first] + [ClientFactory(reseller=reseller) for _ in range(19)]
    for client in clients:
        funded(client)
        renewal_at(client, utc(2026, 11, 9, 10))
    start = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def finalise(client_id: int) -> None:
        try:
            start.wait()
            reseller_month_close(
                reseller=reseller, month=NOV, now=CLOSE_AT, client_ids=[client_id], email=False
            )
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalise, args=(c.pk,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    invoices = Invoice.objects.filter(issuer=reseller)
    assert sorted(invoices.values_list("sequence", flat=True)) == list(range(1, 21))
    assert sorted(invoices.values_list("number", flat=True)) == [
        f"CC-2026-{n:06d}" for n in range(1, 21)
    ]
    assert sorted(invoices.values_list("client_id", flat=True)) == sorted(c.pk for c in clients)
    assert DocumentSequence.objects.get(issuer_key=f"reseller:{reseller.pk}").last_number == 20


@pytest.mark.django_db
def test_a_failed_issue_uses_no_number(monkeypatch):
    reseller, client, _owner = tenants()
    funded(client)
    renewal_at(client, utc(2026, 11, 9, 10))

    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(close, "lines_insert", broken)
    with pytest.raises(RuntimeError):
        reseller_month_close(reseller=reseller, month=NOV, now=CLOSE_AT, email=False)
    assert not Invoice.objects.exists()
    monkeypatch.undo()

    reseller_month_close(reseller=reseller, month=NOV, now=CLOSE_AT, email=False)
    assert Invoice.objects.get().number == "INV-2026-000001"


def test_numbers_read_prefix_year_and_six_digits():
    assert document_number(prefix="wave", series="invoice", year=2027, sequence=42) == (
        "WAVE-2027-000042"
    )
    assert document_number(prefix="WAVE", series="credit_note", year=2027, sequence=1) == (
        "WAVE-CN-2027-000001"
    )


@pytest.mark.django_db(transaction=True)
def test_two_closes_of_one_month_at_once_issue_each_invoice_once():
    reseller, first, _owner = tenants()
    clients = [first] + [ClientFactory(reseller=reseller) for _ in range(4)]
    for client in clients:
        funded(client)
        renewal_at(client, utc(2026, 11, 9, 10))
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def close_all() -> None:
        try:
            start.wait()
            results.append(
                reseller_month_close(reseller=reseller, month=NOV, now=CLOSE_AT, email=False)
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(r.issued for r in results) == [0, 5]
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]
