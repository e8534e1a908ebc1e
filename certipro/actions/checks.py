"""The checks a claim passes before it is recorded (contracts/declarations.md error codes).

One implementation for one claim (`record_action`) and for batches (`record_actions_bulk`, the
declaration API): a `ClaimChecker` loads what the checks need for a set of professionals with
four queries, then judges any number of claims in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from certipro.actions.models import Source
from certipro.certification.catalogue import Catalogue
from certipro.certification.evaluation import period_as_of
from certipro.certification.models import Period
from certipro.certification.rules import Holding as HoldingFact
from certipro.certification.rules import ReferentielRules, Segment, assignment_timeline, codes_on
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


@dataclass(frozen=True)
class Held:
    """An exercise with what the checks need: its periods and its référentiel timeline."""

    exercise: Exercise
    periods: list[Period]
    timeline: tuple[Segment, ...]


class ClaimChecker:
    def __init__(self, professional_ids: Iterable[int], *, catalogue: Catalogue, today: date) -> None:
        self.catalogue, self.today = catalogue, today
        self.rules_by_code = catalogue.rules_by_code(today)
        self.known_types = frozenset(t for r in self.rules_by_code.values() for t in r.action_axes)
        self.held = self._load(set(professional_ids))

    def _load(self, professional_ids: set[int]) -> dict[int, list[Held]]:
        known = set(Professional.objects.filter(pk__in=professional_ids).values_list("pk", flat=True))
        exercises = list(Exercise.objects.filter(professional_id__in=known).order_by("pk"))
        ids = [e.pk for e in exercises]
        periods: dict[int, list[Period]] = defaultdict(list)
        for p in Period.objects.filter(exercise_id__in=ids):
            periods[p.exercise_id].append(p)
        holdings: dict[int, list[HoldingFact]] = defaultdict(list)
        for h in Holding.objects.filter(exercise_id__in=ids):
            holdings[h.exercise_id].append(
                HoldingFact(h.start, h.end, frozenset(h.specialties), h.chosen_referentiel or None)
            )
        current = self.catalogue.current(self.today)
        held: dict[int, list[Held]] = {pk: [] for pk in known}
        for e in exercises:
            timeline = assignment_timeline(e.profession_id, holdings[e.pk], current)
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
            view = period_as_of(x.periods, end_date)
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
