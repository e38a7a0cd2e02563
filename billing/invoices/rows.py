"""Writing issued documents and their lines in bulk (the month close, credit notes)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import JSONField
from psycopg.types.json import Jsonb

from ..bulk import rows_copy, rows_insert
from . import charges
from .models import Invoice, InvoiceLine


def invoices_insert(invoices: list[Invoice]) -> None:
    """Insert the (unsaved) invoices and give each its id: on PostgreSQL in one statement over
    arrays (``billing.bulk``), JSON columns as jsonb; elsewhere Django's bulk_create."""
    if connection.vendor != "postgresql":
        Invoice.objects.bulk_create(invoices)
        return
    fields = [f for f in Invoice._meta.concrete_fields if not f.primary_key]
    columns = {
        f.attname: [Jsonb(getattr(i, f.attname)) for i in invoices]
        if isinstance(f, JSONField)
        else [getattr(i, f.attname) for i in invoices]
        for f in fields
    }
    ids = rows_insert(Invoice, columns)
    for invoice, pk in zip(invoices, ids, strict=True):
        invoice.pk = pk
        invoice._state.adding = False


_LINE_COLUMNS = (
    "invoice_id", "issuer_key", "source", "position", "kind", "description", "quantity",
    "supply_start", "supply_end", "tax_rate", "net_minor", "tax_minor", "gross_minor",
)  # fmt: skip


def lines_insert(rows: Iterable[tuple[int, str, int, charges.Line]]) -> None:
    """Write lines in one ``COPY`` (``billing.bulk.rows_copy``: a month close writes ~20 lines
    per invoice, and instances or bound arrays cost more than the database's work)."""
    rows_copy(
        InvoiceLine,
        _LINE_COLUMNS,
        (
            (invoice_id, issuer_key, line.source, position, line.kind, line.description[:240],
             line.quantity, line.supply_start, line.supply_end, line.tax_rate, line.net_minor,
             line.tax_minor, line.net_minor + line.tax_minor)
            for invoice_id, issuer_key, position, line in rows
        ),
    )  # fmt: skip
