"""The rows of new and changed claims, for `actions.claims.record_claims` (and the benchmark's
loader, `actions.bulk.record_actions_bulk`): COPY on PostgreSQL, `bulk_create` elsewhere.

`insert_actions` writes new claims' rows (action, transition and, with `audit_each`, one audit
entry each); `log_actions` writes the transitions and audit entries of actions just rewritten
(D-32 corrections, D-33 merges), each with its own states and outcome.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from certipro.accounts.audit import Actor, record_many
from certipro.accounts.models import AuditEntry
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Outcome, Source


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
    log = [
        Logged(a.pk, a.professional_id, a.type_code, a.end_date, "", state, Outcome.ACCEPTED) for a in actions
    ]
    _create_log(log, source, actor, audit_each)
    return [a.pk for a in actions]


class Logged(NamedTuple):
    """An action just written, as its transition and its audit entry name it."""

    action_id: int
    professional_id: int
    type_code: str
    end_date: date
    from_state: str
    to_state: str
    outcome: Outcome


def log_actions(logged: Sequence[Logged], *, source: Source, actor: Actor) -> None:
    """The transition (`from_state` → `to_state`, the outcome as reason) and the
    `action.<outcome>` audit entry (D-41) of each action just rewritten. COPY on PostgreSQL,
    bulk_create elsewhere."""
    if not logged:
        return
    if connection.vendor != "postgresql":
        _create_log(logged, source, actor, True)
        return
    with connection.wrap_database_errors, connection.cursor() as cursor:
        _copy_log(cursor, logged, source, actor, True, timezone.now().isoformat())


def _create_log(logged: Sequence[Logged], source: Source, actor: Actor, audit_each: bool) -> None:
    ActionTransition.objects.bulk_create(
        [
            ActionTransition(
                action_id=a.action_id,
                professional_id=a.professional_id,
                from_state=a.from_state,
                to_state=a.to_state,
                actor_label=actor.label,
                reason=a.outcome.value,
            )
            for a in logged
        ],
        batch_size=2000,
    )
    if audit_each:
        record_many(
            (
                {
                    "verb": f"action.{a.outcome.value}",
                    "professional_id": a.professional_id,
                    "obj": Action(pk=a.action_id),  # the journal names the object by kind and id
                    "data": audit_data(a.type_code, a.end_date, source),
                }
                for a in logged
            ),
            actor=actor,
        )


def audit_data(type_code: str, end_date: date, source: Source) -> dict[str, str]:
    # What the journal keeps of a claim recorded (accepted, merged or updated).
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
        _copy_log(
            cursor,
            [
                Logged(pk, n.professional_id, n.type_code, n.end_date, "", state, Outcome.ACCEPTED)
                for pk, n in zip(pks, new, strict=True)
            ],
            source,
            actor,
            audit_each,
            stamp,
        )
    return pks


def _copy_log(
    cursor: object, logged: Sequence[Logged], source: Source, actor: Actor, audit_each: bool, stamp: str
) -> None:
    label = _escape(actor.label)
    lines = io.StringIO()
    for a in logged:
        lines.write(
            f"{a.action_id}\t{a.professional_id}\t{stamp}\t{a.from_state}\t{a.to_state}\t{label}\t{a.outcome.value}\n"
        )
    _copy_text(
        cursor, f"COPY {ActionTransition._meta.db_table} ({_TRANSITION_COLUMNS}) FROM STDIN", lines.getvalue()
    )
    if not audit_each:
        return
    # The very fields `accounts.audit.record` writes (tests/actions/test_bulk.py compares
    # them with record_action's), COPYed: 1,000 entries cost what one INSERT of them does.
    user = _text(actor.user.pk if actor.user is not None else None)
    head = f"{stamp}\t{user}\t{label}\t{_escape(actor.role)}\t"
    kind = Action._meta.model_name
    lines = io.StringIO()
    for a in logged:
        data = _escape(json.dumps(audit_data(a.type_code, a.end_date, source)))
        lines.write(f"{head}{a.professional_id}\taction.{a.outcome.value}\t{kind}\t{a.action_id}\t\t{data}\n")
    _copy_text(cursor, f"COPY {AuditEntry._meta.db_table} ({_AUDIT_COLUMNS}) FROM STDIN", lines.getvalue())


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
