"""Writing many rows in one statement, at renewal volumes.

Django's ``bulk_update`` builds a CASE expression per field and row in Python, and
``bulk_create`` prepares every value of every instance through its field: both cost more than
the database's work when a run writes 100,000 rows. On PostgreSQL these helpers send one
statement over arrays (``INSERT … SELECT FROM unnest(…)``, ``UPDATE … FROM unnest(…)``) with
the arrays as bound parameters: Django's cursors bind on the client, which spells every value
out into the SQL text and re-parses it; a bound array travels in binary. Other databases (the
demo's SQLite) keep Django's bulk methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import psycopg
from django.db import connection
from django.db.models import Field, Model


def rows_insert(model: type[Model], columns: dict[str, list], *, ids: bool = True) -> list[int]:
    """Insert rows given column by column (field or attribute name → database-ready values:
    ints, strings, dates, aware datetimes, None) and return their new ids in the rows' order
    (``ids=False``: the table's default ids, none returned).

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
        return [row.pk for row in made] if ids else []
    fields = [meta.get_field(name) for name in columns]
    arrays = list(columns.values())
    new_ids: list[int] = []
    if ids:
        new_ids = ids_draw(model, count)
        fields, arrays = [meta.pk, *fields], [new_ids, *arrays]
    with _bound_cursor() as cursor:
        names = ", ".join(f'"{f.column}"' for f in fields)
        # Table and column names come from the model's meta, every value is a parameter.
        cursor.execute(
            f'INSERT INTO "{meta.db_table}" ({names}) '  # noqa: S608
            f"SELECT * FROM unnest({_array_casts(fields)})",
            arrays,
        )
    return new_ids


def ids_draw(model: type[Model], count: int) -> list[int]:
    """``count`` new ids from the table's sequence (PostgreSQL), for rows inserted with them."""
    meta = model._meta
    with _bound_cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_copy(
    model: type[Model], names: Sequence[str], rows: Iterable[Sequence], *, ids: bool = False
) -> list[int]:
    """Insert rows given row by row (tuples of database-ready values in ``names``' order) and,
    with ``ids``, return their new ids in the rows' order (drawn first, as ``rows_insert``
    does); else the table's default ids, none returned. On PostgreSQL by ``COPY … FROM STDIN``
    in binary: psycopg formats each row in C, where bound arrays are built value by value in
    Python (some 5x the client's CPU for a month close's 200,000 invoice lines)."""
    meta = model._meta
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create(
            model(**dict(zip(names, row, strict=True))) for row in rows
        )
        return [row.pk for row in made] if ids else []
    new_ids: list[int] = []
    if ids:
        rows = list(rows)
        new_ids = ids_draw(model, len(rows)) if rows else []
        names = [meta.pk.attname, *names]
        rows = [(pk, *row) for pk, row in zip(new_ids, rows, strict=True)]
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # Table and column names come from the model's meta; the rows travel as COPY data.
    statement = f'COPY "{meta.db_table}" ({columns}) FROM STDIN (FORMAT BINARY)'
    with _bound_cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([f.db_type(connection).split("(")[0] for f in fields])
        for row in rows:
            copy.write_row(row)
    return new_ids


def rows_set(model: type[Model], rows: Sequence[Model], fields: list[str]) -> None:
    """Write ``fields`` of ``rows`` (instances of ``model`` with their new values)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    columns = [model._meta.get_field(name) for name in fields]
    arrays = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows] for f in columns
    ]
    _arrays_set(model, columns, [row.pk for row in rows], arrays)


def column_set(model: type[Model], name: str, values: dict[int, object]) -> None:
    """Write one field of many rows: ``values`` maps id → database-ready value."""
    if not values:
        return
    if connection.vendor != "postgresql":
        for pk, value in values.items():
            model.objects.filter(pk=pk).update(**{name: value})
        return
    _arrays_set(model, [model._meta.get_field(name)], list(values), [list(values.values())])


def columns_set(model: type[Model], pks: list, columns: dict[str, list]) -> None:
    """Write some fields of many rows: ``columns`` maps a field name to the rows' new
    database-ready values, in ``pks``' order (no instances to read them from)."""
    if not pks:
        return
    if connection.vendor != "postgresql":
        for i, pk in enumerate(pks):
            model.objects.filter(pk=pk).update(**{name: vs[i] for name, vs in columns.items()})
        return
    fields = [model._meta.get_field(name) for name in columns]
    _arrays_set(model, fields, pks, list(columns.values()))


def _arrays_set(model: type[Model], fields: list[Field], pks: list, arrays: list[list]) -> None:
    meta = model._meta
    columns = [meta.pk, *fields]
    names = ", ".join(f'"{f.column}"' for f in columns)
    assignments = ", ".join(f'"{f.column}" = v."{f.column}"' for f in fields)
    pk = meta.pk.column
    with _bound_cursor() as cursor:
        # Table and column names come from the model's meta, every value is a parameter.
        cursor.execute(
            f'UPDATE "{meta.db_table}" AS t SET {assignments} '  # noqa: S608
            f"FROM unnest({_array_casts(columns)}) AS v({names}) "
            f'WHERE t."{pk}" = v."{pk}"',
            [pks, *arrays],
        )


def _array_casts(fields: list[Field]) -> str:
    return ", ".join(f"CAST(%b AS {f.db_type(connection).split('(')[0]}[])" for f in fields)


def _bound_cursor() -> psycopg.Cursor:
    """A cursor on Django's connection (its transaction) that binds parameters on the server."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
