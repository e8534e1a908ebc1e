"""Counting actions against the four axes (domain D-21 to D-25).

``evaluate`` is the whole status computation of one period: which actions count, in which axes,
what each axis requires, the overall progress and the pace. It is a pure function of its inputs
and never depends on the order of the actions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .applicability import Segment, codes_on
from .assignment import AXES, assign_actions, assign_counts
from .config import DEFAULT_CONFIG, RulesConfig
from .pace import Pace, pace

# D-31: contested, withdrawn and rejected actions do not count.
COUNTING_STATES = frozenset({"declared", "attested"})

COUNT_ONCE = "count_once"
COUNT_IN_EACH = "count_in_each"

COMPLETE = "complete"
IN_PROGRESS = "in_progress"
EXEMPT = "exempt"


@dataclass(frozen=True)
class ActionFact:
    """One action of the professional, as far as counting is concerned."""

    id: str
    type_code: str
    end_date: date
    state: str
    # An axis chosen by the declarant: when it is one of the type's axes, the action has only
    # that axis (otherwise it is ignored and the type's axes apply).
    axis: int | None = None


@dataclass(frozen=True)
class ReferentielRules:
    """The counting rules of the current version of one référentiel."""

    code: str
    version: str
    action_axes: Mapping[str, frozenset[int]]  # action type code -> its axes
    minimums: Mapping[int, int]  # axis -> minimum for 1..4 (missing = config default)
    multi_axis: str  # "count_once" | "count_in_each"


@dataclass(frozen=True)
class AxisResult:
    axis: int
    required: int
    counted: int
    status: str  # "complete" | "in_progress" | "exempt"


@dataclass(frozen=True)
class Evaluation:
    axes: tuple[AxisResult, ...]  # always the four axes, in axis order
    progress: float
    status: str  # "complete" | "in_progress"
    slots_done: int
    slots_required: int
    # action id -> the axis it counts in (count_once). Empty under count_in_each, where an
    # action counts in every one of its axes.
    assignment: Mapping[str, int]
    referentiels: tuple[str, ...]  # "CODE@VERSION" in force on the reference date, sorted
    pace: Pace
    # action id -> the axes it counts in: {its assigned axis} under count_once, all of its axes
    # under count_in_each. Actions that do not count are absent. What pages show per axis.
    counts_in: Mapping[str, frozenset[int]] = field(default_factory=dict)


def _rules_for(
    codes: frozenset[str], rules_by_code: Mapping[str, ReferentielRules]
) -> list[ReferentielRules]:
    return [rules_by_code[code] for code in sorted(codes) if code in rules_by_code]


def _type_axes(type_code: str, rules: Sequence[ReferentielRules]) -> frozenset[int]:
    # contracts/status.md: when several référentiels list the type, the union of axes applies.
    listed = [r.action_axes.get(type_code, frozenset()) for r in rules]
    return frozenset(AXES).intersection(frozenset[int]().union(*listed))


def action_axes(
    codes: frozenset[str],
    type_code: str,
    chosen_axis: int | None,
    rules_by_code: Mapping[str, ReferentielRules],
) -> frozenset[int]:
    """The axes an action may count in, under the référentiels `codes` assigned on its end date:
    the union of the axes they give its type, narrowed to the declarant's chosen axis when the
    type has it. Empty when no assigned référentiel lists the type (it does not count)."""
    axes = _type_axes(type_code, _rules_for(codes, rules_by_code))
    return frozenset({chosen_axis}) if chosen_axis in axes else axes


def _required(
    rules: Sequence[ReferentielRules], exempt_axes: frozenset[int], config: RulesConfig
) -> dict[int, int]:
    # referentiel.md: with several référentiels the largest minimum of an axis applies (D-21);
    # D-24: an exempted axis requires nothing.
    default = config.default_minimum_per_axis
    required: dict[int, int] = {}
    for axis in AXES:
        if axis in exempt_axes:
            required[axis] = 0
        elif rules:
            required[axis] = max(r.minimums.get(axis, default) for r in rules)
        else:
            required[axis] = default
    return required


def axis_status(axis: int, required: int, counted: int, exempt_axes: frozenset[int]) -> str:
    """D-24: Dispensé / Complet / En cours (also for the figures a status snapshot stores)."""
    if axis in exempt_axes:
        return EXEMPT
    return COMPLETE if counted >= required else IN_PROGRESS


def evaluate(
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    timeline: Sequence[Segment],
    rules_by_code: Mapping[str, ReferentielRules],
    actions: Iterable[ActionFact],
    exempt_axes: frozenset[int] = frozenset(),
    config: RulesConfig = DEFAULT_CONFIG,
) -> Evaluation:
    """The certification status of one period as of ``as_of`` (D-21 to D-26).

    ``timeline`` is the professional's history of assigned codes; ``rules_by_code`` the current
    version of every code that may be assigned. The reference date min(as_of, period_end) decides
    what is required; each action is judged against the codes assigned on its end date (D-14).
    Action ids must be unique.
    """
    reference = min(as_of, period_end)
    last_day = reference  # D-22: inside the period and not in the future
    in_force = _rules_for(codes_on(timeline, reference), rules_by_code)
    required = _required(in_force, exempt_axes, config)
    each = bool(in_force) and all(r.multi_axis == COUNT_IN_EACH for r in in_force)

    seen: set[str] = set()
    counting: dict[str, frozenset[int]] = {}
    # Many actions share a type and a segment of the timeline: compute their axes once.
    type_axes: dict[tuple[frozenset[str], str, int | None], frozenset[int]] = {}
    for action in actions:
        if action.id in seen:
            raise ValueError(f"duplicate action id {action.id!r}")
        seen.add(action.id)
        if action.state not in COUNTING_STATES:
            continue
        if not period_start <= action.end_date <= last_day:
            continue
        # D-14, D-22: judged against the référentiels assigned on the action's end date.
        key = (codes_on(timeline, action.end_date), action.type_code, action.axis)
        axes = type_axes.get(key)
        if axes is None:
            axes = type_axes[key] = action_axes(key[0], key[1], key[2], rules_by_code)
        if not axes:  # a type no assigned référentiel lists does not count
            continue
        counting[action.id] = axes

    assignment: dict[str, int] = {}
    if each:
        counted = Counter(axis for axes in counting.values() for axis in axes)
    else:
        assignment = assign_actions(counting, required)
        counted = Counter(assignment.values())
    return _evaluation(
        required,
        counted,
        in_force,
        exempt_axes,
        period_start=period_start,
        period_end=period_end,
        as_of=as_of,
        config=config,
        assignment=assignment,
        counts_in=(dict(counting) if each else {a: frozenset({axis}) for a, axis in assignment.items()}),
    )


def count_by_axes(
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    timeline: Sequence[Segment],
    rules_by_code: Mapping[str, ReferentielRules],
    groups: Iterable[tuple[str, int | None, date, int]],
) -> dict[frozenset[int], int]:
    """How many of these counting actions (D-31) count, by the set of axes each may count in, as
    `evaluate` judges them: inside the period and not in the future (D-22), against the
    référentiels assigned on its end date (D-14), its chosen axis if one of its type's.

    ``groups``: the counting actions as (type code, chosen axis, end date, how many)."""
    reference = min(as_of, period_end)
    per_axes: dict[frozenset[int], int] = {}
    type_axes: dict[tuple[frozenset[str], str, int | None], frozenset[int]] = {}
    for type_code, chosen, end_date, n in groups:
        if n <= 0 or not period_start <= end_date <= reference:
            continue
        key = (codes_on(timeline, end_date), type_code, chosen)
        axes = type_axes.get(key)
        if axes is None:
            axes = type_axes[key] = action_axes(key[0], key[1], key[2], rules_by_code)
        if axes:  # a type no assigned référentiel lists does not count
            per_axes[axes] = per_axes.get(axes, 0) + n
    return per_axes


def evaluate_counts(
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    timeline: Sequence[Segment],
    rules_by_code: Mapping[str, ReferentielRules],
    per_axes: Mapping[frozenset[int], int],
    exempt_axes: frozenset[int] = frozenset(),
    config: RulesConfig = DEFAULT_CONFIG,
) -> Evaluation:
    """`evaluate` over counts, for callers that need the counts and statuses of the axes but not
    which action counts where (the status snapshots: D-21 to D-26).

    ``per_axes``: how many actions count, by the set of axes each may count in
    (`count_by_axes`). The same rules decide (D-23: the optimal assignment, over counts per set
    of axes); the result equals `evaluate`'s on the actions they stand for, but for `assignment`
    and `counts_in`, left empty (tests/certification/rules/test_evaluate_counts.py). It depends
    on the actions only through ``per_axes``: a caller may keep it per distinct input."""
    reference = min(as_of, period_end)
    in_force = _rules_for(codes_on(timeline, reference), rules_by_code)
    required = _required(in_force, exempt_axes, config)
    each = bool(in_force) and all(r.multi_axis == COUNT_IN_EACH for r in in_force)
    if each:
        counted = Counter({axis: sum(n for axes, n in per_axes.items() if axis in axes) for axis in AXES})
    else:
        counted = Counter(assign_counts(per_axes, required))
    return _evaluation(
        required,
        counted,
        in_force,
        exempt_axes,
        period_start=period_start,
        period_end=period_end,
        as_of=as_of,
        config=config,
        assignment={},
        counts_in={},
    )


def _evaluation(
    required: Mapping[int, int],
    counted: Mapping[int, int],
    in_force: Sequence[ReferentielRules],
    exempt_axes: frozenset[int],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    config: RulesConfig,
    assignment: Mapping[str, int],
    counts_in: Mapping[str, frozenset[int]],
) -> Evaluation:
    """What follows from the counts per axis: statuses (D-24), progress (D-25), pace (D-26)."""
    results = tuple(
        AxisResult(
            axis=axis,
            required=required[axis],
            counted=counted.get(axis, 0),
            status=axis_status(axis, required[axis], counted.get(axis, 0), exempt_axes),
        )
        for axis in AXES
    )
    # D-25: exempt axes require 0, so they add nothing to either sum.
    slots_required = sum(r.required for r in results)
    slots_done = sum(min(r.counted, r.required) for r in results)
    progress = round(slots_done / slots_required, 4) if slots_required else 1.0
    complete = all(r.status != IN_PROGRESS for r in results)
    return Evaluation(
        axes=results,
        progress=progress,
        status=COMPLETE if complete else IN_PROGRESS,
        slots_done=slots_done,
        slots_required=slots_required,
        assignment=assignment,
        counts_in=counts_in,
        referentiels=tuple(sorted(f"{r.code}@{r.version}" for r in in_force)),
        pace=pace(
            start=period_start,
            end=period_end,
            as_of=as_of,
            slots_done=slots_done,
            slots_required=slots_required,
            config=config,
        ),
    )
