"""Writing a batch of changed coverage groups and their SKUs.

On PostgreSQL the rows are streamed with COPY: groups new to the catalog (a first sync: all of
them) straight into the tables, with ids drawn from the sequence beforehand so their SKUs are
written in the same pass; changed groups into temporary tables merged with one
``INSERT … ON CONFLICT`` per table. Both are an order of magnitude faster than building model
instances (a profile showed Django's per-object work taking most of a 250k-group sync), and the
first skips the temporary tables, their statistics and the merge (a third of the database's work
in a first sync). Other databases (the SQLite demo) use ``bulk_create``.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection

from .models import DidGroup, Sku

GROUP_COLUMNS = (
    "external_id", "country_id", "region_id", "city_id", "npa", "nxx", "area_prefix",
    "area_name", "number_type", "area_key", "voice", "sms", "fax", "emergency",
    "needs_registration", "available_count", "available_numbers", "monthly_price",
    "setup_price", "content_hash",
)  # fmt: skip
SKU_COLUMNS = ("group_external_id", "external_id", "setup_price", "monthly_price", "channels")


# A group's row is a tuple in ``GROUP_COLUMNS`` order, a SKU's in ``SKU_COLUMNS`` order: a sync
# writes hundreds of thousands of them, and an object per row cost more than writing it.
GroupRow = tuple
SkuRow = tuple
_NUMBERS = GROUP_COLUMNS.index("available_numbers")
# Syncs of one account wait for each other (pg_advisory_xact_lock's first key: this feature).
_SYNC_LOCK = 0x5C_0001


def _json_list(values: list[str]) -> str:
    """``json.dumps(values)``, spelled directly where nothing needs escaping (no numbers, or
    E.164 numbers: printable ASCII without quotes or backslashes), as most groups' are."""
    if not values:
        return "[]"
    text = "".join(values)
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '["' + '", "'.join(values) + '"]'
    return json.dumps(values)


def lock_account(account_id: int) -> None:
    """Hold this account's sync lock until the transaction ends (PostgreSQL; other databases
    write one transaction at a time anyway). With it held, groups not in the catalog when the
    sync started cannot appear meanwhile, so they are inserted without a conflict check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SYNC_LOCK, account_id])


def write_batch(
    *,
    account_id: int,
    currency: str,
    groups: list[GroupRow],
    skus: list[SkuRow],
    now: datetime,
    new: bool = False,
) -> None:
    """Insert or update the groups and their SKUs (SKUs they dropped are retired by the caller).

    ``new``: none of the groups is in the catalog yet, and the caller holds the account's sync
    lock (``lock_account``): they are inserted straight into the tables, without a merge."""
    if connection.vendor != "postgresql":
        _write_orm(account_id, currency, groups, skus, now)
    elif new:
        _insert_postgres(account_id, currency, groups, skus, now)
    else:
        _write_postgres(account_id, currency, groups, skus, now)


_GROUP_INSERT = (
    "COPY inventory_didgroup (id, account_id, currency, synced_at, retired_at, "
    f"{', '.join(GROUP_COLUMNS)}) FROM STDIN"
)
_SKU_INSERT = (
    "COPY inventory_sku (group_id, external_id, setup_price, monthly_price, channels, currency, "
    "retired_at) FROM STDIN"
)


def _insert_postgres(account_id, currency, groups, skus, now) -> None:
    """New groups and their SKUs, COPYed into the tables with ids drawn from the sequence
    first: no temporary tables, no merge, no join to find the groups' ids."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            "SELECT nextval(pg_get_serial_sequence('inventory_didgroup', 'id')) "
            "FROM generate_series(1, %s)",
            [len(groups)],
        )
        ids = [row[0] for row in raw.fetchall()]
        head = (account_id, currency, now, None)
        with raw.copy(_GROUP_INSERT) as copy:
            write = copy.write_row
            for pk, g in zip(ids, groups, strict=True):
                write((pk, *head, *g[:_NUMBERS], _json_list(g[_NUMBERS]), *g[_NUMBERS + 1 :]))
        group_ids = {g[0]: pk for pk, g in zip(ids, groups, strict=True)}
        tail = (currency, None)
        with raw.copy(_SKU_INSERT) as copy:
            write = copy.write_row
            for s in skus:
                write((group_ids[s[0]], *s[1:], *tail))


