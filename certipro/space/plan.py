"""The personal plan of one exercise: what the owner's page shows, and its writes.

The page's builder reads the engine's own status (`status_object`), as the dashboard does, and
links planned items to the actions that fulfilled them when the plan is shown: `record_action`
knows nothing of plans. The forecast and matching are the pure rules of `plan_rules`, fed by the
reads of `plan_data`; sharing with an employer, and what the employer reads, is `plan_sharing`.

A plan is planned against the period open today. With none (an interruption ended it, D-15, or
the next one has not started yet) the plan stays readable, has no forecast and takes no new item,
and its owner may still stop sharing it.

A refused item raises `PlanRefused` with a message translated when raised (`plan_rules`); the
journal keeps only the axis and the target date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q

from certipro.accounts.models import User
from certipro.actions.models import Declarant
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import ExerciseStatus, evaluate_exercises, period_as_of
from certipro.certification.models import Period
from certipro.certification.rules.cycles import OPEN
from certipro.certification.status import status_object
from certipro.directory.models import Exercise, Professional
from certipro.referentiels.models import ActionType, Referentiel
from certipro.referentiels.specs import AXIS_LABELS
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan_data import axis_counts, counting_actions, intents_of, linked
from certipro.space.plan_rules import AxisForecast, Intent, PlanRefused, forecast, match_done, target_error
from certipro.space.plan_sharing import EMPLOYED_MODES, allowed_employers

# --- What the page shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeOption:
    code: str
    title: str
    axis: int

    @property
    def value(self) -> str:
        return f"{self.code}|{self.axis}"


@dataclass
class ItemRow:
    item: PlannedAction
    title: str
    done: bool
    late: bool
    overdue: bool


@dataclass
class AxisPlan:
    axis: int
    label: str
    forecast: AxisForecast | None  # None when no period is open today
    items: list[ItemRow] = field(default_factory=list)


@dataclass(frozen=True)
class NoPeriod:
    """Why nothing can be planned today: the last period started, how it ended, the next one."""

    last_end: date | None  # None when no period has started yet
    last_state: str  # the engine's state of that period ("ended", "ended_interruption"…), or ""
    next_start: date | None  # a period that starts after today, when one is already known


@dataclass
class PlanPage:
    """The plan of one exercise. `closed` is set, and `start`, `end` are None, when no period is
    open today: the page is then read only (no forecast, no new item, no removal)."""

    exercise: Exercise
    plan: Plan | None
    axes: list[AxisPlan]
    can_share: bool
    start: date | None = None
    end: date | None = None
    fills_every_axis: bool = False
    exempt_axes: list[int] = field(default_factory=list)
    types: list[TypeOption] = field(default_factory=list)
    late: int = 0
    employers: list[Declarant] = field(default_factory=list)  # those the plan may be shared with
    closed: NoPeriod | None = None

    @property
    def item_count(self) -> int:
        return sum(len(a.items) for a in self.axes)


def plannable_types(labels: Sequence[str]) -> list[TypeOption]:
    """Every action type of the référentiels in force, once per axis it may count in.

    Not only the types the professional may declare: a plan also holds the trainings a body or an
    employer will declare for them.
    """
    if not labels:
        return []
    query = Q()
    for label in labels:
        code, _, version = label.partition("@")
        query |= Q(code=code, version=version)
    options: dict[str, TypeOption] = {}
    for referentiel in Referentiel.objects.filter(query).prefetch_related("action_types"):
        for t in referentiel.action_types.all():
            for axis in sorted({int(a) for a in t.axes}):
                option = TypeOption(t.code, t.title, axis)
                options.setdefault(option.value, option)
    return sorted(options.values(), key=lambda o: (o.axis, o.title))


def build_plan(exercise: Exercise, *, today: date) -> PlanPage:
    """The plan of one exercise, read only when no period is open today. A fixed number of queries."""
    statuses = evaluate_exercises([exercise], as_of=today, catalogue=load_catalogue())
    status = statuses[0] if statuses and statuses[0].period.state == OPEN else None
    plan = Plan.objects.filter(exercise=exercise).select_related("employer").first()
    items = list(PlannedAction.objects.filter(professional_id=exercise.professional_id, exercise=exercise))
    intents = link_done_actions(exercise, items, today=today)
    can_share = exercise.practice_mode_id in EMPLOYED_MODES
    employers = list(allowed_employers(exercise.professional_id)) if can_share else []
    if status is None:
        page = PlanPage(exercise, plan, [], can_share, employers=employers)
        return _read_only(page, items, statuses[0] if statuses else None, today=today)
    data = status_object(status)
    period = status.period
    types = plannable_types(status.evaluation.referentiels)
    result = forecast(axes=axis_counts(data), items=intents, end=period.end, today=today)
    titles = type_titles(types, {i.type_code for i in items})
    axes = [AxisPlan(f.axis, AXIS_LABELS[f.axis], f) for f in result.axes]
    by_axis = {a.axis: a for a in axes}
    for item in items:
        by_axis[item.axis].items.append(
            ItemRow(
                item=item,
                title=titles.get(item.type_code, item.type_code),
                done=item.done_action_id is not None,
                late=item.pk in result.late,
                overdue=item.pk in result.overdue,
            )
        )
    return PlanPage(
        exercise=exercise,
        plan=plan,
        axes=axes,
        can_share=can_share,
        start=period.start,
        end=period.end,
        fills_every_axis=result.fills_every_axis,
        exempt_axes=[a["axis"] for a in data["axes"] if a["status"] == "exempt"],
        types=types,
        late=len(result.late),
        employers=employers,
    )


def _read_only(
    page: PlanPage, items: list[PlannedAction], last: ExerciseStatus | None, *, today: date
) -> PlanPage:
    """Completes the page of a plan with no period open today: its items as they stand, no forecast.

    `last` is the engine's status of the latest period started, ended since (None: none started).
    """
    upcoming = Period.objects.filter(exercise=page.exercise, start__gt=today).order_by("start")
    page.closed = NoPeriod(
        last_end=last.period.end if last else None,
        last_state=last.period.state if last else "",
        next_start=upcoming.values_list("start", flat=True).first(),
    )
    types = plannable_types(last.evaluation.referentiels) if last else []
    titles = type_titles(types, {i.type_code for i in items})
    page.axes = [AxisPlan(axis, AXIS_LABELS[axis], None) for axis in (1, 2, 3, 4)]
    for item in items:
        done = item.done_action_id is not None
        page.axes[item.axis - 1].items.append(
            ItemRow(
                item, titles[item.type_code], done, late=False, overdue=not done and item.target_date < today
            )
        )
    return page


def period_open(exercise: Exercise, *, today: date) -> bool:
    """Whether a period of this exercise is open today, as the engine sees it (one query)."""
    view = period_as_of(Period.objects.filter(exercise=exercise), today)
    return view is not None and view.state == OPEN


def type_titles(types: Iterable[TypeOption], codes: set[str]) -> dict[str, str]:
    """The title of each code: from the référentiels in force, else from any version (D-14)."""
    titles = {t.code: t.title for t in types}
    missing = codes - titles.keys()
    if missing:  # a type of a former référentiel: any version's title will do
        titles.update(ActionType.objects.filter(code__in=missing).values_list("code", "title"))
    return {code: titles.get(code, code) for code in codes}


# --- Writes ----------------------------------------------------------------------------------------


def link_done_actions(exercise: Exercise, items: list[PlannedAction], *, today: date) -> list[Intent]:
    """Sets `done_action` on the items a counting action fulfils (and clears stale links)."""
    intents = intents_of(items)
    if not items:
        return intents
    actions = counting_actions([exercise], {i.type_code for i in items}, today=today)
    links = match_done(intents, actions.get((exercise.professional_id, exercise.profession_id), []))
    changed = [i for i in items if links[i.pk] != i.done_action_id]
    for item in changed:
        item.done_action_id = links[item.pk]
    if changed:
        PlannedAction.objects.bulk_update(changed, ["done_action"])
    return [linked(i, links[i.key]) for i in intents]


@transaction.atomic
def add_planned_action(
    *,
    professional: Professional,
    user: User,
    exercise: Exercise,
    option: TypeOption,
    target_date: date,
    note: str,
    period_end: date,
    today: date,
) -> PlannedAction:
    """Adds an intention to the plan (created on first use). Raises PlanRefused on a bad date."""
    error = target_error(target_date, today=today, end=period_end)
    if error:
        raise PlanRefused("target_date", error)
    plan, _ = Plan.objects.get_or_create(exercise=exercise, defaults={"professional": professional})
    item = PlannedAction.objects.create(
        plan=plan,
        professional=professional,
        exercise=exercise,
        type_code=option.code,
        axis=option.axis,
        target_date=target_date,
        note=note,
    )
    # The type and note may say something private (axis 4): the journal keeps the axis and date.
    record(
        actor=Actor.for_user(user, "professional"),
        verb="plan.item_added",
        professional_id=professional.pk,
        obj=item,
        data={"axis": item.axis, "target_date": target_date.isoformat()},
    )
    return item


@transaction.atomic
def remove_planned_action(*, item: PlannedAction, user: User) -> None:
    record(
        actor=Actor.for_user(user, "professional"),
        verb="plan.item_removed",
        professional_id=item.professional_id,
        obj=item,
        data={"axis": item.axis},
    )
    item.delete()
