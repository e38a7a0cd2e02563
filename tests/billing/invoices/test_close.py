"""The month close: one invoice per client with charges, lines with supply periods, tax per
rate, payments listed apart; nothing for an empty month; a second run issues nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.invoices.close import invoices_close, reseller_month_close
from billing.invoices.models import Invoice, InvoiceLine
from billing.models import AccountKind, RenewalCharge
from tests.billing.renewals.helpers import tenants, top_up
from tests.factories import ClientFactory

from .helpers import D, clock, funded, issuer, ledger_sum, renewal_at, utc

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
CLOSE_AT = utc(2026, 12, 1, 12)


def test_a_month_of_renewals_is_one_invoice_agreeing_with_the_ledger():
    reseller, client, _owner = tenants()
    issuer(reseller, tax_rate=D("20"))  # prices include 20 %
    funded(client)
    first = renewal_at(client, utc(2026, 11, 3, 9), retail="5.00")
    renewal_at(client, utc(2026, 11, 20, 9), retail="7.50")

    result = invoices_close(month=NOV, issuer_slug=reseller.slug, now=CLOSE_AT, email=False)

    assert result.issued == 1
    invoice = Invoice.objects.get(client=client)
    assert invoice.number == f"WAVE-2026-{1:06d}"
    assert (invoice.period_start, invoice.period_end) == (NOV, dt.date(2026, 11, 30))
    lines = list(invoice.lines.order_by("position"))
    assert [line.gross_minor for line in lines] == [500, 750]
    # 5.00 incl. 20 %: 4.17 + 0.83; 7.50: 6.25 + 1.25 (per line, half to even)
    assert [(line.net_minor, line.tax_minor) for line in lines] == [(417, 83), (625, 125)]
    assert (lines[0].supply_start, lines[0].supply_end) == (
        dt.date(2026, 11, 3),
        dt.date(2026, 12, 2),
    )
    assert first.e164 in lines[0].description
    assert (invoice.net_minor, invoice.tax_minor, invoice.gross_minor) == (1042, 208, 1250)
    assert invoice.tax_summary == [{"rate": "20.00", "net_minor": 1042, "tax_minor": 208}]
    charged = RenewalCharge.objects.filter(client=client).values_list("transaction", flat=True)
    assert -ledger_sum(AccountKind.CLIENT_WALLET, txn_ids=charged) == invoice.gross_minor
    assert ledger_sum(AccountKind.RESELLER_REVENUE, txn_ids=charged) == invoice.gross_minor


def test_top_ups_are_payments_not_lines_and_a_month_without_charges_has_no_invoice():
    reseller, client, _owner = tenants()
    idle = ClientFactory(reseller=reseller)
    with clock(utc(2026, 11, 2, 10)):
        funded(client, 20_000)
        top_up(idle, 5_000)
    renewal_at(client, utc(2026, 11, 4, 10))

    invoices_close(month=NOV, issuer_slug=reseller.slug, now=CLOSE_AT, email=False)

    invoice = Invoice.objects.get(client=client)
    assert [p["amount_minor"] for p in invoice.payments] == [20_000]
    assert invoice.lines.count() == 1
    assert invoice.gross_minor == 500
    assert not Invoice.objects.filter(client=idle).exists()


def test_closing_twice_issues_nothing_the_second_time(capsys):
    reseller, client, _owner = tenants()
    other = ClientFactory(reseller=reseller)
    for who in (client, other):
        funded(who)
        renewal_at(who, utc(2026, 11, 10, 10))

    call_command("invoices", "close", "--month", "2026-11", "--issuer", reseller.slug)
    call_command("invoices", "close", "--month", "2026-11", "--issuer", reseller.slug)

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2026-11: 2 invoices issued, 0 recipients invoiced before",
        "2026-11: 0 invoices issued, 2 recipients invoiced before",
    ]
    numbers = sorted(Invoice.objects.filter(issuer=reseller).values_list("sequence", flat=True))
    assert numbers == [1, 2]
    assert InvoiceLine.objects.count() == 2


@pytest.mark.parametrize("month", ["2026-13", "November", ""])
def test_the_command_refuses_a_bad_month_in_one_line(month):
    with pytest.raises(CommandError, match="month must look like 2026-11"):
        call_command("invoices", "close", "--month", month)


def test_the_command_refuses_an_unknown_issuer():
    with pytest.raises(CommandError, match="no reseller"):
        call_command("invoices", "close", "--month", "2026-11", "--issuer", "nobody")


def test_months_end_at_midnight_in_the_issuers_time_zone():
    reseller, client, _owner = tenants(time_zone="America/New_York")
    funded(client)
    # 1 Nov 03:00 UTC is still 31 Oct in New York; 1 Nov 05:00 UTC is its first moment of Nov.
    renewal_at(client, utc(2026, 11, 1, 3), retail="1.00")
    renewal_at(client, utc(2026, 11, 1, 5), retail="2.00")
    # 1 Dec 03:00 UTC is 30 Nov 22:00 in New York: November's.
    renewal_at(client, utc(2026, 12, 1, 3), retail="4.00")
    renewal_at(client, utc(2026, 12, 1, 5), retail="8.00")

    reseller_month_close(reseller=reseller, month=NOV, now=CLOSE_AT, email=False)

    invoice = Invoice.objects.get(client=client)
    assert invoice.gross_minor == 600
    assert sorted(invoice.lines.values_list("gross_minor", flat=True)) == [200, 400]


def test_by_default_the_previous_month_is_closed_in_the_issuers_time_zone():
    reseller, client, _owner = tenants(time_zone="Asia/Tokyo")
    funded(client)
    renewal_at(client, utc(2026, 11, 15, 3))
    # 30 Nov 16:00 UTC is already 1 Dec in Tokyo: November is over there.
    reseller_month_close(reseller=reseller, now=utc(2026, 11, 30, 16), email=False)
    assert Invoice.objects.get(client=client).period_start == NOV


def test_the_platform_invoices_its_resellers_at_wholesale():
    reseller, client, _owner = tenants()
    issuer(None, legal_name="Platform SAS", invoice_prefix="PF", time_zone="UTC")
    issuer(reseller)
    funded(client)
    renewal_at(client, utc(2026, 11, 5, 10), retail="5.00", wholesale="3.00")
    renewal_at(client, utc(2026, 11, 6, 10), retail="5.00", wholesale="3.00")

    result = invoices_close(month=NOV, now=CLOSE_AT, email=False)

    assert result.issued == 2
    platform = Invoice.objects.get(issuer=None, recipient_reseller=reseller)
    assert platform.number == "PF-2026-000001"
    assert platform.gross_minor == 600
    assert platform.recipient_snapshot["name"] == "Wave Voice Ltd"
    assert platform.issuer_snapshot["name"] == "Platform SAS"
    assert Invoice.objects.get(client=client).gross_minor == 1000


def test_each_issuer_numbers_its_own_invoices():
    reseller, client, _owner = tenants()
    second_reseller, second_client, _ = tenants()
    for who in (client, ClientFactory(reseller=reseller), second_client):
        funded(who)
        renewal_at(who, utc(2026, 11, 8, 10))
    invoices_close(month=NOV, now=CLOSE_AT, email=False)
    for owner in (reseller, second_reseller):
        issued = Invoice.objects.filter(issuer=owner).order_by("sequence")
        assert [i.number for i in issued] == [
            f"INV-2026-{n:06d}" for n in range(1, issued.count() + 1)
        ]


def test_the_beat_job_closes_last_month_in_the_first_days_of_the_next_only():
    from billing.tasks import invoices_close_task

    _reseller, client, _owner = tenants(time_zone="Europe/Paris")
    funded(client)
    renewal_at(client, utc(2026, 11, 10, 10))
    with clock(utc(2026, 11, 30, 22)):  # 23:00 in Paris: November is not over
        assert invoices_close_task() == 0
    with clock(utc(2026, 11, 30, 23, 30)):  # 00:30 on 1 December in Paris
        assert invoices_close_task() == 1
        assert invoices_close_task() == 0
    assert Invoice.objects.get(client=client).period_start == NOV
    with clock(utc(2026, 12, 10, 9)):  # mid-month: nothing is looked at
        assert invoices_close_task() == 0


def test_one_close_reads_the_resellers_together_each_with_its_zone_terms_and_numbers():
    """Resellers sharing a time zone are read together and the platform reuses their
    renewals when its window is theirs; each still invoices in its own zone, at its own
    terms, in its own series, and the platform's month is the platform's."""
    issuer(None, legal_name="Platform SAS", invoice_prefix="PF", time_zone="UTC")
    paris, paris_client, _ = tenants(time_zone="Europe/Paris")
    issuer(paris, tax_rate=D("20"), invoice_prefix="PAR")
    london, london_client, _ = tenants()
    issuer(london, invoice_prefix="LON")
    plain, plain_client, _ = tenants()
    for who in (paris_client, london_client, plain_client):
        funded(who)
    # 31 Oct 23:30 UTC is 1 Nov 00:30 in Paris: November's for Paris, October's for the
    # platform (UTC).
    renewal_at(paris_client, utc(2026, 10, 31, 23, 30), retail="5.00", wholesale="3.00")
    renewal_at(london_client, utc(2026, 11, 5, 10), retail="5.00", wholesale="3.00")
    renewal_at(plain_client, utc(2026, 11, 6, 10), retail="2.50", wholesale="1.00")

    result = invoices_close(month=NOV, now=CLOSE_AT, email=False)

    assert result.issued == 5
    paris_invoice = Invoice.objects.get(client=paris_client)
    assert paris_invoice.number == "PAR-2026-000001"
    assert (paris_invoice.net_minor, paris_invoice.tax_minor) == (417, 83)
    london_invoice = Invoice.objects.get(client=london_client)
    assert london_invoice.number == "LON-2026-000001"
    assert (london_invoice.net_minor, london_invoice.tax_minor) == (500, 0)
    assert Invoice.objects.get(client=plain_client).number == "INV-2026-000001"
    platform = dict(
        Invoice.objects.filter(issuer=None).values_list("recipient_reseller", "gross_minor")
    )
    assert platform == {london.pk: 300, plain.pk: 100}
    assert sorted(Invoice.objects.filter(issuer=None).values_list("sequence", flat=True)) == [
        1,
        2,
    ]
    again = invoices_close(month=NOV, now=CLOSE_AT, email=False)
    assert (again.issued, again.already) == (0, 5)
