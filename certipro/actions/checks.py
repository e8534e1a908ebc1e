"""The checks a claim passes before it is recorded (contracts/declarations.md error codes).

One implementation for one claim (`record_action`) and for batches (`record_actions_bulk`, the
declaration API): a `ClaimChecker` loads what the checks need for a set of professionals with
four queries, as plain values where it can, then judges any number of claims in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from certipro.actions.models import Source
from certipro.certification.catalogue import Catalogue
from certipro.certification.evaluation import period_as_of
from certipro.certification.models import Period
from certipro.certification.rules import Holding as HoldingFact
from certipro.certification.rules import (
    ReferentielMeta,
    ReferentielRules,
    Segment,
    assignment_timeline,
    codes_on,
)
from certipro.directory.models import Exercise, Holding, Professional

# Who may declare, as référentiels name them (declarable_by); the other sources are not limited.
DECLARANT_KINDS = {
    Source.PROFESSIONAL: "professional",
    Source.ORGANISM: "organism",
    Source.EMPLOYER: "employer",
}


class ActionRefused(Exception):
    """A claim that cannot be recorded; `code` is one of contracts/declarations.md's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PeriodFacts(NamedTuple):
    """What `period_as_of` reads of a period: plain values, not a model instance (a batch of the
    declaration API loads a thousand)."""

    pk: int
    start: date
    end: date
    scheduled_end: date
    kind: str
    state: str


@dataclass(frozen=True)
class Held:
    """An exercise with what the checks need: its periods and its référentiel timeline."""

    exercise: Exercise
    periods: list[PeriodFacts]
    timeline: tuple[Segment, ...]


def among(column: str, values: Collection[Any], kind: str) -> Q | RawSQL:
    """`column IN values`, on PostgreSQL as `column = ANY(array)`: one parameter, where a thousand
    placeholders would cost more to build, bind and parse than the query itself, and an index
    condition, never a join the planner might turn into a scan. For querysets without joins."""
    if connection.vendor == "postgresql":
        return RawSQL(f"{column} = ANY(%s::{kind}[])", (list(values),), output_field=BooleanField())
    return Q(**{f"{column}__in": values})


class ClaimChecker:
    def __init__(
        self, professional_ids: Iterable[int], *, catalogue: Catalogue, today: date, existing: bool = False
    ) -> None:
        """Loads what the checks of these professionals' claims need (four queries, three when
        the caller has just read the ids from the professionals: `existing`)."""
        self.catalogue, self.today = catalogue, today
        self.rules_by_code = catalogue.rules_by_code(today)
        self.known_types = frozenset(t for r in self.rules_by_code.values() for t in r.action_axes)
        self.held = self._load(set(professional_ids), existing)

    def _load(self, professional_ids: set[int], existing: bool) -> dict[int, list[Held]]:
        known = professional_ids
        if not existing:
            known = set(
                Professional.objects.filter(among("id", professional_ids, "bigint")).values_list(
                    "pk", flat=True
                )
            )
        exercises = list(Exercise.objects.filter(among("professional_id", known, "bigint")).order_by("pk"))
        periods: dict[int, list[PeriodFacts]] = defaultdict(list)
        for exercise_id, pk, start, end, scheduled_end, kind, state in Period.objects.filter(
            among("professional_id", known, "bigint")
        ).values_list("exercise_id", "pk", "start", "end", "scheduled_end", "kind", "state"):
            periods[exercise_id].append(PeriodFacts(pk, start, end, scheduled_end, kind, state))
        holdings: dict[int, list[HoldingFact]] = defaultdict(list)
        for exercise_id, held_from, held_to, specialties, chosen in Holding.objects.filter(
            among("professional_id", known, "bigint")
        ).values_list("exercise_id", "start", "end", "specialties", "chosen_referentiel"):
            holdings[exercise_id].append(
                HoldingFact(held_from, held_to, frozenset(specialties), chosen or None)
            )
        # Each profession's référentiels alone: the timeline is the same (only they can apply) and
        # is built a thousand times per batch.
        current: dict[str, dict[str, ReferentielMeta]] = defaultdict(dict)
        for code, meta in self.catalogue.current(self.today).items():
            current[meta.profession][code] = meta
        held: dict[int, list[Held]] = {pk: [] for pk in known}
        for e in exercises:
            timeline = assignment_timeline(e.profession_id, holdings[e.pk], current[e.profession_id])
            held[e.professional_id].append(Held(e, periods[e.pk], timeline))
        return held

    def check(
        self,
        *,
        professional_id: int,
        type_code: str,
        end_date: date,
        source: Source,
        profession: str | None = None,
        start_date: date | None = None,
        hours: Decimal | None = None,
        axis: int | None = None,
    ) -> Exercise:
        """The exercise the claim counts for; raises ActionRefused with the first problem found."""
        if start_date is not None and start_date > end_date:
            raise ActionRefused("invalid", "start_date: must be on or before end_date")
        if hours is not None and not (Decimal(0) < hours <= Decimal(2000)):
            raise ActionRefused("invalid", "hours: must be greater than 0 and at most 2000")
        if end_date > self.today:
            raise ActionRefused("future_date", f"end_date {end_date} is after today")
        if type_code not in self.known_types:
            raise ActionRefused(
                "unknown_action_type", f"no published référentiel has action type {type_code}"
            )
        held = self.held.get(professional_id)
        if held is None:
            raise ActionRefused("unknown_rpps", "no such professional")
        exercise, axes, declarable = self._listing(held, type_code, end_date, profession)
        kind = DECLARANT_KINDS.get(source)
        if kind is not None and kind not in declarable:
            raise ActionRefused(
                "not_declarable", f"the référentiel does not let a {kind} declare {type_code}"
            )
        if axis is not None and axis not in axes:
            raise ActionRefused("invalid", f"axis: {axis} is not an axis of {type_code} ({sorted(axes)})")
        return exercise

    def _listing(
        self, held: list[Held], type_code: str, end_date: date, profession: str | None
    ) -> tuple[Exercise, frozenset[int], set[str]]:
        """D-14, D-22: the référentiels assigned on the end date, in their current version, must
        list the type (contracts/referentiel.md)."""
        in_period = False
        for x in held:
            if profession is not None and x.exercise.profession_id != profession:
                continue
            view = period_as_of(x.periods, end_date)  # type: ignore[arg-type]  # reads only PeriodFacts' fields
            if view is None or not (view.start <= end_date <= view.end):
                continue
            in_period = True
            listing: list[ReferentielRules] = [
                self.rules_by_code[c]
                for c in sorted(codes_on(x.timeline, end_date))
                if c in self.rules_by_code
            ]
            axes = frozenset[int]().union(*(r.action_axes.get(type_code, frozenset()) for r in listing))
            if axes:
                declarable: set[str] = set()
                for r in listing:
                    declarable.update(self.catalogue.declarable_by.get((r.code, r.version, type_code), ()))
                return x.exercise, axes, declarable
        if not in_period:
            raise ActionRefused(
                "outside_cycle", f"end_date {end_date} is not inside a period of this professional"
            )
        raise ActionRefused(
            "not_in_referentiel",
            f"action type {type_code} is not in the référentiels assigned to this professional on {end_date}",
        )
