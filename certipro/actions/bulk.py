"""`record_actions_bulk`: the bulk twin of `record_action` for loaders (benchmarks, big file imports).

The same checks as `record_action`, in the same order so that a refused item gets the same error
code, but made per batch of items with a fixed number of queries, and written with COPY on
PostgreSQL (bulk_create elsewhere): one ActionTransition per action, one audit entry per batch.
It does NOT refresh status snapshots: the caller runs the bulk recompute
(`certipro.certification.bulk.recompute_all`) once it is done.

Items carrying a declarant reference may replay (D-32) or merge with a self-declared action
(D-33): those are passed, in their place in the sequence, to `record_action` itself, so the
semantics stay those of the single entry point. The fast path is for new claims.

`insert_actions` writes new claims' rows (action, transition and, for the declaration API, one
audit entry each) and is shared with the declaration intake (`declarations/intake.py`).
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from certipro.accounts.audit import Actor, record, record_many
from certipro.accounts.models import AuditEntry
from certipro.actions.checks import ActionRefused, ClaimChecker
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Source
from certipro.actions.services import Outcome, record_action
from certipro.certification.catalogue import Catalogue
from certipro.directory.models import Professional
from certipro.web.iterables import chunks

BATCH = 20_000


@dataclass(frozen=True)
class Claim:
    """One claim, as `record_action` takes it (the professional by primary key)."""

    professional_id: int
    type_code: str
    end_date: date
    profession: str | None = None
    start_date: date | None = None
    title: str = ""
    hours: Decimal | None = None
    axis: int | None = None
    declarant_id: int | None = None
    external_id: str = ""


@dataclass(frozen=True)
class ItemResult:
    outcome: str | None  # an Outcome value when recorded
    code: str | None = None  # the contract error code when refused
    message: str = ""


@dataclass
class BulkReport:
    results: list[ItemResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.outcome is not None)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.results if r.code is not None)

    def error_codes(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.results:
            if r.code is not None:
                counts[r.code] += 1
        return dict(counts)


def record_actions_bulk(
    items: Iterable[Claim],
    *,
    actor: Actor,
    today: date,
    source: Source,
    channel: Channel,
    catalogue: Catalogue,
    batch_size: int = BATCH,
) -> BulkReport:
    """Records every claim that passes `record_action`'s checks; each batch is one transaction."""
    report = BulkReport()
    for batch in chunks(items, batch_size):
        report.results.extend(_Batch(batch, actor, today, source, channel, catalogue).run())
    return report


class _Accepted(NamedTuple):
    claim: Claim
    profession_id: str


