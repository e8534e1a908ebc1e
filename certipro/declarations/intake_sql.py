"""The intake's set-based read: one query for a whole batch where a loop would ask per declaration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from certipro.actions.anomalies import Hours
from certipro.actions.models import COUNTING_STATES, Action, ActionState, Source
from certipro.certification.bulk_io import day
from certipro.core.sql import rows_cte


class Span(NamedTuple):
    """A checked declaration, as the look around it needs it (`position`: its place in the request)."""

    position: int
    professional_id: int
    type_code: str
    first: date  # start_date, or end_date when it has none
    last: date  # end_date


class Candidate(NamedTuple):
    """A self-declared action a declaration may merge with (D-33). Ordered the earliest-ending
    first, then the oldest: `record_action` merges into the first its query returns, which has no
    ORDER BY but goes by the (professional, end_date) index for one professional's actions."""

    end_date: date
    action_id: int
    profession_id: str


@dataclass
class Around:
    """What the batch's declarations meet in their professionals' accounts, before any is written."""

    # By position: the actions the professional self-declared with the same type whose dates
    # overlap the declaration's (D-33), which it may be merged into.
    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    # The counting actions with hours that share a day with a declaration (D-34, impossible hours).
    hours: list[Hours] = field(default_factory=list)


_COLUMNS = (
    "a.id, a.type_code, a.start_date, a.end_date, a.hours, a.state, a.source, a.declarant_id, a.profession_id"
)
_OVERLAP = (
    "a.professional_id = c.professional_id AND a.end_date >= c.first "
    "AND COALESCE(a.start_date, a.end_date) <= c.last"
)


def around(spans: Sequence[Span]) -> Around:
    """One read of the actions that overlap the declarations' dates, for both D-33 and D-34:
    the few that do come back, not the professionals' whole history."""
    found = Around()
    if not spans:
        return found
    cte, params = rows_cte(
        "claim",
        {"i": "integer", "professional_id": "bigint", "first": "date", "last": "date"},
        [(s.position, s.professional_id, s.first, s.last) for s in spans],
    )
    # Driven by the batch, declaration by declaration, on the (professional, end_date) index,
    # whatever the planner's statistics say: on PostgreSQL a LATERAL subquery, kept by OFFSET 0
    # from being flattened into a hash join over the whole table; SQLite joins by nested loops.
    table = Action._meta.db_table
    if connection.vendor == "postgresql":
        mine = f"SELECT {_COLUMNS} FROM {table} a WHERE {_OVERLAP} OFFSET 0"
        sql = f"{cte} SELECT c.i, c.professional_id, m.* FROM claim c CROSS JOIN LATERAL ({mine}) m"
    else:
        sql = f"{cte} SELECT c.i, c.professional_id, {_COLUMNS} FROM claim c, {table} a WHERE {_OVERLAP}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_position = {s.position: s for s in spans}
    seen: set[int] = set()
    for (
        position,
        professional_id,
        pk,
        type_code,
        start,
        end,
        hours,
        state,
        source,
        declarant,
        profession,
    ) in rows:
        if (
            source == Source.PROFESSIONAL
            and state == ActionState.DECLARED
            and declarant is None
            and type_code == by_position[position].type_code
        ):
            found.candidates.setdefault(position, []).append(Candidate(day(end), pk, profession))
        if state in COUNTING_STATES and hours is not None and pk not in seen:
            seen.add(pk)  # an action may overlap several declarations
            # Raw rows: SQLite may give dates back as text, and the decimal column as a number.
            found.hours.append(Hours(pk, professional_id, day(start), day(end), Decimal(str(hours))))
    return found