_CREATE_TEMP = """
CREATE TEMP TABLE IF NOT EXISTS sync_group (
    external_id text, country_id varchar(2), region_id varchar(10), city_id bigint, npa text,
    nxx text, area_prefix text, area_name text, number_type text, area_key text, voice bool,
    sms bool, fax bool, emergency bool, needs_registration bool, available_count int,
    available_numbers jsonb, monthly_price numeric, setup_price numeric, content_hash text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS sync_sku (
    group_external_id text, external_id text, setup_price numeric, monthly_price numeric,
    channels int
) ON COMMIT DROP;
TRUNCATE sync_group, sync_sku;
"""

_COLUMN_LIST = ", ".join(GROUP_COLUMNS)
_MERGE_GROUPS = f"""
INSERT INTO inventory_didgroup (account_id, currency, synced_at, retired_at, {_COLUMN_LIST})
SELECT %(account)s, %(currency)s, %(now)s, NULL, {_COLUMN_LIST} FROM sync_group
ON CONFLICT (account_id, external_id) DO UPDATE SET
    currency = EXCLUDED.currency, synced_at = EXCLUDED.synced_at, retired_at = NULL,
    {", ".join(f"{c} = EXCLUDED.{c}" for c in GROUP_COLUMNS if c != "external_id")}
"""  # noqa: S608 (column names are constants of this module)

_MERGE_SKUS = """
INSERT INTO inventory_sku (group_id, external_id, setup_price, monthly_price, currency, channels,
                           retired_at)
SELECT g.id, s.external_id, s.setup_price, s.monthly_price, %(currency)s, s.channels, NULL
FROM sync_sku s JOIN inventory_didgroup g
  ON g.account_id = %(account)s AND g.external_id = s.group_external_id
ON CONFLICT (group_id, external_id) DO UPDATE SET
    setup_price = EXCLUDED.setup_price, monthly_price = EXCLUDED.monthly_price,
    currency = EXCLUDED.currency, channels = EXCLUDED.channels, retired_at = NULL
"""


def _write_postgres(account_id, currency, groups, skus, now) -> None:
    params = {"account": account_id, "currency": currency, "now": now}
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        raw.execute(_CREATE_TEMP)
        with raw.copy(f"COPY sync_group ({', '.join(GROUP_COLUMNS)}) FROM STDIN") as copy:
            for g in groups:
                copy.write_row((*g[:_NUMBERS], _json_list(g[_NUMBERS]), *g[_NUMBERS + 1 :]))
        with raw.copy(f"COPY sync_sku ({', '.join(SKU_COLUMNS)}) FROM STDIN") as copy:
            for s in skus:
                copy.write_row(s)
        # Fresh temp tables have no statistics: without them the planner nests loops over them.
        cursor.execute("ANALYZE sync_group; ANALYZE sync_sku")
        cursor.execute(_MERGE_GROUPS, params)
        cursor.execute(_MERGE_SKUS, params)


def _write_orm(account_id, currency, groups, skus, now) -> None:
    DidGroup.objects.bulk_create(
        [
            DidGroup(
                account_id=account_id,
                currency=currency,
                synced_at=now,
                retired_at=None,
                **dict(zip(GROUP_COLUMNS, g, strict=True)),
            )
            for g in groups
        ],
        update_conflicts=True,
        unique_fields=["account", "external_id"],
        update_fields=[c for c in GROUP_COLUMNS if c != "external_id"]
        + ["currency", "synced_at", "retired_at"],
    )
    ids = dict(
        DidGroup.objects.filter(
            account_id=account_id, external_id__in=[g[0] for g in groups]
        ).values_list("external_id", "id")
    )
    Sku.objects.bulk_create(
        [
            Sku(
                group_id=ids[group_external_id],
                external_id=external_id,
                setup_price=setup_price,
                monthly_price=monthly_price,
                currency=currency,
                channels=channels,
                retired_at=None,
            )
            for group_external_id, external_id, setup_price, monthly_price, channels in skus
        ],
        update_conflicts=True,
        unique_fields=["group", "external_id"],
        update_fields=["setup_price", "monthly_price", "currency", "channels", "retired_at"],
    )
