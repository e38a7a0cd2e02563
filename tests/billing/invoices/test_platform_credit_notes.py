"""The platform's credit notes to resellers: a platform admin, a reason, at most what is
creditable, booked to the reseller's wallet out of the platform's revenue as its own balanced
transaction, numbered in the platform's credit-note series, audited; from the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from billing.invoices.close import invoices_close
from billing.invoices.credit_notes import creditable_minor, platform_credit_note_issue
from billing.invoices.models import Invoice, Series
from billing.models import AccountKind, LedgerTransaction
from tests.billing.renewals.helpers import balance, tenants
from tests.factories import UserFactory

from .helpers import funded, issuer, ledger_sum, renewal_at, utc

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def platform_invoice() -> Invoice:
    reseller, client, _owner = tenants()
    issuer(reseller)
    issuer(None, legal_name="Platform SAS", invoice_prefix="PF")
    funded(client)
    renewal_at(client, utc(2026, 11, 9, 10), retail="10.00", wholesale="6.00")
    invoices_close(month=NOV, now=utc(2026, 12, 1, 9), email=False)
    return Invoice.objects.get(recipient_reseller=reseller)


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


def test_a_platform_credit_note_credits_the_resellers_wallet(platform_invoice, admin_user):
    reseller = platform_invoice.recipient_reseller
    before = balance(reseller)
    gross = platform_invoice.gross_minor

    note = platform_credit_note_issue(
        user=admin_user, invoice=platform_invoice, amount_minor=200, reason="Provider outage"
    )

    assert note.kind == Series.CREDIT_NOTE and note.corrects == platform_invoice
    assert note.number == "PF-CN-2026-000001"
    assert note.issuer_id is None and note.recipient_reseller == reseller
    assert note.issuer_snapshot["name"] == "Platform SAS"
    assert balance(reseller) - before == 200
    txn = note.transaction
    assert sum(p.amount_minor for p in txn.postings.all()) == 0
    assert ledger_sum(AccountKind.PLATFORM_REVENUE, txn_ids=[txn.pk]) == -200
    assert ledger_sum(AccountKind.RESELLER_WALLET, txn_ids=[txn.pk]) == 200
    assert creditable_minor(platform_invoice) == gross - 200
    event = AuditEvent.objects.get(target_label=note.number)
    assert event.changes["reason"] == "Provider outage"
    with pytest.raises(ValidationError) as refused:
        platform_credit_note_issue(user=admin_user, invoice=platform_invoice,
                                   amount_minor=gross - 199, reason="Too much")  # fmt: skip
    assert "amount" in refused.value.error_dict


def test_only_a_platform_admin_credits_only_the_platforms_invoices(platform_invoice, admin_user):
    transactions = LedgerTransaction.objects.count()
    with pytest.raises(PermissionDenied):
        platform_credit_note_issue(user=UserFactory(), invoice=platform_invoice,
                                   amount_minor=100, reason="No")  # fmt: skip
    client_invoice = Invoice.objects.get(client__isnull=False)
    with pytest.raises(ValidationError):
        platform_credit_note_issue(user=admin_user, invoice=client_invoice,
                                   amount_minor=100, reason="Not ours")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        platform_credit_note_issue(user=admin_user, invoice=platform_invoice,
                                   amount_minor=100, reason="   ")  # fmt: skip
    assert "reason" in refused.value.error_dict
    assert LedgerTransaction.objects.count() == transactions


def test_the_admin_issues_it_from_the_invoice_and_the_reseller_sees_it(
    client, platform_invoice, admin_user
):
    client.force_login(admin_user)
    change = reverse("admin:billing_invoice_change", args=[platform_invoice.pk])
    url = reverse("admin:billing_invoice_credit_note", args=[platform_invoice.pk])
    assert url in client.get(change).content.decode()
    refused = client.post(url, {"amount": "0.00", "reason": "x"})
    assert refused.status_code == 200 and not Invoice.objects.filter(kind="credit_note").exists()
    response = client.post(url, {"amount": "1.50", "reason": "Outage"})
    note = Invoice.objects.get(kind="credit_note")
    assert response.status_code == 302 and note.gross_minor == 150
    client_invoice = Invoice.objects.get(client__isnull=False, kind="invoice")
    assert (
        client.get(
            reverse("admin:billing_invoice_credit_note", args=[client_invoice.pk])
        ).status_code
        == 404
    )

    from tests.factories import reseller_member

    client.force_login(reseller_member(platform_invoice.recipient_reseller).user)
    received = client.get(reverse("billing:platform_invoices")).content.decode()
    assert note.number in received
    assert client.get(reverse("billing:invoice", args=[note.pk])).status_code == 200
