"""The rows of new and changed claims, for `entrypoints.claims.record_claims` (and the benchmark's
loader, `bench.loader.record_actions_bulk`): COPY on PostgreSQL, `bulk_create` elsewhere.

`insert_actions` writes new claims' rows (action, transition and, with `audit_each`, one audit
entry each); `log_actions` writes the transitions and audit entries of actions just rewritten
(D-32 corrections, D-33 merges), each with its own states and outcome. The audit entries go
through the journal's own helper (`accounts.audit.record_many`), like every other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Outcome, Source
from certipro.audit.journal import Actor, record_many
from certipro.core.sql import copy_rows


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


class Logged(NamedTuple):
    """An action just written, as its transition and its audit entry name it."""

    action_id: int
    professional_id: int
    type_code: str
    end_date: date
    from_state: str
    to_state: str
    outcome: Outcome


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
    """Inserts new actions with their transition (∅ → state, "accepted") and, with `audit_each`,
    their `action.accepted` audit entry. Returns the new primary keys, in order. Raises
    IntegrityError when one of the (declarant, external_id) was recorded meanwhile."""
    if not new:
        return []
    if connection.vendor == "postgresql":
        pks = _copy_actions(new, state, source, channel, declarant_id, actor)
    else:
        actions = Action.objects.bulk_create(  # sets pks (RETURNING)
            [
                Action(
                    **n._asdict(),
                    state=state,
                    source=source,
                    channel=channel,
                    declarant_id=declarant_id,
                    declared_by_id=actor.user.pk if actor.user is not None else None,
                )
                for n in new
            ],
            batch_size=2000,
        )
        pks = [a.pk for a in actions]
    log_actions(
        [
            Logged(pk, n.professional_id, n.type_code, n.end_date, "", state, Outcome.ACCEPTED)
            for pk, n in zip(pks, new, strict=True)
        ],
        source=source,
        actor=actor,
        audit_each=audit_each,
    )
    return pks


def log_actions(logged: Sequence[Logged], *, source: Source, actor: Actor, audit_each: bool = True) -> None:
    """The transition (`from_state` → `to_state`, the outcome as reason) and, with `audit_each`,
    the `action.<outcome>` audit entry (D-41) of each action just written."""
    if not logged:
        return
    if connection.vendor == "postgresql":
        stamp = timezone.now()
        copy_rows(
            ActionTransition._meta.db_table,
            ("action_id", "professional_id", "at", "from_state", "to_state", "actor_label", "reason"),
            (
                (
                    a.action_id,
                    a.professional_id,
                    stamp,
                    a.from_state,
                    a.to_state,
                    actor.label,
                    a.outcome.value,
                )
                for a in logged
            ),
        )
    else:
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
        kind = Action._meta.model_name
        record_many(
            (
                {
                    "verb": f"action.{a.outcome.value}",
                    "professional_id": a.professional_id,
                    # The object by kind and id: an Action instance each would cost more than the rows.
                    "object_type": kind,
                    "object_id": a.action_id,
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
    *("id", "professional_id", "profession_id", "type_code", "title", "start_date", "end_date", "hours"),
    *("axis", "state", "source", "channel", "declarant_id", "external_id", "declared_by_id"),
    *("declared_at", "updated_at"),
)


def _copy_actions(
    new: Sequence[NewAction],
    state: str,
    source: Source,
    channel: str,
    declarant_id: int | None,
    actor: Actor,
) -> list[int]:
    """COPY of the actions. Primary keys are taken from the sequence first, so that transitions and
    audit entries can point at their action without reading the rows back."""
    table = Action._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [len(new)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
    stamp = timezone.now()
    user = actor.user.pk if actor.user is not None else None
    tail = (state, source.value, channel, declarant_id)
    copy_rows(
        table,
        _ACTION_COLUMNS,
        ((pk, *n[:8], *tail, n.external_id, user, stamp, stamp) for pk, n in zip(pks, new, strict=True)),
    )
    return pks
