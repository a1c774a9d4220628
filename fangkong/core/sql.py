"""Set-based SQL that the ORM does not write well, in one place for every module."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

# SQLite's default limit is 999 bound variables per statement.
_MAX_PARAMS = 900


def update_from_values(
    model: type[models.Model],
    *,
    rows: Sequence[tuple],
    types: Sequence[str],
    assignments: str,
    match: str,
    before: Sequence = (),
    after: Sequence = (),
) -> None:
    """``UPDATE <table> SET <assignments> FROM (VALUES <rows>) AS v WHERE <match>``.

    Many rows changed to different values in one statement (per 900 parameters), which
    PostgreSQL and SQLite (3.33+) both read; ``bulk_update`` would build a CASE per row and a
    loop of ``update()`` one statement per row. The VALUES columns are ``v.column1``,
    ``v.column2``, … each cast to its entry in ``types`` (PostgreSQL types an uncast VALUES list
    from its first row). In ``assignments`` and ``match`` ``{t}`` stands for the quoted table
    name; ``before`` and ``after`` are parameters for placeholders there (before and after the
    VALUES list). Only the table name, SQL fragments of the caller's code and placeholders are
    joined in: every value travels as a parameter.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    one = "(" + ", ".join(f"CAST(%s AS {kind})" for kind in types) + ")"
    step = max(1, (_MAX_PARAMS - len(before) - len(after)) // len(types))
    set_sql, where_sql = assignments.format(t=table), match.format(t=table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            values = ", ".join([one] * len(chunk))
            sql = f"UPDATE {table} SET {set_sql} FROM (VALUES {values}) AS v WHERE {where_sql}"  # noqa: S608
            cursor.execute(sql, [*before, *(x for row in chunk for x in row), *after])
