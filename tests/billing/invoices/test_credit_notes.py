"""Credit notes: the reseller's owner, a reason, at most what is creditable, booked to the
client's wallet as its own balanced transaction, numbered in their own series."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.invoices.close import reseller_month_close
from billing.invoices.credit_notes import credit_note_issue, creditable_minor
from billing.invoices.models import Invoice, Series
from billing.models import AccountKind, LedgerTransaction
from customers.models import Role
from tests.billing.renewals.helpers import balance, tenants
from tests.factories import reseller_member

from .helpers import D, funded, issuer, ledger_sum, renewal_at, utc

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def _invoice(**profile) -> tuple[Invoice, object]:
    reseller, client, owner = tenants()
    issuer(reseller, **profile)
    funded(client)
    renewal_at(client, utc(2026, 11, 9, 10), retail="10.00")
    reseller_month_close(reseller=reseller, month=NOV, now=utc(2026, 12, 1, 9), email=False)
    return Invoice.objects.get(client=client), owner


def test_a_credit_note_credits_the_wallet_and_references_the_invoice():
    invoice, owner = _invoice(tax_rate=D("20"))
    client = invoice.client
    before = balance(client)

    note = credit_note_issue(actor=owner, invoice=invoice, amount_minor=300, reason="Outage")

    assert note.kind == Series.CREDIT_NOTE
    assert note.corrects == invoice
    assert note.number == "WAVE-CN-2026-000001"
    assert (note.net_minor, note.tax_minor, note.gross_minor) == (250, 50, 300)
    assert balance(client) - before == 300
    txn = note.transaction
    assert sum(p.amount_minor for p in txn.postings.all()) == 0
    assert ledger_sum(AccountKind.RESELLER_REVENUE, txn_ids=[txn.pk]) == -300
    assert creditable_minor(invoice) == 700
    assert "Outage" in note.lines.get().description


def test_no_more_than_what_is_creditable():
    invoice, owner = _invoice()
    credit_note_issue(actor=owner, invoice=invoice, amount_minor=600, reason="Part")
    transactions = LedgerTransaction.objects.count()
    with pytest.raises(ValidationError) as refused:
        credit_note_issue(actor=owner, invoice=invoice, amount_minor=401, reason="Too much")
    assert "amount" in refused.value.error_dict
    assert LedgerTransaction.objects.count() == transactions
    last = credit_note_issue(actor=owner, invoice=invoice, amount_minor=400, reason="Rest")
    assert last.sequence == 2
    assert creditable_minor(invoice) == 0


@pytest.mark.parametrize(("amount", "reason"), [(0, "Zero"), (-5, "Negative"), (100, "  ")])
def test_an_amount_and_a_reason_are_needed(amount, reason):
    invoice, owner = _invoice()
    with pytest.raises(ValidationError):
        credit_note_issue(actor=owner, invoice=invoice, amount_minor=amount, reason=reason)
    assert not invoice.credit_notes.exists()


def test_only_the_issuing_resellers_owner_credits():
    invoice, _owner = _invoice()
    staff = reseller_member(invoice.issuer, Role.RESELLER_STAFF)
    with pytest.raises(PermissionDenied):
        credit_note_issue(actor=staff, invoice=invoice, amount_minor=100, reason="Staff")
    _stranger, _client, other_owner = tenants()
    with pytest.raises(PermissionDenied):
        credit_note_issue(actor=other_owner, invoice=invoice, amount_minor=100, reason="No")


def test_tax_added_on_top_is_taken_back_from_the_tax_account():
    invoice, owner = _invoice(prices_include_tax=False, tax_rate=D("20"))
    assert (invoice.gross_minor, invoice.tax_added_minor) == (1200, 200)
    note = credit_note_issue(actor=owner, invoice=invoice, amount_minor=600, reason="Half")
    txn = note.transaction
    assert ledger_sum(AccountKind.TAX_PAYABLE, txn_ids=[txn.pk]) == -100
    assert ledger_sum(AccountKind.RESELLER_REVENUE, txn_ids=[txn.pk]) == -500
    assert (note.net_minor, note.tax_minor) == (500, 100)


def test_a_credit_note_is_not_a_line_of_next_months_invoice():
    invoice, owner = _invoice()
    credit_note_issue(actor=owner, invoice=invoice, amount_minor=100, reason="Sorry")
    client = invoice.client
    renewal_at(client, utc(2026, 12, 9, 10), retail="1.00")
    reseller_month_close(
        reseller=client.reseller, month=dt.date(2026, 12, 1), now=utc(2027, 1, 1, 9), email=False
    )
    december = Invoice.objects.get(client=client, period_start=dt.date(2026, 12, 1))
    assert list(december.lines.values_list("gross_minor", flat=True)) == [100]
    assert december.number == "WAVE-2027-000001"  # a new year, a new series