class _Batch:
    def __init__(
        self,
        items: Sequence[Claim],
        actor: Actor,
        today: date,
        source: Source,
        channel: Channel,
        catalogue: Catalogue,
    ) -> None:
        self.items, self.actor, self.today = items, actor, today
        self.source, self.channel, self.catalogue = source, channel, catalogue
        self.state = ActionState.DECLARED if source == Source.PROFESSIONAL else ActionState.ATTESTED

    @transaction.atomic
    def run(self) -> list[ItemResult]:
        # record_action's own checks, on data loaded once for the batch (four queries).
        checker = ClaimChecker(
            {i.professional_id for i in self.items}, catalogue=self.catalogue, today=self.today
        )
        results: list[ItemResult] = []
        pending: list[_Accepted] = []  # checked, not yet written
        for item in self.items:
            if item.declarant_id is not None:
                # Replays and merges depend on what is already written, this batch included.
                self._write(pending)
                pending = []
                results.append(self._single(item))
                continue
            try:
                exercise = checker.check(
                    professional_id=item.professional_id,
                    type_code=item.type_code,
                    end_date=item.end_date,
                    source=self.source,
                    profession=item.profession,
                    start_date=item.start_date,
                    hours=item.hours,
                    axis=item.axis,
                )
            except ActionRefused as refused:
                results.append(ItemResult(outcome=None, code=refused.code, message=refused.message))
            else:
                # A plain pair, not a model instance: building millions of those costs more than the checks.
                pending.append(_Accepted(item, exercise.profession_id))
                results.append(ItemResult(outcome=Outcome.ACCEPTED.value))
        self._write(pending)
        return results

    def _single(self, item: Claim) -> ItemResult:
        professional = Professional.objects.filter(pk=item.professional_id).first()
        if professional is None:
            return ItemResult(None, "unknown_rpps", "no such professional")
        try:
            recorded = record_action(
                professional=professional,
                type_code=item.type_code,
                end_date=item.end_date,
                source=self.source,
                channel=self.channel,
                actor=self.actor,
                today=self.today,
                profession=item.profession,
                start_date=item.start_date,
                title=item.title,
                hours=item.hours,
                axis=item.axis,
                declarant_id=item.declarant_id,
                external_id=item.external_id,
                catalogue=self.catalogue,
            )
        except ActionRefused as refused:
            return ItemResult(None, refused.code, refused.message)
        return ItemResult(recorded.outcome.value)

    def _write(self, accepted: list[_Accepted]) -> None:
        if not accepted:
            return
        pks = insert_actions(
            [
                NewAction(
                    a.claim.professional_id,
                    a.profession_id,
                    a.claim.type_code,
                    a.claim.title,
                    a.claim.start_date,
                    a.claim.end_date,
                    a.claim.hours,
                    a.claim.axis,
                    a.claim.external_id,
                )
                for a in accepted
            ],
            state=self.state,
            source=self.source,
            channel=self.channel,
            declarant_id=None,
            actor=self.actor,
            audit_each=False,
        )
        # One entry per batch: a loader's batch is one decision, not thousands (D-41 keeps who/when).
        record(
            actor=self.actor,
            verb="action.bulk_accepted",
            data={
                "count": len(accepted),
                "source": self.source.value,
                "professionals": len({a.claim.professional_id for a in accepted}),
                "first_id": pks[0],
                "last_id": pks[-1],
            },
        )


class NewAction(NamedTuple):
    """A checked claim to insert, as plain values (model instances cost more than the checks)."""

    professional_id: int
    profession_id: str
    type_code: str
    title: str
    start_date: date | None
    end_date: date
    hours: Decimal | None
    axis: int | None
    external_id: str


def insert_actions(
    new: Sequence[NewAction],
    *,
    state: ActionState,
    source: Source,
    channel: Channel,
    declarant_id: int | None,
    actor: Actor,
    audit_each: bool,
) -> list[int]:
    """Inserts new actions with the rows `record_action` writes for an accepted claim: the action,
    its transition (∅ → state, "accepted") and, with `audit_each`, its `action.accepted` audit entry.
    COPY on PostgreSQL, bulk_create elsewhere. Returns the new primary keys, in order."""
    if not new:
        return []
    if connection.vendor == "postgresql":
        # Errors of the raw psycopg cursor become Django's (IntegrityError for a concurrent replay,
        # and a dead connection is marked unusable).
        with connection.wrap_database_errors:
            return _copy(new, state, source, channel, declarant_id, actor, audit_each)
    actions = Action.objects.bulk_create(  # sets pks (RETURNING)
        [
            Action(
                **n._asdict(),
                state=state,
                source=source,
                channel=channel,
                declarant_id=declarant_id,
                declared_by=actor.user,
            )
            for n in new
        ],
        batch_size=2000,
    )
    ActionTransition.objects.bulk_create(
        [
            ActionTransition(
                action_id=a.pk,
                professional_id=a.professional_id,
                to_state=a.state,
                actor_label=actor.label,
                reason=Outcome.ACCEPTED.value,
            )
            for a in actions
        ],
        batch_size=2000,
    )
    if audit_each:
        record_many(
            (
                {
                    "verb": f"action.{Outcome.ACCEPTED.value}",
                    "professional_id": a.professional_id,
                    "obj": a,
                    "data": _audit_data(a.type_code, a.end_date, source),
                }
                for a in actions
            ),
            actor=actor,
        )
    return [a.pk for a in actions]


def _audit_data(type_code: str, end_date: date, source: Source) -> dict[str, str]:
    # What `record_action` journals for an accepted claim.
    return {"type_code": type_code, "end_date": end_date.isoformat(), "source": source.value}


