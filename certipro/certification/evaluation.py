"""Reads the facts of a batch of exercises from the database and runs the rules engine on them.

The same code serves one professional (a page, a command) and the whole nation (a recompute):
a batch costs a fixed number of queries whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

from certipro.actions.models import Action
from certipro.certification.catalogue import Catalogue
from certipro.certification.models import Exemption, Period, PeriodState
from certipro.certification.rules import (
    ActionFact,
    Evaluation,
    ReferentielMeta,
    ReferentielRules,
    RulesConfig,
    Segment,
    assignment_timeline,
    count_by_axes,
    evaluate,
    evaluate_counts,
    period_state,
)
from certipro.certification.rules import (
    Holding as HoldingFact,
)
from certipro.directory.models import Exercise, Holding


def rules_config() -> RulesConfig:
    """The decisions of domain.md that are configuration (settings.CERTIPRO_RULES)."""
    config: RulesConfig = settings.CERTIPRO_RULES
    return config


@dataclass(frozen=True)
class PeriodView:
    """A period as it stood on a date: an early end recorded later is not yet visible before it."""

    period: Period
    start: date
    end: date
    kind: str
    state: str


@dataclass(frozen=True)
class ExerciseStatus:
    exercise: Exercise
    period: PeriodView
    evaluation: Evaluation


def period_as_of(periods: Iterable[Any], as_of: date) -> PeriodView | None:
    """The latest period started on or before `as_of`, as it stood on that date (`periods`:
    models, or plain values with their fields, `bulk_io.PeriodFacts`)."""
    started = [p for p in periods if p.start <= as_of]
    if not started:
        return None
    period = max(started, key=lambda p: p.start)
    end, stored = period.end, period.state
    if stored != PeriodState.OPEN and as_of < period.end:
        # Ended early, but not yet on `as_of`: then, it ran to its scheduled end.
        end, stored = period.scheduled_end, PeriodState.OPEN
    return PeriodView(
        period=period,
        start=period.start,
        end=end,
        kind=period.kind,
        state=period_state(stored, end, as_of),
    )


@dataclass(frozen=True)
class Facts:
    """What the engine reads of a batch of exercises besides the catalogue: periods, holdings and
    exemptions by exercise id, actions by (professional id, profession code)."""

    periods: Mapping[int, Sequence[Period]]
    holdings: Mapping[int, Sequence[Holding]]
    exemptions: Mapping[int, Sequence[Exemption]]
    actions: Mapping[tuple[int, str], Sequence[ActionFact]]


def read_facts(
    exercises: Sequence[Exercise],
    *,
    as_of: date,
    actions: Mapping[tuple[int, str], Sequence[ActionFact]] | None = None,
) -> Facts:
    """Four queries whatever the number of exercises; three with `actions` read by the caller."""
    ids = [e.pk for e in exercises]
    if actions is None:
        read: dict[tuple[int, str], list[ActionFact]] = defaultdict(list)
        rows = Action.objects.filter(
            professional_id__in={e.professional_id for e in exercises}, end_date__lte=as_of
        ).values_list("id", "professional_id", "profession_id", "type_code", "end_date", "state", "axis")
        for pk, professional_id, profession_id, type_code, end_date, state, axis in rows.iterator(2000):
            read[(professional_id, profession_id)].append(
                ActionFact(id=str(pk), type_code=type_code, end_date=end_date, state=state, axis=axis)
            )
        actions = read
    return Facts(
        periods=_group(Period.objects.filter(exercise_id__in=ids), "exercise_id"),
        holdings=_group(Holding.objects.filter(exercise_id__in=ids), "exercise_id"),
        exemptions=_group(Exemption.objects.filter(exercise_id__in=ids), "exercise_id"),
        actions=actions,
    )


def evaluate_exercises(
    exercises: Sequence[Exercise],
    *,
    as_of: date,
    catalogue: Catalogue,
    config: RulesConfig | None = None,
    facts: Facts | None = None,
) -> list[ExerciseStatus]:
    """Evaluates the period of each exercise that holds on `as_of` (exercises without one are left out).

    `facts` when the caller has read them already (the dashboard reads them with its page's
    version, space/dashboard_cache.py); else `read_facts`."""
    config = config or rules_config()
    facts = facts if facts is not None else read_facts(exercises, as_of=as_of)
    current = catalogue.current(as_of)
    rules_by_code = catalogue.rules_by_code(as_of)
    results = []
    for exercise in exercises:
        evaluated = evaluate_exercise(
            profession_id=exercise.profession_id,
            periods=facts.periods.get(exercise.pk, []),
            holdings=[
                HoldingFact(
                    start=h.start,
                    end=h.end,
                    specialties=frozenset(h.specialties),
                    chosen_code=h.chosen_referentiel or None,
                )
                for h in facts.holdings.get(exercise.pk, [])
            ],
            exemptions=[(x.axis, x.start, x.end) for x in facts.exemptions.get(exercise.pk, [])],
            actions=facts.actions.get((exercise.professional_id, exercise.profession_id), []),
            as_of=as_of,
            current=current,
            rules_by_code=rules_by_code,
            config=config,
        )
        if evaluated is not None:
            view, evaluation = evaluated
            results.append(ExerciseStatus(exercise=exercise, period=view, evaluation=evaluation))
    return results


def evaluate_exercise(
    *,
    profession_id: str,
    periods: Sequence[Any],
    holdings: Sequence[HoldingFact],
    exemptions: Iterable[tuple[int, date, date | None]],
    actions: Sequence[ActionFact] = (),
    groups: Iterable[tuple[str, int | None, date, int]] | None = None,
    as_of: date,
    current: Mapping[str, ReferentielMeta],
    rules_by_code: Mapping[str, ReferentielRules],
    config: RulesConfig,
    timeline: tuple[Segment, ...] | None = None,
    memo: dict[tuple[Any, ...], Evaluation] | None = None,
) -> tuple[PeriodView, Evaluation] | None:
    """One exercise's period as of `as_of` and the engine's evaluation of it, from its facts as
    plain values: its periods (models, or anything with their fields: `period_as_of`), its
    holdings, its exemptions as (axis, start, end), its actions; or, when only the counts
    matter (a snapshot), its counting actions as `groups` for `rules.evaluate_counts`. None when
    no period holds. `timeline`: the référentiel timeline of these holdings, if built already;
    `memo`: where a caller evaluating many exercises with the same `as_of`, rules and config keeps
    the evaluations of counts, per distinct input.
    The pages (`evaluate_exercises`) and the snapshot refresh (`status.refresh_status`) both
    come here: what is evaluated, and on what date, is decided once."""
    view = period_as_of(periods, as_of)
    if view is None:
        return None
    reference = min(as_of, view.end)
    if timeline is None:
        timeline = assignment_timeline(profession_id, holdings, current)
    exempt = frozenset(
        axis for axis, start, end in exemptions if start <= reference and (end is None or reference <= end)
    )
    if groups is not None:
        per_axes = count_by_axes(
            period_start=view.start,
            period_end=view.end,
            as_of=as_of,
            timeline=timeline,
            rules_by_code=rules_by_code,
            groups=groups,
        )
        # The rest depends on the actions only through these counts: many accounts share them.
        key = (view.start, view.end, timeline, exempt, frozenset(per_axes.items()))
        counted = memo.get(key) if memo is not None else None
        if counted is None:
            counted = evaluate_counts(
                period_start=view.start,
                period_end=view.end,
                as_of=as_of,
                timeline=timeline,
                rules_by_code=rules_by_code,
                per_axes=per_axes,
                exempt_axes=exempt,
                config=config,
            )
            if memo is not None:
                memo[key] = counted
        return view, counted
    evaluation = evaluate(
        period_start=view.start,
        period_end=view.end,
        as_of=as_of,
        timeline=timeline,
        rules_by_code=rules_by_code,
        actions=actions,
        exempt_axes=exempt,
        config=config,
    )
    return view, evaluation


def _group(queryset: Iterable[object], key: str) -> dict[int, list]:  # type: ignore[type-arg]
    grouped: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for obj in queryset:
        grouped[getattr(obj, key)].append(obj)
    return grouped
