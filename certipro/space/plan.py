"""The personal plan: what it forecasts (pure rules), what the page shows, and its writes.

`forecast` and `match_done` take plain data and dates and return plain data (no ORM, no clock).
The page's builder reads the engine's own status (`status_object`), as the dashboard does, and
links planned items to the actions that fulfilled them when the plan is shown: `record_action`
knows nothing of plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from certipro.accounts.audit import Actor, record
from certipro.accounts.models import User
from certipro.actions.models import Action, ActionState
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.status import status_object
from certipro.directory.models import Exercise, Professional
from certipro.referentiels.models import ActionType, Referentiel
from certipro.space.dashboard import AXIS_LABELS
from certipro.space.models_plan import Plan, PlannedAction

# An employer exists for these practice modes (salarié, mixte, armées): only they may share.
EMPLOYED_MODES = ("S", "M", "A")
COUNTING = (ActionState.DECLARED, ActionState.ATTESTED)  # D-31


# --- Pure rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AxisCount:
    axis: int
    required: int  # 0 when exempt (D-24)
    counted: int


@dataclass(frozen=True)
class Intent:
    """A planned item as the rules see it."""

    key: int
    type_code: str
    axis: int
    target_date: date
    planned_on: date
    done_action: int | None = None


@dataclass(frozen=True)
class Done:
    """A counting action that may fulfil an intent."""

    pk: int
    type_code: str
    end_date: date


@dataclass(frozen=True)
class AxisForecast:
    axis: int
    required: int
    done: int
    planned: int  # pending items whose target date is on or before the end
    missing: int


@dataclass(frozen=True)
class Forecast:
    axes: tuple[AxisForecast, ...]
    fills_every_axis: bool
    late: frozenset[int]  # pending items planned after the end of the period: they will not count
    overdue: frozenset[int]  # pending items whose target date has passed


def forecast(*, axes: Sequence[AxisCount], items: Sequence[Intent], end: date, today: date) -> Forecast:
    """For each axis, done + pending planned by `end` against required.

    A done item is already in `counted` (the engine's count), so only pending items add. An
    overdue item still counts as planned: its action may be done and its declaration on its way.
    """
    pending = [i for i in items if i.done_action is None]
    late = frozenset(i.key for i in pending if i.target_date > end)
    overdue = frozenset(i.key for i in pending if i.target_date < today and i.key not in late)
    rows = []
    for a in axes:
        planned = sum(1 for i in pending if i.axis == a.axis and i.key not in late)
        missing = max(0, a.required - a.counted - planned)
        rows.append(AxisForecast(a.axis, a.required, a.counted, planned, missing))
    return Forecast(tuple(rows), all(r.missing == 0 for r in rows), late, overdue)


def match_done(items: Sequence[Intent], actions: Sequence[Done]) -> dict[int, int | None]:
    """The action that fulfils each item: same type, ended on or after the day it was planned.

    One action fulfils one item at most. A link still valid is kept, so that an item never hops
    from one action to another; the others take the earliest free action, earliest target first.
    """
    by_pk = {a.pk: a for a in actions}
    ordered = sorted(actions, key=lambda a: (a.end_date, a.pk))
    used: set[int] = set()
    result: dict[int, int | None] = {}

    def fits(item: Intent, action: Done) -> bool:
        return action.type_code == item.type_code and action.end_date >= item.planned_on

    for item in items:
        kept = by_pk.get(item.done_action) if item.done_action is not None else None
        if kept is not None and kept.pk not in used and fits(item, kept):
            result[item.key] = kept.pk
            used.add(kept.pk)
    for item in sorted(items, key=lambda i: (i.target_date, i.key)):
        if item.key in result:
            continue
        found = next((a for a in ordered if a.pk not in used and fits(item, a)), None)
        result[item.key] = found.pk if found else None
        if found:
            used.add(found.pk)
    return result


def target_error(target: date, *, today: date, end: date) -> str | None:
    """Why a target date is refused at creation, in French; None when it is fine."""
    if target < today:
        return "La date prévue ne peut pas être dans le passé."
    if target > end:
        return (
            f"La date prévue doit tomber au plus tard le {end.day} {MONTHS[end.month - 1]} {end.year}, "
            "fin de votre période de certification."
        )
    return None


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")  # fmt: skip


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
    forecast: AxisForecast
    items: list[ItemRow] = field(default_factory=list)


@dataclass
class PlanPage:
    exercise: Exercise
    plan: Plan | None
    start: date
    end: date
    axes: list[AxisPlan]
    fills_every_axis: bool
    exempt_axes: list[int]
    types: list[TypeOption]
    late: int
    can_share: bool


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


def build_plan(exercise: Exercise, *, today: date) -> PlanPage | None:
    """The plan of one exercise, or None when no period is open today. A fixed number of queries."""
    statuses = evaluate_exercises([exercise], as_of=today, catalogue=load_catalogue())
    if not statuses:
        return None
    status = statuses[0]
    data = status_object(status)
    period = status.period
    types = plannable_types(status.evaluation.referentiels)
    plan = Plan.objects.filter(exercise=exercise).first()
    items = list(PlannedAction.objects.filter(professional_id=exercise.professional_id, exercise=exercise))
    intents = link_done_actions(exercise, items, today=today)
    counts = [AxisCount(a["axis"], a["required"], a["counted"]) for a in data["axes"]]
    result = forecast(axes=counts, items=intents, end=period.end, today=today)
    titles = {t.code: t.title for t in types}
    missing_titles = {i.type_code for i in items} - titles.keys()
    if missing_titles:  # a type of a former référentiel (D-14): any version's title will do
        titles.update(ActionType.objects.filter(code__in=missing_titles).values_list("code", "title"))
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
        start=period.start,
        end=period.end,
        axes=axes,
        fills_every_axis=result.fills_every_axis,
        exempt_axes=[a["axis"] for a in data["axes"] if a["status"] == "exempt"],
        types=types,
        late=len(result.late),
        can_share=exercise.practice_mode_id in EMPLOYED_MODES,
    )


# --- Writes ----------------------------------------------------------------------------------------


def link_done_actions(exercise: Exercise, items: list[PlannedAction], *, today: date) -> list[Intent]:
    """Sets `done_action` on the items a counting action fulfils (and clears stale links)."""
    intents = [
        Intent(
            i.pk,
            i.type_code,
            i.axis,
            i.target_date,
            timezone.localdate(i.created_at),
            i.done_action_id,
        )
        for i in items
    ]
    if not items:
        return intents
    actions = [
        Done(pk, code, end)
        for pk, code, end in Action.objects.filter(
            professional_id=exercise.professional_id,
            profession_id=exercise.profession_id,
            state__in=COUNTING,
            type_code__in={i.type_code for i in items},
            end_date__lte=today,
        ).values_list("pk", "type_code", "end_date")
    ]
    links = match_done(intents, actions)
    changed = [i for i in items if links[i.pk] != i.done_action_id]
    for item in changed:
        item.done_action_id = links[item.pk]
    if changed:
        PlannedAction.objects.bulk_update(changed, ["done_action"])
    return [Intent(i.key, i.type_code, i.axis, i.target_date, i.planned_on, links[i.key]) for i in intents]


class PlanRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


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


@transaction.atomic
def share_plan(*, professional: Professional, user: User, exercise: Exercise, shared: bool) -> Plan:
    """Records the professional's choice to share the plan with their employer (the flag only)."""
    plan, _ = Plan.objects.get_or_create(exercise=exercise, defaults={"professional": professional})
    plan.shared_with_employer = shared
    plan.save(update_fields=["shared_with_employer", "updated_at"])
    record(
        actor=Actor.for_user(user, "professional"),
        verb="plan.shared" if shared else "plan.unshared",
        professional_id=professional.pk,
        obj=plan,
    )
    return plan
