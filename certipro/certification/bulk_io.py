"""Plain-row reading and writing of the certification facts: server-side streams merged by
professional for the national recompute (`bulk.py`), raw-cursor value decoding, the accounts a
batch of claims reads for its checks (`read_accounts`), the facts of a few exercises for the
snapshot refresh in the write transaction (`read_exercises`, `status.refresh_status`), and the
snapshots' write, COPY + upsert on PostgreSQL (`store_snapshots`)."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connection, transaction

from certipro.actions.models import Action
from certipro.certification.catalogue import Catalogue
from certipro.certification.models import SNAPSHOT_FIELDS, Exemption, Period, StatusSnapshot
from certipro.certification.rules import COUNTING_STATES, ReferentielMeta, Segment, assignment_timeline
from certipro.certification.rules import Holding as HoldingFact
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
    HOLDINGS, in their orders), with the timelines built from them for `catalogue` as of `today`:
    what the checks of a batch of claims need (`actions.checks.ClaimChecker`)."""

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


# The counting actions of a few professionals, counted by (type, chosen axis, end date): what
# the engine's `evaluate_counts` takes (D-22, D-31).
ACTION_FACTS = (
    f"SELECT professional_id, profession_id, type_code, end_date, axis, COUNT(*) FROM {Action._meta.db_table}"
)
ACTION_FACTS_GROUP = "GROUP BY professional_id, profession_id, type_code, end_date, axis"


class Facts(NamedTuple):
    """The facts of some exercises, as plain rows, each list sorted by professional."""

    exercises: list[tuple[Any, ...]]  # EXERCISES
    periods: list[tuple[Any, ...]]  # PERIODS
    holdings: list[tuple[Any, ...]]  # HOLDINGS
    exemptions: list[tuple[Any, ...]]  # EXEMPTIONS
    actions: list[tuple[Any, ...]]  # ACTION_FACTS: the counting ones ended by `today`, counted


def read_exercises(exercise_ids: Collection[int], *, today: date) -> Facts:
    """These exercises and their professionals' facts: five queries whatever their number."""
    where, params = where_in("id", exercise_ids)
    exercises = fetch(f"{EXERCISES} WHERE {where} {EXERCISES_ORDER}", params)
    where, params = where_in("professional_id", {e[0] for e in exercises})
    periods = fetch(f"{PERIODS} WHERE {where} {PERIODS_ORDER}", params)
    holdings = fetch(f"{HOLDINGS} WHERE {where} {HOLDINGS_ORDER}", params)
    exemptions = fetch(f"{EXEMPTIONS} WHERE {where} {EXEMPTIONS_ORDER}", params)
    actions = fetch(
        f"{ACTION_FACTS} WHERE {where} {ACTIONS_WHERE} {ACTION_FACTS_GROUP}", [*params, *COUNTED, today]
    )
    return Facts(exercises, periods, holdings, exemptions, actions)


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
    # clock_timestamp(), not now(): now() is the transaction's start, so two refreshes in one
    # transaction would leave updated_at, which versions the kept dashboard, unchanged.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, as_of, updated_at) "
            f"SELECT {columns}, %s, clock_timestamp() FROM {_TEMP} "
            f"ON CONFLICT (period_id) DO UPDATE SET {updates}, as_of = EXCLUDED.as_of, "
            "updated_at = clock_timestamp()",
            [today],
        )
        cursor.execute(f"DROP TABLE {_TEMP}")


def store_snapshots(rows: list[tuple[Any, ...]], *, today: date) -> int:
    """Writes these snapshots (rows in the order of `_COLUMNS`), after telling each professional
    of the axes they complete (domain §7): COPY into a temporary table and one upsert on
    PostgreSQL, `create_snapshots` elsewhere. Returns how many."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        with transaction.atomic():  # the temporary table lives until the commit
            copy_to_temp(copy_text(rows), first=True)
            upsert_from_temp(today)
    else:
        create_snapshots(rows, today=today)
    return len(rows)


def create_snapshots(rows: list[tuple[Any, ...]], *, today: date) -> None:
    """`store_snapshots` by the ORM (SQLite), telling of the axes completed as `upsert_from_temp` does."""
    from certipro.notifications.events import axes_completed, snapshot_states

    snapshots = [StatusSnapshot(as_of=today, **snapshot_fields(row)) for row in rows]
    before = snapshot_states([s.period_id for s in snapshots])
    # The notices name the period's dates: read once, not once per axis completed.
    periods = Period.objects.in_bulk([s.period_id for s in snapshots if s.period_id in before])
    for s in snapshots:
        if s.period_id in periods:
            s.period = periods[s.period_id]
    StatusSnapshot.objects.bulk_create(
        snapshots,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["period"],
        # updated_at too (auto_now is set on insert only): the dashboard's kept page is versioned
        # by it (space/dashboard_cache.py), as the PostgreSQL upsert sets it (upsert_from_temp).
        update_fields=[*(f for f in FIELDS if f != "professional"), "updated_at"],
    )
    axes_completed(before, snapshots)