_ACTION_COLUMNS = (
    "id, professional_id, profession_id, type_code, title, start_date, end_date, hours, axis, state, "
    "source, channel, declarant_id, external_id, declared_by_id, declared_at, updated_at"
)
_TRANSITION_COLUMNS = "action_id, professional_id, at, from_state, to_state, actor_label, reason"
_AUDIT_COLUMNS = (
    "at, actor_id, actor_label, role, professional_id, verb, object_type, object_id, reason, data"
)


def _copy(
    new: Sequence[NewAction],
    state: str,
    source: Source,
    channel: str,
    declarant_id: int | None,
    actor: Actor,
    audit_each: bool,
) -> list[int]:
    """COPY the tables. Primary keys are taken from the sequence first, so that transitions and
    audit entries can point at their action without reading the rows back."""
    table = Action._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [len(new)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        stamp = timezone.now().isoformat()
        label = _escape(actor.label)
        user = _text(actor.user.pk if actor.user is not None else None)
        declarant = _text(declarant_id)
        lines = io.StringIO()
        for pk, n in zip(pks, new, strict=True):
            lines.write(
                f"{pk}\t{n.professional_id}\t{n.profession_id}\t{_escape(n.type_code)}\t{_escape(n.title)}\t"
                f"{_text(n.start_date)}\t{n.end_date.isoformat()}\t{_text(n.hours)}\t{_text(n.axis)}\t"
                f"{state}\t{source.value}\t{channel}\t{declarant}\t{_escape(n.external_id)}\t{user}\t"
                f"{stamp}\t{stamp}\n"
            )
        _copy_text(cursor, f"COPY {table} ({_ACTION_COLUMNS}) FROM STDIN", lines.getvalue())
        lines = io.StringIO()
        for pk, n in zip(pks, new, strict=True):
            lines.write(f"{pk}\t{n.professional_id}\t{stamp}\t\t{state}\t{label}\taccepted\n")
        _copy_text(
            cursor,
            f"COPY {ActionTransition._meta.db_table} ({_TRANSITION_COLUMNS}) FROM STDIN",
            lines.getvalue(),
        )
        if audit_each:
            # The very fields `accounts.audit.record` writes (tests/actions/test_bulk.py compares
            # them with record_action's), COPYed: 1,000 entries cost what one INSERT of them does.
            head = f"{stamp}\t{user}\t{label}\t{_escape(actor.role)}\t"
            verb, kind = f"action.{Outcome.ACCEPTED.value}", Action._meta.model_name
            lines = io.StringIO()
            for pk, n in zip(pks, new, strict=True):
                data = _escape(json.dumps(_audit_data(n.type_code, n.end_date, source)))
                lines.write(f"{head}{n.professional_id}\t{verb}\t{kind}\t{pk}\t\t{data}\n")
            _copy_text(
                cursor, f"COPY {AuditEntry._meta.db_table} ({_AUDIT_COLUMNS}) FROM STDIN", lines.getvalue()
            )
    return pks


def _copy_text(cursor: object, sql: str, data: str) -> None:
    raw = cursor.cursor  # type: ignore[attr-defined]  # the psycopg cursor under Django's wrapper
    with raw.copy(sql) as copy:
        copy.write(data)


def _escape(value: str) -> str:
    # COPY text format: backslash, tab and newlines must be escaped.
    if any(c in value for c in "\\\t\n\r"):
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def rows_cte(name: str, columns: dict[str, str], rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """`WITH name(columns) AS (...)` holding `rows`, to join a batch with a table in one query.

    On PostgreSQL one array per column (`unnest`): a few parameters and one plan whatever the size
    of the batch; elsewhere a `VALUES` list (SQLite takes up to 32,766 parameters). `columns` maps
    each name to its PostgreSQL type."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        params = [[r[i] for r in rows] for i in range(len(columns))]
        return f"WITH {name}({names}) AS (SELECT * FROM unnest({arrays}))", params
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"WITH {name}({names}) AS (VALUES {', '.join([row] * len(rows))})", [v for r in rows for v in r]
