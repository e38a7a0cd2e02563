"""Writing many rows in one statement, at renewal volumes.

Django's ``bulk_update`` builds a CASE expression per field and row in Python, and
``bulk_create`` prepares every value of every instance through its field: both cost more than
the database's work when a run writes 100,000 rows. On PostgreSQL one ``UPDATE … FROM (VALUES
…)`` and one ``INSERT … SELECT FROM unnest(arrays)`` do the same. Other databases (the demo's
SQLite) keep Django's bulk methods.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def rows_insert(model: type[Model], columns: dict[str, list]) -> list[int]:
    """Insert rows given column by column (field name → database-ready values: ints, strings,
    dates, aware datetimes, None) and return their new ids, in the rows' order.

    The ids are drawn from the table's sequence first and inserted explicitly, so which id
    belongs to which row never depends on the order an INSERT returns its rows in."""
    counts = {len(values) for values in columns.values()}
    if len(counts) > 1:
        raise ValueError("every column needs one value per row")
    count = counts.pop() if counts else 0
    if not count:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create(
            model(**dict(zip(columns, values, strict=True)))
            for values in zip(*columns.values(), strict=True)
        )
        return [row.pk for row in made]
    fields = [meta.get_field(name) for name in columns]
    names = ", ".join(f'"{f.column}"' for f in [meta.pk, *fields])
    casts = ", ".join(
        f"CAST(%s AS {f.db_type(connection).split('(')[0]}[])" for f in [meta.pk, *fields]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Table and column names come from the model's meta, every value is a parameter.
        cursor.execute(
            f'INSERT INTO "{meta.db_table}" ({names}) SELECT * FROM unnest({casts})',  # noqa: S608
            [ids, *columns.values()],
        )
    return ids


def rows_set(model: type[Model], rows: Sequence[Model], fields: list[str]) -> None:
    """Write ``fields`` of ``rows`` (instances of ``model`` with their new values)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    types = [meta.pk.db_type(connection)] + [f.db_type(connection) for f in columns]
    # Typed placeholders on every row: VALUES infers nothing from later rows.
    row_sql = "(" + ", ".join(f"%s::{t.split('(')[0]}" for t in types) + ")"
    params: list = []
    for row in rows:
        params.append(row.pk)
        params += [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
    names = ", ".join(f'"{f.column}"' for f in columns)
    assignments = ", ".join(f'"{f.column}" = v."{f.column}"' for f in columns)
    # Table and column names come from the model's meta, every value is a parameter.
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} '  # noqa: S608
        f'FROM (VALUES {", ".join([row_sql] * len(rows))}) AS v("{meta.pk.column}", {names}) '
        f'WHERE t."{meta.pk.column}" = v."{meta.pk.column}"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
