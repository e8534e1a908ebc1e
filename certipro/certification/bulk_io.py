"""Reading and writing for the national recompute (`bulk.py`): server-side streams merged by
professional, raw-cursor value decoding, the accounts a batch of the declaration API reads once
for its checks and its snapshot refresh (`read_accounts`), and the COPY + upsert of snapshots on
PostgreSQL."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection

from certipro.actions.models import Action
from certipro.certification.catalogue import Catalogue
from certipro.certification.models import Exemption, Period, StatusSnapshot
from certipro.certification.rules import COUNTING_STATES, ReferentielMeta, Segment, assignment_timeline
from certipro.certification.rules import Holding as HoldingFact
from certipro.certification.status import SNAPSHOT_FIELDS
from certipro.core.sql import array_literal
from certipro.directory.models import Exercise, Holding

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


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query at once, through a plain cursor (a batch's thousand accounts fit in memory)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def where_in(column: str, values: Collection[int]) -> tuple[str, list[Any]]:
    """`column` among `values` (ids), as SQL and its parameters: on PostgreSQL one array
    parameter (`= ANY`), elsewhere an IN list."""
    listed = sorted(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [array_literal(listed)]
    return f"{column} IN ({', '.join(['%s'] * len(listed))})", listed


class Keyed:
    """A stream sorted by professional id, taken professional by professional (a merge join)."""

    def __init__(self, sql: str, params: Sequence[Any] = (), *, skip: bool = False) -> None:
        self.rows: Iterator[tuple[Any, ...]] = stream(sql, params) if not skip else iter(())
        self.head: tuple[Any, ...] | None = next(self.rows, None)

    def take(self, professional_id: int) -> list[tuple[Any, ...]]:
        taken = []
        while self.head is not None and self.head[0] <= professional_id:
            if self.head[0] == professional_id:
                taken.append(self.head)
            self.head = next(self.rows, None)
        return taken


class Listed(Keyed):
    """A `Keyed` over rows already in memory, sorted by professional id."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.rows = iter(rows)
        self.head = next(self.rows, None)


# --- The accounts: the facts of the professionals' exercises, as plain rows ---

# A person's rows come together (the streams merge by professional); within a person, by exercise.
EXERCISES = f"SELECT professional_id, id, profession_id FROM {Exercise._meta.db_table}"
EXERCISES_ORDER = "ORDER BY professional_id, id"
PERIODS = (
    'SELECT professional_id, exercise_id, id, start, "end", scheduled_end, kind, state '
    f"FROM {Period._meta.db_table}"
)
PERIODS_ORDER = "ORDER BY professional_id, exercise_id, start"
HOLDINGS = (
    'SELECT professional_id, exercise_id, start, "end", specialties, chosen_referentiel '
    f"FROM {Holding._meta.db_table}"
)
HOLDINGS_ORDER = "ORDER BY professional_id, exercise_id, start"
# The rest of an account, read by the refresh itself (a batch adds actions to it).
EXEMPTIONS = f'SELECT professional_id, exercise_id, axis, start, "end" FROM {Exemption._meta.db_table}'
EXEMPTIONS_ORDER = "ORDER BY professional_id, exercise_id"
# Only what evaluate would count anyway: a counting state, not in the future (D-22, D-31).
COUNTED = sorted(COUNTING_STATES)
ACTIONS = (
    "SELECT professional_id, profession_id, type_code, axis, COUNT(*), MIN(end_date), MAX(end_date) "
    f"FROM {Action._meta.db_table}"
)
ACTIONS_WHERE = f"AND state IN ({', '.join(['%s'] * len(COUNTED))}) AND end_date <= %s"
ACTIONS_GROUP = (
    "GROUP BY professional_id, profession_id, type_code, axis ORDER BY professional_id, profession_id"
)


class PeriodFacts(NamedTuple):
    """What `period_as_of` reads of a period: plain values, not a model instance (a batch of the
    declaration API reads a thousand)."""

    pk: int
    start: date
    end: date
    scheduled_end: date
    kind: str
    state: str


def period_facts(row: tuple[Any, ...], pk: int | None = None) -> PeriodFacts:
    """A PERIODS row as `period_as_of` takes it (`pk`: what stands for its primary key)."""
    return PeriodFacts(row[2] if pk is None else pk, day(row[3]), day(row[4]), day(row[5]), row[6], row[7])


def holding_fact(row: tuple[Any, ...]) -> HoldingFact:
    """A HOLDINGS row as the rules take it."""
    return HoldingFact(day(row[2]), day(row[3]), frozenset(json_list(row[4])), row[5] or None)


class Timelines:
    """The référentiel timeline (D-14) of each distinct (profession, holdings), built once: the
    checks of a batch and its snapshot refresh both need them, and people share theirs."""

    def __init__(self, current: Mapping[str, ReferentielMeta]) -> None:
        # Each profession's référentiels alone: only they can be assigned (`matching_codes`, a
        # choice of another profession's is ignored), so the timeline is the same, built faster.
        self.by_profession: dict[str, dict[str, ReferentielMeta]] = defaultdict(dict)
        for code, meta in current.items():
            self.by_profession[meta.profession][code] = meta
        self.built: dict[tuple[str, tuple[HoldingFact, ...]], tuple[Segment, ...]] = {}

    def of(self, profession: str, holdings: tuple[HoldingFact, ...]) -> tuple[Segment, ...]:
        key = (profession, holdings)
        timeline = self.built.get(key)
        if timeline is None:
            timeline = assignment_timeline(profession, holdings, self.by_profession.get(profession, {}))
            self.built[key] = timeline
        return timeline


