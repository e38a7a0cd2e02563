"""``seed_demo``'s last month: the demo numbers renewed then by the renewal service, paid for
exactly, and last month closed: Globex's invoice (page and PDF), the reseller's from the
platform, figures that agree with the wallets, nothing issued twice."""

import datetime as dt
import io
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing.demo_history import demo_anchor
from billing.invoices.models import Invoice
from billing.models import AccountKind, Posting, RenewalCharge
from billing.money import to_minor
from billing.renewals.schedule import local_date, period_start
from customers.models import Client, Reseller, User
from inventory.models import Number
from reports.selectors import report_build
from tests.billing.reliability.conftest import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_mode(settings):
    settings.DEMO_MODE = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--no-sync", stdout=out)
    return out.getvalue()


def _last_month(reseller: Reseller) -> dt.date:
    return local_date(timezone.now(), reseller.time_zone).replace(day=1) - relativedelta(months=1)


def test_last_month_is_renewed_invoiced_and_agrees_with_the_wallets():
    text = seed()
    globex = Client.objects.select_related("reseller").get(name="Globex Corporation")
    reseller = globex.reseller
    month = _last_month(reseller)
    charges = RenewalCharge.objects.filter(period_start__gte=month)
    assert (
        charges.count() == charges.filter(period_start__lt=month + relativedelta(months=1)).count()
    )
    assert {c.transaction.created_at.date() >= month for c in charges} == {True}

    invoice = Invoice.objects.get(client=globex, period_start=month)
    assert invoice.number == f"INV-{invoice.year}-000001"
    assert invoice.issuer_id == reseller.pk
    lines = list(invoice.lines.all())
    held = Number.objects.filter(client=globex).count()  # one at each sandbox provider, at least
    assert len(lines) == charges.filter(client=globex).count() == held >= 4
    assert all(line.description.startswith("Renewal: ") for line in lines)
    paid = Posting.objects.filter(
        transaction__renewal_charge__in=charges.filter(client=globex),
        account__kind=AccountKind.CLIENT_WALLET,
    ).aggregate(total=Sum("amount_minor"))["total"]
    assert invoice.gross_minor == -paid == sum(line.gross_minor for line in lines)
    assert len(invoice.payments) == held  # the payments that covered them, listed
    assert invoice.number in text

    platform = Invoice.objects.get(recipient_reseller=reseller, period_start=month)
    wholesale = Posting.objects.filter(
        transaction__renewal_charge__in=charges, account__kind=AccountKind.RESELLER_WALLET
    ).aggregate(total=Sum("amount_minor"))["total"]
    assert platform.issuer_id is None and platform.gross_minor == -wholesale
    assert Invoice.objects.filter(client__name="Initech", period_start=month).count() == 1
    assert_ledger_sound()

    seed()  # again: nothing charged or issued twice
    assert Invoice.objects.count() == 3
    assert RenewalCharge.objects.count() == charges.count()


def test_the_demo_client_opens_last_months_invoice_and_its_pdf(client):
    seed()
    globex = Client.objects.get(name="Globex Corporation")
    invoice = Invoice.objects.get(client=globex)
    client.force_login(User.objects.get(email="client@example.com"))
    assert invoice.number in client.get(reverse("billing:invoices")).content.decode()
    page = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert "+12125550141" in page
    pdf = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert invoice.number in text and "+12125550141" in text
    client.force_login(User.objects.get(email="reseller@example.com"))
    received = client.get(reverse("billing:platform_invoices")).content.decode()
    assert Invoice.objects.get(recipient_reseller__isnull=False).number in received


@pytest.mark.parametrize("days", [2, 3, 6, 10])
def test_a_demo_numbers_renewal_falls_last_month_whatever_the_day(days):
    day = dt.date(2026, 1, 1)
    while day < dt.date(2027, 1, 1):
        anchor = demo_anchor(day, days)
        this_month = day.replace(day=1)
        renewed = period_start(anchor, "monthly", 1)
        assert this_month - relativedelta(months=1) <= renewed < this_month, (day, days)
        next_start = period_start(anchor, "monthly", 2)
        assert next_start <= day + dt.timedelta(days=days), (day, days)
        # Due within two weeks; at the very end of a month at worst a day or two ago.
        assert next_start >= day - dt.timedelta(days=3), (day, days)
        day += dt.timedelta(days=1)


def test_the_reports_see_each_month_at_its_margin():
    """The demo's purchases (the month before last) and renewals (last month) count in the
    reseller's reports with the wholesale it paid, not at a 100% margin."""
    seed()
    reseller = Client.objects.get(name="Globex Corporation").reseller
    last = _last_month(reseller)
    months = {m.month: m for m in report_build(reseller=reseller).months}
    numbers = list(Number.objects.filter(reseller=reseller))
    retail = sum(to_minor(n.retail_period, n.currency) for n in numbers)
    wholesale = sum(to_minor(n.wholesale_period, n.currency) for n in numbers)
    for month in (last - relativedelta(months=1), last):  # bought, then renewed
        figures = months[month]
        assert (figures.revenue.minor, figures.wholesale.minor) == (retail, wholesale)
        assert figures.margin.minor == retail - wholesale > 0
