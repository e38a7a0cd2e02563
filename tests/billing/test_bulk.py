"""billing.bulk: the renewal job's set-based writes give the same rows as Django's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.bulk import rows_insert, rows_set
from billing.models import LedgerTransaction, TransactionKind
from customers.models import Client
from tests.factories import ClientFactory, ResellerFactory


@pytest.mark.django_db
def test_rows_insert_gives_each_row_its_own_id_in_order():
    client = ClientFactory(reseller=ResellerFactory())
    when = timezone.now() - dt.timedelta(days=3)
    memos = [f"row {i}" for i in range(7)]
    ids = rows_insert(
        LedgerTransaction,
        {
            "kind": [TransactionKind.RENEWAL] * 7,
            "memo": memos,
            "idempotency_key": [f"bulk:{i}" if i % 2 else None for i in range(7)],
            "reseller_id": [client.reseller_id] * 7,
            "client_id": [client.pk if i < 3 else None for i in range(7)],
            "order_id": [None] * 7,
            "payment_method": [""] * 7,
            "payment_reference": [""] * 7,
            "created_by_id": [None] * 7,
            "approved_by_id": [None] * 7,
            "reverses_id": [None] * 7,
            "created_at": [when] * 7,
        },
    )
    assert len(set(ids)) == 7
    rows = LedgerTransaction.objects.in_bulk(ids)
    for i, pk in enumerate(ids):
        assert rows[pk].memo == memos[i]
        assert rows[pk].idempotency_key == (f"bulk:{i}" if i % 2 else None)
        assert rows[pk].client_id == (client.pk if i < 3 else None)
        assert rows[pk].created_at == when
    # The sequence moved past them: an ordinary insert gets a fresh id.
    assert LedgerTransaction.objects.create(kind=TransactionKind.RENEWAL).pk not in ids


@pytest.mark.django_db
def test_rows_insert_of_nothing_writes_nothing_and_ragged_columns_are_refused():
    assert rows_insert(LedgerTransaction, {}) == []
    assert rows_insert(LedgerTransaction, {"kind": [], "memo": []}) == []
    with pytest.raises(ValueError, match="one value per row"):
        rows_insert(LedgerTransaction, {"kind": ["renewal"], "memo": []})
    assert not LedgerTransaction.objects.exists()


@pytest.mark.django_db
def test_rows_set_writes_each_row_its_own_values():
    reseller = ResellerFactory()
    rows = [ClientFactory(reseller=reseller, name=f"Client {i}") for i in range(3)]
    for i, row in enumerate(rows):
        row.name = f"Renamed {i}"
    rows_set(Client, rows[:2], ["name"])
    assert [c.name for c in Client.objects.filter(reseller=reseller).order_by("pk")] == [
        "Renamed 0",
        "Renamed 1",
        "Client 2",
    ]
