"""Setting different values on many rows in one statement.

Django's ``bulk_update`` builds a CASE expression per field and row in Python, which costs more
than the database's work at renewal volumes; on PostgreSQL one ``UPDATE … FROM (VALUES …)`` does
the same. Other databases (the demo's SQLite) keep ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


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
