"""PostgreSQL array parameters, written as one literal.

Django's psycopg cursor binds parameters on the client: a Python list is quoted element by
element in Python (~2–3 ms for a thousand), while one string is quoted by libpq in C. A batch of
the declaration API passes a dozen such lists (ids, dates, codes), so they travel as literals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any


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
