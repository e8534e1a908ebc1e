"""D-33 for a whole batch: the declarations that attest an action their professional
self-declared are merged into it, writing what `record_action` writes for a merge, with a fixed
number of queries however many merges a batch holds (they went one by one, each in a savepoint).

- Which action each declaration merges into is decided in request order, each action merged
  once (`pick`): that is what `record_action` called for each declaration in turn decides, as
  the first merge takes the action out of the next declaration's candidates (it is attested then).
- The actions are rewritten by one UPDATE … FROM the batch, which checks again that each is still
  a self-declared action overlapping its declaration: the read around the batch took no lock, and
  a concurrent request (another body attesting the same action, the professional withdrawing it)
  may have changed it since. Those it did not rewrite are returned to the caller, whose entry
  point decides them afresh.
- Then the transition (declared → attested, "merged") and the `action.merged` audit entry of each
  (`actions.bulk_write.log_actions`: COPY on PostgreSQL, bulk_create elsewhere).

tests/declarations/test_intake_merge.py compares the rows with `record_action`'s, field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from certipro.actions.bulk_write import Logged, log_actions
from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.actions.services import Outcome
from certipro.audit.journal import Actor
from certipro.core.sql import rows_cte
from certipro.declarations.intake_sql import Candidate
from certipro.declarations.schemas import DeclarationIn


class Merge(NamedTuple):
    """A checked declaration and the self-declared action it is merged into."""

    action_id: int
    professional_id: int
    profession_id: str  # of the exercise the declaration counts for (it may differ: D-13)
    declaration: DeclarationIn


def pick(wanted: Iterable[tuple[int, Sequence[Candidate]]]) -> dict[int, Candidate]:
    """For each position, in request order, the first of its candidates (`Candidate` says in
    which order) no earlier position took; positions left without one are new declarations."""
    taken: set[int] = set()
    picked: dict[int, Candidate] = {}
    for position, candidates in wanted:
        free = next((c for c in sorted(candidates) if c.action_id not in taken), None)
        if free is not None:
            taken.add(free.action_id)
            picked[position] = free
    return picked


def merge_actions(
    merges: Sequence[Merge], *, source: Source, channel: Channel, declarant_id: int, actor: Actor
) -> set[int]:
    """Merges each declaration into its action (D-33); returns the ids of the actions merged."""
    if not merges:
        return set()
    done = _rewrite(merges, source, channel, declarant_id)
    log_actions(
        [
            Logged(m.action_id, m.professional_id, m.declaration.action_type, m.declaration.end_date)
            for m in merges
            if m.action_id in done
        ],
        outcome=Outcome.MERGED,
        from_state=ActionState.DECLARED,  # the only state a merge starts from (D-33)
        to_state=ActionState.ATTESTED,  # a third party's claim (D-31)
        source=source,
        actor=actor,
    )
    return done


_BATCH = {
    "action_id": "bigint",
    "professional_id": "bigint",
    "type_code": "text",
    "profession_id": "text",
    "title": "text",
    "start_date": "date",
    "end_date": "date",
    "hours": "numeric",
    "axis": "smallint",
    "external_id": "text",
}
# The fields `record_action` sets on a merge (its `content`, the provenance and the state); the
# professional and the type are those of the action already, declared_at/declared_by stay.
_SET = (
    "profession_id = m.profession_id, title = m.title, start_date = m.start_date, end_date = m.end_date, "
    "hours = m.hours, axis = m.axis, external_id = m.external_id, "
    "state = %s, source = %s, channel = %s, declarant_id = %s, updated_at = %s"
)
# Still what `record_action` would merge into (its candidates' filter and overlap test), judged on
# the row as it is now: another request may have merged it, the professional withdrawn it.
_STILL = (
    "a.id = m.action_id AND a.professional_id = m.professional_id AND a.type_code = m.type_code "
    "AND a.source = %s AND a.state = %s AND a.declarant_id IS NULL "
    "AND a.end_date >= COALESCE(m.start_date, m.end_date) "
    "AND COALESCE(a.start_date, a.end_date) <= m.end_date"
)


def _rewrite(merges: Sequence[Merge], source: Source, channel: Channel, declarant_id: int) -> set[int]:
    cte, params = rows_cte(
        "m",
        _BATCH,
        [
            (
                m.action_id,
                m.professional_id,
                m.declaration.action_type,
                m.profession_id,
                m.declaration.title,
                m.declaration.start_date,
                m.declaration.end_date,
                m.declaration.hours,
                m.declaration.axis,
                m.declaration.external_id,
            )
            for m in merges
        ],
    )
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    params += [ActionState.ATTESTED.value, source.value, channel.value, declarant_id, stamp]
    params += [Source.PROFESSIONAL.value, ActionState.DECLARED.value]
    # `RETURNING id`: the batch's columns are named otherwise, and SQLite's RETURNING may only
    # name the updated table's.
    sql = f"{cte} UPDATE {Action._meta.db_table} AS a SET {_SET} FROM m WHERE {_STILL} RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}
