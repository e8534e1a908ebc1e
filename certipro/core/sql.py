"""Batches of values as SQL parameters: PostgreSQL arrays written as one literal, a batch of rows
as a `WITH` table to join with, and a batch of rows written by COPY.

Django's psycopg cursor binds parameters on the client: a Python list is quoted element by
element in Python (~2–3 ms for a thousand), while one string is quoted by libpq in C. A batch of
the declaration API passes a dozen such lists (ids, dates, codes), so they travel as literals.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection


def array_literal(values: Iterable[Any]) -> str:
    """`{…}` for numbers, dates and strings (None is NULL); cast it in SQL: `%s::bigint[]`."""
    return "{" + ",".join(map(_element, values)) + "}"


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # before int: True is an int
        return "true" if value else "false"
    if isinstance(value, int | Decimal | date):  # datetime is a date
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        # Quoted, so that commas, braces, spaces and the word NULL stay text.
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"no array literal for {type(value).__name__}")


def rows_cte(name: str, columns: dict[str, str], rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """`WITH name(columns) AS (...)` holding `rows`, to join a batch with a table in one query.

    On PostgreSQL one array per column (`unnest`): a few parameters and one plan whatever the size
    of the batch; elsewhere a `VALUES` list (SQLite takes up to 32,766 parameters). `columns` maps
    each name to its PostgreSQL type."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        params = [array_literal(r[i] for r in rows) for i in range(len(columns))]
        return f"WITH {name}({names}) AS (SELECT * FROM unnest({arrays}))", params
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"WITH {name}({names}) AS (VALUES {', '.join([row] * len(rows))})", [v for r in rows for v in r]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Writes `rows` into `table` by COPY (PostgreSQL only): a thousand rows cost what one INSERT
    of them does. Values: None is NULL, dates are ISO, text is escaped; JSON goes as its text."""
    lines = io.StringIO()
    for row in rows:
        # One comprehension, no call per value but for the rare text to escape: a batch of
        # declarations writes 5,000 rows of 17 columns.
        lines.write(
            "\t".join(
                [
                    (v if _SPECIAL.search(v) is None else _escape(v))
                    if type(v) is str
                    else "\\N"
                    if v is None
                    else v.isoformat()
                    if isinstance(v, date)
                    else _escape(str(v))
                    for v in row
                ]
            )
        )
        lines.write("\n")
    # Errors of the raw psycopg cursor become Django's (IntegrityError, a dead connection marked).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(lines.getvalue())


_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escape(text: str) -> str:
    # COPY text format: backslash, tab and newlines must be escaped.
    if _SPECIAL.search(text) is None:
        return text
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
