"""`record_actions_bulk`: the bulk twin of `record_action` for loaders (benchmarks, big file imports).

The same checks as `record_action`, in the same order so that a refused item gets the same error
code, but made per batch of items with a fixed number of queries, and written with COPY on
PostgreSQL (bulk_create elsewhere): one ActionTransition per action, one audit entry per batch.
It does NOT refresh status snapshots: the caller runs the bulk recompute
(`certipro.certification.bulk.recompute_all`) once it is done.

Items carrying a declarant reference may replay (D-32) or merge with a self-declared action
(D-33): those are passed, in their place in the sequence, to `record_action` itself, so the
semantics stay those of the single entry point. The fast path is for new claims.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from certipro.accounts.audit import Actor, record
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
        if connection.vendor == "postgresql":
            first, last = _copy(accepted, self.state, self.source.value, self.channel.value, self.actor)
        else:
            actions = Action.objects.bulk_create(  # sets pks (RETURNING)
                [
                    Action(
                        professional_id=a.claim.professional_id,
                        profession_id=a.profession_id,
                        type_code=a.claim.type_code,
                        title=a.claim.title,
                        start_date=a.claim.start_date,
                        end_date=a.claim.end_date,
                        hours=a.claim.hours,
                        axis=a.claim.axis,
                        state=self.state,
                        source=self.source,
                        channel=self.channel,
                        external_id=a.claim.external_id,
                        declared_by=self.actor.user,
                    )
                    for a in accepted
                ],
                batch_size=2000,
            )
            ActionTransition.objects.bulk_create(
                [
                    ActionTransition(
                        action_id=a.pk,
                        professional_id=a.professional_id,
                        to_state=a.state,
                        actor_label=self.actor.label,
                        reason=Outcome.ACCEPTED.value,
                    )
                    for a in actions
                ],
                batch_size=2000,
            )
            first, last = actions[0].pk, actions[-1].pk
        # One entry per batch: a loader's batch is one decision, not thousands (D-41 keeps who/when).
        record(
            actor=self.actor,
            verb="action.bulk_accepted",
            data={
                "count": len(accepted),
                "source": self.source.value,
                "professionals": len({a.claim.professional_id for a in accepted}),
                "first_id": first,
                "last_id": last,
            },
        )


_ACTION_COLUMNS = (
    "id, professional_id, profession_id, type_code, title, start_date, end_date, hours, axis, state, "
    "source, channel, declarant_id, external_id, declared_by_id, declared_at, updated_at"
)
_TRANSITION_COLUMNS = "action_id, professional_id, at, from_state, to_state, actor_label, reason"


def _copy(accepted: list[_Accepted], state: str, source: str, channel: str, actor: Actor) -> tuple[int, int]:
    """COPY both tables. Primary keys are taken from the sequence first, so that transitions can
    point at their action without reading the rows back. Returns the first and last pk."""
    table = Action._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [len(accepted)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        stamp = timezone.now().isoformat()
        label = _escape(actor.label)
        user = _text(actor.user.pk if actor.user is not None else None)
        lines = io.StringIO()
        for pk, (c, profession) in zip(pks, accepted, strict=True):
            lines.write(
                f"{pk}\t{c.professional_id}\t{profession}\t{_escape(c.type_code)}\t{_escape(c.title)}\t"
                f"{_text(c.start_date)}\t{c.end_date.isoformat()}\t{_text(c.hours)}\t{_text(c.axis)}\t"
                f"{state}\t{source}\t{channel}\t\\N\t{_escape(c.external_id)}\t{user}\t{stamp}\t{stamp}\n"
            )
        _copy_text(cursor, f"COPY {table} ({_ACTION_COLUMNS}) FROM STDIN", lines.getvalue())
        lines = io.StringIO()
        for pk, (c, _) in zip(pks, accepted, strict=True):
            lines.write(f"{pk}\t{c.professional_id}\t{stamp}\t\t{state}\t{label}\taccepted\n")
        _copy_text(
            cursor,
            f"COPY {ActionTransition._meta.db_table} ({_TRANSITION_COLUMNS}) FROM STDIN",
            lines.getvalue(),
        )
    return pks[0], pks[-1]


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
