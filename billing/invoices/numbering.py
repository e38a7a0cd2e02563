"""Gapless document numbers: ``{PREFIX}-{YYYY}-{000001}`` per issuer, series and year.

Numbers come from the issuer's ``DocumentSequence`` row, locked (``SELECT … FOR UPDATE``) in
the transaction that writes the documents: concurrent issuers queue on the row and get
consecutive numbers; a transaction that fails rolls the row back with its documents, so no
number is lost. Never ``MAX()+1``.
"""

from __future__ import annotations

from django.db import transaction

from .models import DocumentSequence, Series


def sequence_lock(*, issuer_key: str, series: str, year: int) -> DocumentSequence:
    """The series' row, locked until the transaction ends: whoever holds it is the only one
    issuing in that series (two month closes of one issuer queue here)."""
    # The row exists from the first document of the year on; creating it cannot race (a
    # conflicting insert is ignored and the row is then locked like any other time).
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(issuer_key=issuer_key, series=series, year=year)],
        ignore_conflicts=True,
    )
    return DocumentSequence.objects.select_for_update().get(
        issuer_key=issuer_key, series=series, year=year
    )


def numbers_take(*, issuer_key: str, series: str, year: int, count: int) -> list[int]:
    """The next ``count`` numbers of the series; must run inside the documents' transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are taken inside the transaction that issues the documents")
    if count <= 0:
        return []
    row = sequence_lock(issuer_key=issuer_key, series=series, year=year)
    first = row.last_number + 1
    row.last_number += count
    row.save(update_fields=["last_number"])
    return list(range(first, first + count))


def document_number(*, prefix: str, series: str, year: int, sequence: int) -> str:
    prefix = (prefix or "INV").strip().upper()
    if series == Series.CREDIT_NOTE:
        prefix = f"{prefix}-CN"
    return f"{prefix}-{year}-{sequence:06d}"
