"""Tax: included (split out of the gross), added on top (posted to tax payable in the charge's
own ledger transaction, at checkout and at renewal), EU B2B reverse charge; the invoice and the
ledger agree to the cent."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction

from billing import ledger
from billing.checkout import checkout_review, order_place
from billing.invoices.close import invoices_close
from billing.invoices.models import Invoice
from billing.invoices.tax import (
    TaxTerms,
    is_reverse_charge,
    split_gross,
    tax_on_top,
    vat_id_country,
)
from billing.models import AccountKind, Hold, LedgerAccount, OrderItem, Posting, RenewalCharge
from billing.settlement import item_settle
from inventory.models import DidGroup
from tests.billing.orders_helpers import add_to_cart, fund
from tests.billing.renewals.helpers import balance, tenants

from .helpers import D, clock, funded, issuer, ledger_sum, renewal_at, utc

NOV = dt.date(2026, 11, 1)
VALID_DE = "DE136695976"


@pytest.mark.parametrize(
    ("issuer_country", "country", "vat_id", "expected"),
    [
        ("FR", "DE", VALID_DE, True),
        ("FR", "DE", "DE 136 695 976", True),  # as people type it
        ("FR", "DE", "DE136695977", False),  # checksum wrong
        ("FR", "FR", "FR40303265045", False),  # same member state: domestic
        ("FR", "AT", VALID_DE, False),  # the id is of another state than the address
        ("US", "DE", VALID_DE, False),  # the issuer is not in the EU
        ("FR", "US", "", False),
        ("FR", "DE", "", False),  # B2C
        ("FR", "DE", "XX123", False),  # no such member state
    ],
)
def test_reverse_charge_needs_a_valid_vat_id_of_another_member_state(
    issuer_country, country, vat_id, expected
):
    assert (
        is_reverse_charge(issuer_country=issuer_country, country=country, vat_id=vat_id) is expected
    )


def test_greek_vat_ids_name_greece():
    assert vat_id_country("EL094259216") == "GR"


def test_tax_amounts_round_half_to_even_per_line():
    added = TaxTerms(rate=D("20"), added=True)
    assert tax_on_top(500, added) == 100
    assert tax_on_top(1, TaxTerms(rate=D("50"), added=True)) == 0  # 0.5 → 0
    assert tax_on_top(3, TaxTerms(rate=D("50"), added=True)) == 2  # 1.5 → 2
    assert tax_on_top(500, TaxTerms(rate=D("20"), added=True, reverse_charge=True)) == 0
    assert tax_on_top(500, TaxTerms(rate=D("20"))) == 0  # included: nothing on top
    assert split_gross(500, D("20")) == (417, 83)
    assert split_gross(-500, D("20")) == (-417, -83)
    assert split_gross(500, D("0")) == (500, 0)


@pytest.mark.django_db
def test_tax_added_on_top_of_a_renewal_is_posted_with_it_and_invoiced_to_the_cent():
    reseller, client, _owner = tenants()
    issuer(reseller, prices_include_tax=False, tax_rate=D("20"), country_tax_rates={"DE": "19"})
    client.billing_country = "DE"
    client.save()
    funded(client, 10_000)
    before = balance(client)
    number = renewal_at(client, utc(2026, 11, 3, 9), retail="5.55")

    charge = RenewalCharge.objects.get(number=number)
    assert (charge.retail_minor, charge.retail_tax_minor, charge.retail_tax_rate) == (
        555,
        105,
        D("19"),
    )  # 5.55 x 19 % = 1.0545 → 1.05
    assert before - balance(client) == 660
    txn = charge.transaction
    assert ledger_sum(AccountKind.TAX_PAYABLE, reseller=reseller, txn_ids=[txn.pk]) == 105
    assert ledger_sum(AccountKind.RESELLER_REVENUE, txn_ids=[txn.pk]) == 555
    assert sum(p.amount_minor for p in txn.postings.all()) == 0

    invoices_close(month=NOV, issuer_slug=reseller.slug, now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(client=client)
    assert (invoice.net_minor, invoice.tax_minor, invoice.gross_minor) == (555, 105, 660)
    assert invoice.tax_added_minor == 105
    assert invoice.tax_summary == [{"rate": "19.00", "net_minor": 555, "tax_minor": 105}]
    assert not invoice.reverse_charge


@pytest.mark.django_db
def test_reverse_charge_adds_no_tax_and_says_so():
    reseller, client, _owner = tenants()
    issuer(reseller, country="FR", prices_include_tax=False, tax_rate=D("20"))
    client.billing_country, client.tax_id = "DE", VALID_DE
    client.save()
    funded(client, 10_000)
    before = balance(client)
    renewal_at(client, utc(2026, 11, 3, 9), retail="5.00")
    assert before - balance(client) == 500
    assert not LedgerAccount.objects.filter(kind=AccountKind.TAX_PAYABLE).exists()

    invoices_close(month=NOV, issuer_slug=reseller.slug, now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(client=client)
    assert invoice.reverse_charge
    assert (invoice.net_minor, invoice.tax_minor, invoice.gross_minor) == (500, 0, 500)


@pytest.mark.django_db
def test_tax_included_by_default_changes_nothing_in_the_ledger():
    _reseller, client, _owner = tenants()
    funded(client, 10_000)
    number = renewal_at(client, utc(2026, 11, 3, 9), retail="5.00", wholesale="3.00")
    txn = RenewalCharge.objects.get(number=number).transaction
    kinds = sorted(txn.postings.values_list("account__kind", "amount_minor"))
    assert kinds == sorted(
        [
            (AccountKind.CLIENT_WALLET, -500),
            (AccountKind.RESELLER_REVENUE, 500),
            (AccountKind.RESELLER_WALLET, -300),
            (AccountKind.PLATFORM_REVENUE, 200),  # 3.00 wholesale - 1.00 cost, one currency
            (AccountKind.PROVIDER_PAYABLE, 100),
        ]
    )


@pytest.mark.django_db
def test_the_platforms_tax_on_top_is_charged_to_the_reseller_wallet():
    reseller, client, _owner = tenants()
    issuer(None, legal_name="Platform", prices_include_tax=False, tax_rate=D("10"))
    funded(client, 10_000)
    before = balance(reseller)
    number = renewal_at(client, utc(2026, 11, 3, 9), retail="5.00", wholesale="3.00")
    assert before - balance(reseller) == 330
    charge = RenewalCharge.objects.get(number=number)
    assert ledger_sum(AccountKind.TAX_PAYABLE, txn_ids=[charge.transaction_id]) == 30
    invoices_close(month=NOV, issuer_slug="platform", now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(recipient_reseller=reseller)
    assert (invoice.net_minor, invoice.tax_minor, invoice.gross_minor) == (300, 30, 330)


@pytest.fixture
def no_provisioning(monkeypatch):
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


@pytest.mark.django_db
def test_checkout_holds_tax_on_top_and_a_partial_delivery_captures_its_exact_share(
    shop, no_provisioning
):
    reseller, client = shop["reseller"], shop["client"]
    issuer(reseller, prices_include_tax=False, tax_rate=D("21"))
    fund(shop)
    group = DidGroup.objects.get(external_id="us-3")
    item = add_to_cart(shop, group, quantity=3)
    review = checkout_review(client=client, item_ids=[item.pk])
    assert review.tax_minor > 0
    before = balance(client)
    with clock(utc(2026, 11, 10, 12)):
        order, _ = order_place(
            client=client, user=shop["client_user"], idempotency_key=uuid.uuid4().hex,
            item_ids=[item.pk],
        )  # fmt: skip
    order_item = OrderItem.objects.get(order=order)
    hold = Hold.objects.get(item=order_item, wallet__kind=AccountKind.CLIENT_WALLET)
    each = hold.amount_minor // 3 - hold.tax_minor // 3  # retail per number, before tax
    assert hold.tax_minor == 3 * tax_on_top(each, TaxTerms(rate=D("21"), added=True))
    assert hold.tax_minor > 0
    assert before - balance(client) == hold.amount_minor == review.total_minor
    assert order.retail_tax_minor == hold.tax_minor

    with clock(utc(2026, 11, 10, 12, 5)), transaction.atomic():
        item_settle(order_item, ["+17182010001", "+17182010002"])  # 2 of 3 delivered

    capture = Posting.objects.filter(
        transaction__order=order, transaction__kind="capture", account__kind="tax_payable"
    ).get()
    assert capture.amount_minor == hold.tax_minor * 2 // 3
    assert before - balance(client) == hold.amount_minor * 2 // 3  # the third is refunded

    invoices_close(month=NOV, issuer_slug=reseller.slug, now=utc(2026, 12, 1, 9), email=False)
    invoice = Invoice.objects.get(client=client)
    assert invoice.gross_minor == hold.amount_minor * 2 // 3
    assert invoice.tax_minor == capture.amount_minor
    assert invoice.tax_added_minor == capture.amount_minor
    assert {line.quantity for line in invoice.lines.all()} == {2}
    # hold, capture, refund
    assert ledger.LedgerTransaction.objects.filter(order=order).count() == 3


@pytest.mark.django_db
def test_an_orders_margin_leaves_out_the_tax_added_on_top(shop, no_provisioning):
    from billing.models import Order
    from billing.selectors_orders import with_settlement

    reseller, client = shop["reseller"], shop["client"]
    issuer(reseller, prices_include_tax=False, tax_rate=D("20"))
    issuer(None, legal_name="Platform", prices_include_tax=False, tax_rate=D("10"))
    fund(shop)
    item = add_to_cart(shop, DidGroup.objects.get(external_id="us-3"), quantity=2)
    order, _ = order_place(
        client=client, user=shop["client_user"], idempotency_key=uuid.uuid4().hex,
        item_ids=[item.pk],
    )  # fmt: skip
    order_item = OrderItem.objects.get(order=order)
    with transaction.atomic():
        item_settle(order_item, ["+17182010001", "+17182010002"])
    settled = with_settlement(Order.objects.filter(pk=order.pk)).get()
    retail = Hold.objects.get(item=order_item, wallet__kind=AccountKind.CLIENT_WALLET)
    wholesale = Hold.objects.get(item=order_item, wallet__kind=AccountKind.RESELLER_WALLET)
    assert retail.tax_minor > 0 and wholesale.tax_minor > 0
    assert settled.margin_minor == (retail.amount_minor - retail.tax_minor) - (
        wholesale.amount_minor - wholesale.tax_minor
    )


@pytest.mark.django_db
def test_the_seven_day_warning_counts_the_tax_added_on_top():
    from django.core import mail

    from billing.renewals.notices import renewals_warn_upcoming
    from customers.models import Role
    from tests.billing.renewals.helpers import make_number, top_up
    from tests.factories import client_member

    reseller, client, _owner = tenants()
    issuer(reseller, prices_include_tax=False, tax_rate=D("20"))
    client_member(client, Role.CLIENT_ADMIN)
    top_up(client, 500)  # covers the 5.00 price, not the 6.00 charged
    make_number(client, anchor=dt.date(2026, 10, 20), retail="5.00")
    assert renewals_warn_upcoming(now=utc(2026, 11, 15)) == 1
    assert "6.00" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_renewal_job_posts_tax_on_top_in_bulk_too():
    from billing.renewals.charging import renewals_run
    from tests.billing.renewals.helpers import make_number

    reseller, client, _owner = tenants()
    issuer(reseller, prices_include_tax=False, tax_rate=D("20"))
    issuer(None, legal_name="Platform", prices_include_tax=False, tax_rate=D("10"))
    funded(client, 10_000)
    numbers = [make_number(client, anchor=dt.date(2026, 10, 3), retail="5.00") for _ in range(3)]
    moment = utc(2026, 11, 3, 1)
    with clock(moment):
        assert renewals_run(now=moment).charged == 3

    charges = RenewalCharge.objects.filter(number__in=numbers)
    assert {(c.retail_tax_minor, c.wholesale_tax_minor) for c in charges} == {(100, 30)}
    txn_ids = [c.transaction_id for c in charges]
    assert ledger_sum(AccountKind.TAX_PAYABLE, reseller=reseller, txn_ids=txn_ids) == 300
    assert ledger_sum(AccountKind.TAX_PAYABLE, txn_ids=txn_ids) == 390
    assert -ledger_sum(AccountKind.CLIENT_WALLET, txn_ids=txn_ids) == 1800
