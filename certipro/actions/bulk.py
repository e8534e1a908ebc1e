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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from certipro.accounts.audit import Actor, record
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Source
from certipro.actions.services import THIRD_PARTY_KINDS, ActionRefused, Outcome, record_action
from certipro.certification.catalogue import Catalogue
from certipro.certification.evaluation import period_as_of
from certipro.certification.models import Period
from certipro.certification.rules import Holding as HoldingFact
from certipro.certification.rules import ReferentielRules, Segment, assignment_timeline, codes_on
from certipro.directory.models import Exercise, Holding, Professional

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
    for batch in _chunks(items, batch_size):
        report.results.extend(_Batch(batch, actor, today, source, channel, catalogue).run())
    return report


def _chunks(items: Iterable[Claim], size: int) -> Iterator[list[Claim]]:
    batch: list[Claim] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Accepted(NamedTuple):
    claim: Claim
    profession_id: str


@dataclass
class _Exercise:
    exercise: Exercise
    periods: list[Period]
    timeline: tuple[Segment, ...]


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
        self.rules_by_code = catalogue.rules_by_code(today)
        self.known_types = frozenset(t for r in self.rules_by_code.values() for t in r.action_axes)
        self.kind = THIRD_PARTY_KINDS.get(source, "professional" if source == Source.PROFESSIONAL else None)
        self.state = ActionState.DECLARED if source == Source.PROFESSIONAL else ActionState.ATTESTED

    @transaction.atomic
    def run(self) -> list[ItemResult]:
        exercises = self._load({i.professional_id for i in self.items})
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
                pending.append(self._check(item, exercises))
            except ActionRefused as refused:
                results.append(ItemResult(outcome=None, code=refused.code, message=refused.message))
            else:
                results.append(ItemResult(outcome=Outcome.ACCEPTED.value))
        self._write(pending)
        return results

    def _load(self, professional_ids: set[int]) -> dict[int, list[_Exercise] | None]:
        """Exercises, periods and holdings of the batch's professionals: four queries in all."""
        known: dict[int, list[_Exercise] | None] = {
            pk: [] for pk in Professional.objects.filter(pk__in=professional_ids).values_list("pk", flat=True)
        }
        rows = list(Exercise.objects.filter(professional_id__in=list(known)).order_by("pk"))
        ids = [e.pk for e in rows]
        periods: dict[int, list[Period]] = defaultdict(list)
        for p in Period.objects.filter(exercise_id__in=ids):
            periods[p.exercise_id].append(p)
        holdings: dict[int, list[HoldingFact]] = defaultdict(list)
        for h in Holding.objects.filter(exercise_id__in=ids):
            holdings[h.exercise_id].append(
                HoldingFact(h.start, h.end, frozenset(h.specialties), h.chosen_referentiel or None)
            )
        current = self.catalogue.current(self.today)
        for e in rows:
            timeline = assignment_timeline(e.profession_id, holdings[e.pk], current)
            known[e.professional_id].append(_Exercise(e, periods[e.pk], timeline))  # type: ignore[union-attr]
        for pk in professional_ids - set(known):
            known[pk] = None
        return known

    def _check(self, item: Claim, exercises: dict[int, list[_Exercise] | None]) -> _Accepted:
        """`record_action`'s checks, in its order (find_exercise, then declarable, then axis)."""
        held = exercises.get(item.professional_id)
        if held is None:
            raise ActionRefused("unknown_professional", f"no professional {item.professional_id}")
        if item.start_date is not None and item.start_date > item.end_date:
            raise ActionRefused("invalid", "start_date is after end_date")
        if item.hours is not None and not (Decimal(0) < item.hours <= Decimal(2000)):
            raise ActionRefused("invalid", "hours must be greater than 0 and at most 2000")
        if item.end_date > self.today:
            raise ActionRefused("future_date", f"end_date {item.end_date} is after today")
        if item.type_code not in self.known_types:
            raise ActionRefused(
                "unknown_action_type", f"no published référentiel has action type {item.type_code}"
            )
        found = self._listing(item, held)
        exercise, axes, declarable = found
        if self.kind is not None and self.kind not in declarable:
            raise ActionRefused(
                "not_declarable", f"the référentiel does not let a {self.kind} declare {item.type_code}"
            )
        if item.axis is not None and item.axis not in axes:
            raise ActionRefused(
                "invalid", f"axis {item.axis} is not an axis of {item.type_code} ({sorted(axes)})"
            )
        # A plain pair, not a model instance: building millions of those costs more than the checks.
        return _Accepted(item, exercise.profession_id)

    def _listing(self, item: Claim, held: list[_Exercise]) -> tuple[Exercise, frozenset[int], set[str]]:
        in_period = False
        for x in held:
            if item.profession is not None and x.exercise.profession_id != item.profession:
                continue
            view = period_as_of(x.periods, item.end_date)
            if view is None or not (view.start <= item.end_date <= view.end):
                continue
            in_period = True
            listing: list[ReferentielRules] = [
                self.rules_by_code[c]
                for c in sorted(codes_on(x.timeline, item.end_date))
                if c in self.rules_by_code
            ]
            axes = frozenset[int]().union(*(r.action_axes.get(item.type_code, frozenset()) for r in listing))
            if axes:
                declarable: set[str] = set()
                for r in listing:
                    declarable.update(
                        self.catalogue.declarable_by.get((r.code, r.version, item.type_code), ())
                    )
                return x.exercise, axes, declarable
        if not in_period:
            raise ActionRefused(
                "outside_cycle", f"end_date {item.end_date} is not inside a period of this professional"
            )
        raise ActionRefused(
            "not_in_referentiel",
            f"action type {item.type_code} is not in the référentiels assigned to this professional "
            f"on {item.end_date}",
        )

    def _single(self, item: Claim) -> ItemResult:
        professional = Professional.objects.filter(pk=item.professional_id).first()
        if professional is None:
            return ItemResult(None, "unknown_professional", f"no professional {item.professional_id}")
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
