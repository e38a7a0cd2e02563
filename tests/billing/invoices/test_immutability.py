"""An issued invoice never changes: the database refuses it; later changes of either party's
details do not reach it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing.invoices.close import reseller_month_close
from billing.invoices.models import Invoice, InvoiceLine
from tests.billing.renewals.helpers import tenants

from .helpers import funded, issuer, renewal_at, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    reseller, client, _owner = tenants()
    issuer(reseller, address="1 Rue de la Paix\nParis")
    client.billing_name, client.billing_address = "Globex SA", "5 Main St"
    client.save()
    funded(client)
    renewal_at(client, utc(2026, 11, 9, 10))
    reseller_month_close(
        reseller=reseller, month=dt.date(2026, 11, 1), now=utc(2026, 12, 1, 9), email=False
    )
    return Invoice.objects.get(client=client)


def test_the_database_refuses_to_change_or_delete_an_issued_invoice(invoice):
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(gross_minor=1, net_minor=1)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(recipient_snapshot={"name": "Other"})
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice).update(description="changed")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice).delete()
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,  # past the ORM's own PROTECT
    ):
        cursor.execute("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    # Only the mailing stamp may be set.
    assert Invoice.objects.filter(pk=invoice.pk).update(emailed_at=timezone.now()) == 1


def test_later_changes_of_address_do_not_reach_an_issued_invoice(invoice):
    client = invoice.client
    client.billing_address = "Moved away"
    client.save()
    profile = invoice.issuer.issuer_profile
    profile.address = "Elsewhere"
    profile.save()
    invoice.refresh_from_db()
    assert invoice.recipient_snapshot["address"] == "5 Main St"
    assert invoice.recipient_snapshot["name"] == "Globex SA"
    assert invoice.issuer_snapshot["address"] == "1 Rue de la Paix\nParis"


def test_there_is_one_platform_profile():
    from billing.invoices.models import IssuerProfile

    IssuerProfile.objects.create(reseller=None, legal_name="Platform")
    with pytest.raises(DatabaseError), transaction.atomic():
        IssuerProfile.objects.create(reseller=None, legal_name="Another", time_zone="Europe/Paris")