@dataclass(frozen=True)
class Accounts:
    """Some professionals' exercises, periods and holdings, as plain rows (EXERCISES, PERIODS,
    HOLDINGS, in their orders), with the timelines built from them for `catalogue` as of `today`.

    A batch of the declaration API reads them once: its checks (`ClaimChecker`) and the refresh of
    its snapshots (`bulk.refresh_exercises`) share them. They still hold at the refresh because
    nothing the batch writes in between is one of these rows: it writes actions, their
    transitions, audit entries, flags, notices and snapshots; exercises, periods and holdings
    change only through the directory import, the period services and a choice of référentiel
    (D-14 to D-16), which no batch calls (tests/declarations/test_intake_accounts.py). Another
    transaction committing such a change during the batch is seen by later statements under
    READ COMMITTED, not by these rows: the snapshot then misses it until the nightly
    `recompute_status`, as it already did when the change committed after the refresh's read."""

    professional_ids: frozenset[int]
    exercises: list[tuple[Any, ...]]
    periods: list[tuple[Any, ...]]
    holdings: list[tuple[Any, ...]]
    catalogue: Catalogue
    today: date
    timelines: Timelines = field(compare=False)

    def serves(self, catalogue: Catalogue, today: date) -> bool:
        """Whether the timelines are those of `catalogue` as of `today` (a caller's mistake else)."""
        return self.catalogue is catalogue and self.today == today

    def reread(self, professional_ids: Collection[int]) -> Accounts:
        """The same, with these professionals' rows read again (added when they were not held)."""
        fresh = read_accounts(professional_ids, catalogue=self.catalogue, today=self.today)

        def merged(kept: list[tuple[Any, ...]], read: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
            # Stable: each person's rows keep their order.
            others = [r for r in kept if r[0] not in fresh.professional_ids]
            return sorted(others + read, key=itemgetter(0))

        return replace(
            self,
            professional_ids=self.professional_ids | fresh.professional_ids,
            exercises=merged(self.exercises, fresh.exercises),
            periods=merged(self.periods, fresh.periods),
            holdings=merged(self.holdings, fresh.holdings),
        )


def read_accounts(professional_ids: Iterable[int], *, catalogue: Catalogue, today: date) -> Accounts:
    """The accounts of these professionals (three queries; none for none)."""
    ids = frozenset(professional_ids)
    rows: list[list[tuple[Any, ...]]] = [[], [], []]
    if ids:
        where, params = where_in("professional_id", ids)
        queries = ((EXERCISES, EXERCISES_ORDER), (PERIODS, PERIODS_ORDER), (HOLDINGS, HOLDINGS_ORDER))
        rows = [fetch(f"{sql} WHERE {where} {order}", params) for sql, order in queries]
    exercises, periods, holdings = rows
    return Accounts(ids, exercises, periods, holdings, catalogue, today, Timelines(catalogue.current(today)))


def fetch_facts(
    exercise_ids: Collection[int], *, today: date, accounts: Accounts | None
) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of these exercises and the facts of their professionals (periods, holdings,
    exemptions, counted actions pre-aggregated), each sorted by professional: one query per
    table; the exercises, periods and holdings are the accounts' when they were given."""
    if accounts is None:
        exercises, periods, holdings = _read(exercise_ids)
    else:
        exercises, periods, holdings = _shared(accounts, exercise_ids)
    where, params = where_in("professional_id", {e[0] for e in exercises})
    exemptions = fetch(f"{EXEMPTIONS} WHERE {where} {EXEMPTIONS_ORDER}", params)
    actions = fetch(f"{ACTIONS} WHERE {where} {ACTIONS_WHERE} {ACTIONS_GROUP}", [*params, *COUNTED, today])
    return exercises, periods, holdings, exemptions, actions


_Rows = list[tuple[Any, ...]]


def _read(exercise_ids: Collection[int]) -> tuple[_Rows, _Rows, _Rows]:
    where, params = where_in("id", exercise_ids)
    exercises = fetch(f"{EXERCISES} WHERE {where} {EXERCISES_ORDER}", params)
    where, params = where_in("professional_id", {e[0] for e in exercises})
    periods = fetch(f"{PERIODS} WHERE {where} {PERIODS_ORDER}", params)
    return exercises, periods, fetch(f"{HOLDINGS} WHERE {where} {HOLDINGS_ORDER}", params)


def _shared(accounts: Accounts, exercise_ids: Collection[int]) -> tuple[_Rows, _Rows, _Rows]:
    """The accounts' rows of these exercises' professionals. The professionals of the exercises
    they miss are read now: a correction through `record_action` may move an action away from
    a person outside the batch (D-32), whose account loses it."""
    held = {e[1] for e in accounts.exercises}
    missing = [pk for pk in exercise_ids if pk not in held]
    if missing:
        where, params = where_in("id", missing)
        accounts = accounts.reread({e[0] for e in fetch(f"{EXERCISES} WHERE {where}", params)})
    wanted = set(exercise_ids)
    exercises = [e for e in accounts.exercises if e[1] in wanted]
    people = {e[0] for e in exercises}
    return (
        exercises,
        [r for r in accounts.periods if r[0] in people],
        [r for r in accounts.holdings if r[0] in people],
    )


# --- Writing the snapshots (PostgreSQL) ---

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
