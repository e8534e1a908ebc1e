"""Reading and writing for the national recompute (`bulk.py`): server-side streams merged by
professional, raw-cursor value decoding, and the COPY + upsert of snapshots on PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from django.db import connection

from certipro.certification.models import StatusSnapshot
from certipro.certification.status import SNAPSHOT_FIELDS

FETCH = 20_000  # rows per round trip of each server-side cursor
FIELDS = [f if f != "professional" else "professional_id" for f in SNAPSHOT_FIELDS]


def day(value: Any) -> Any:
    # Raw cursors on SQLite give aggregated dates back as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def snapshot_fields(row: tuple[Any, ...]) -> dict[str, Any]:
    period_id, professional_id, *values = row
    names = [f for f in FIELDS if f not in ("professional_id", "as_of")]
    return {
        "period_id": period_id,
        "professional_id": professional_id,
        **dict(zip(names, values, strict=True)),
    }


def json_text(value: Any) -> Any:
    # Hashable form of a JSON list column (a list on PostgreSQL, text on SQLite).
    return tuple(value) if isinstance(value, list) else value


def json_list(value: Any) -> list[str]:
    # A JSONField read with a raw cursor: decoded on PostgreSQL (jsonb), text on SQLite.
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value or [])


def stream(sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of a query through a server-side cursor (a plain cursor where there is none)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            yield from rows


class Keyed:
    """A stream sorted by professional id, taken professional by professional (a merge join)."""

    def __init__(self, sql: str, params: Sequence[Any] = (), *, skip: bool = False) -> None:
        self.rows = stream(sql, params) if not skip else iter(())
        self.head: tuple[Any, ...] | None = next(self.rows, None)

    def take(self, professional_id: int) -> list[tuple[Any, ...]]:
        taken = []
        while self.head is not None and self.head[0] <= professional_id:
            if self.head[0] == professional_id:
                taken.append(self.head)
            self.head = next(self.rows, None)
        return taken


_TEMP = "bulk_snapshot"
_COLUMNS = ["period_id", *(f for f in FIELDS if f != "as_of")]
_TYPES = {"period_id": "bigint", "professional_id": "bigint", "progress": "float8", "exempt_axes": "smallint"}
_TEMP_COLUMNS = ", ".join(f"{c} {_TYPES.get(c, 'smallint' if c[-1].isdigit() else 'text')}" for c in _COLUMNS)


def copy_text(rows: list[tuple[Any, ...]]) -> str:
    # Numbers and codes only (référentiel codes have no tab or newline): no escaping needed.
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(str, row)))
        buffer.write("\n")
    return buffer.getvalue()


def copy_to_temp(text: str, *, first: bool) -> None:
    with connection.cursor() as cursor:
        if first:
            cursor.execute(f"CREATE TEMP TABLE {_TEMP} ({_TEMP_COLUMNS}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {_TEMP} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            copy.write(text)


def upsert_from_temp(today: date) -> None:
    """Writes the snapshots of the temporary table, after telling of the axes they complete (§7)."""
    from certipro.notifications.events_sql import axes_completed_from

    axes_completed_from(_TEMP)
    table = StatusSnapshot._meta.db_table
    columns = ", ".join(_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("period_id", "professional_id"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, as_of, updated_at) "
            f"SELECT {columns}, %s, now() FROM {_TEMP} "
            f"ON CONFLICT (period_id) DO UPDATE SET {updates}, as_of = EXCLUDED.as_of, updated_at = now()",
            [today],
        )
        cursor.execute(f"DROP TABLE {_TEMP}")
