"""The personal plan: what it forecasts (pure rules), what the pages show, and its writes.

`forecast` and `match_done` take plain data and dates and return plain data (no ORM, no clock).
The page's builder reads the engine's own status (`status_object`), as the dashboard does, and
links planned items to the actions that fulfilled them when the plan is shown: `record_action`
knows nothing of plans. `summarize_plans` gives an employer the same forecast for the plans
shared with it (decision 0004), for a page of plans at once and without writing anything.

A plan is planned against the period open today. With none (an interruption ended it, D-15, or
the next one has not started yet) the plan stays readable, has no forecast and takes no new item,
and its owner may still stop sharing it.

Messages meant for the professional are translated when raised (`gettext`, French msgids); the
journal keeps only codes, dates and numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from certipro.accounts.audit import Actor, record
from certipro.accounts.models import User
from certipro.actions.models import Action, ActionState
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import ExerciseStatus, evaluate_exercises, period_as_of
from certipro.certification.models import Period
from certipro.certification.rules.cycles import OPEN
from certipro.certification.status import status_object
from certipro.declarations.models import Declarant, DeclarantKind
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
    """Why a target date is refused at creation, in the active language; None when it is fine."""
    if target < today:
        return gettext("La date prévue ne peut pas être dans le passé.")
    if target > end:
        return gettext(
            "La date prévue doit tomber au plus tard le %(end)s, fin de votre période de certification."
        ) % {"end": date_format(end, "j F Y")}
    return None


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
    result = forecast(axes=_axis_counts(data), items=intents, end=period.end, today=today)
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


def _axis_counts(data: dict[str, Any]) -> list[AxisCount]:
    """The engine's count per axis, from its status object (never re-derived here)."""
    return [AxisCount(a["axis"], a["required"], a["counted"]) for a in data["axes"]]


def type_titles(types: Iterable[TypeOption], codes: set[str]) -> dict[str, str]:
    """The title of each code: from the référentiels in force, else from any version (D-14)."""
    titles = {t.code: t.title for t in types}
    missing = codes - titles.keys()
    if missing:  # a type of a former référentiel: any version's title will do
        titles.update(ActionType.objects.filter(code__in=missing).values_list("code", "title"))
    return {code: titles.get(code, code) for code in codes}


# --- Plans shared with an employer: several at once, read only -------------------------------------


@dataclass
class PlanSummary:
    """What the owner's page computes for one plan, for an employer's pages (decision 0004).

    `end` and `forecast` are None when no period is open today. `done` holds the items a
    counting action fulfils, matched as on the owner's page but not written: an employer's read
    changes nothing in the professional's account.
    """

    plan: Plan
    items: list[PlannedAction]
    done: frozenset[int]
    start: date | None = None
    end: date | None = None
    forecast: Forecast | None = None
    exempt_axes: tuple[int, ...] = ()
    referentiels: tuple[str, ...] = ()

    @property
    def planned_per_axis(self) -> list[int]:
        """The number of items of the plan in each axis, 1 to 4: a count says nothing private."""
        return [sum(1 for i in self.items if i.axis == axis) for axis in (1, 2, 3, 4)]


def summarize_plans(plans: Sequence[Plan], *, today: date) -> list[PlanSummary]:
    """The forecast of each plan, in order, with a fixed number of queries whatever their number.

    The plans must come with `exercise__professional` and `exercise__profession` (select_related).
    """
    if not plans:
        return []
    exercises = [p.exercise for p in plans]
    statuses = {
        s.exercise.pk: s for s in evaluate_exercises(exercises, as_of=today, catalogue=load_catalogue())
    }
    items: dict[int, list[PlannedAction]] = defaultdict(list)
    owners = {p.professional_id for p in plans}  # every read of items filters on their owner
    for item in PlannedAction.objects.filter(plan__in=plans, professional_id__in=owners):
        items[item.plan_id].append(item)
    done_by_exercise = _counting_actions(
        exercises, {i.type_code for rows in items.values() for i in rows}, today=today
    )
    summaries = []
    for plan in plans:
        rows = items.get(plan.pk, [])
        intents = _intents(rows)
        links = match_done(
            intents, done_by_exercise.get((plan.exercise.professional_id, plan.exercise.profession_id), [])
        )
        summary = PlanSummary(plan, rows, frozenset(k for k, v in links.items() if v is not None))
        status = statuses.get(plan.exercise_id)
        if status is not None and status.period.state == OPEN:  # an ended period: no forecast
            data = status_object(status)
            linked = [_linked(i, links[i.key]) for i in intents]
            summary.start, summary.end = status.period.start, status.period.end
            summary.forecast = forecast(
                axes=_axis_counts(data), items=linked, end=status.period.end, today=today
            )
            summary.exempt_axes = tuple(a["axis"] for a in data["axes"] if a["status"] == "exempt")
            summary.referentiels = tuple(status.evaluation.referentiels)
        summaries.append(summary)
    return summaries


# --- Writes ----------------------------------------------------------------------------------------


def link_done_actions(exercise: Exercise, items: list[PlannedAction], *, today: date) -> list[Intent]:
    """Sets `done_action` on the items a counting action fulfils (and clears stale links)."""
    intents = _intents(items)
    if not items:
        return intents
    actions = _counting_actions([exercise], {i.type_code for i in items}, today=today)
    links = match_done(intents, actions.get((exercise.professional_id, exercise.profession_id), []))
    changed = [i for i in items if links[i.pk] != i.done_action_id]
    for item in changed:
        item.done_action_id = links[item.pk]
    if changed:
        PlannedAction.objects.bulk_update(changed, ["done_action"])
    return [_linked(i, links[i.key]) for i in intents]


def _intents(items: Sequence[PlannedAction]) -> list[Intent]:
    return [
        Intent(i.pk, i.type_code, i.axis, i.target_date, timezone.localdate(i.created_at), i.done_action_id)
        for i in items
    ]


def _linked(intent: Intent, action: int | None) -> Intent:
    return Intent(intent.key, intent.type_code, intent.axis, intent.target_date, intent.planned_on, action)


def _counting_actions(
    exercises: Sequence[Exercise], codes: set[str], *, today: date
) -> dict[tuple[int, str], list[Done]]:
    """The counting actions of these types, by (professional, profession): one query."""
    found: dict[tuple[int, str], list[Done]] = defaultdict(list)
    if not codes:
        return found
    rows = Action.objects.filter(
        professional_id__in={e.professional_id for e in exercises},
        profession_id__in={e.profession_id for e in exercises},
        state__in=COUNTING,
        type_code__in=codes,
        end_date__lte=today,
    ).values_list("pk", "professional_id", "profession_id", "type_code", "end_date")
    for pk, professional_id, profession_id, code, end in rows:
        found[(professional_id, profession_id)].append(Done(pk, code, end))
    return found


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


def allowed_employers(professional_id: int) -> QuerySet[Declarant]:
    """The employers a professional may share a plan with (decision 0004): active employers that
    declared at least one action for them, an existing relationship anyone can check."""
    declared = Action.objects.filter(professional_id=professional_id, declarant__isnull=False)
    return Declarant.objects.filter(
        kind=DeclarantKind.EMPLOYER, is_active=True, pk__in=declared.values("declarant_id")
    ).order_by("name", "pk")


@transaction.atomic
def share_plan(
    *, professional: Professional, user: User, exercise: Exercise, employer: Declarant | None
) -> Plan:
    """Shares the whole plan with `employer`, or stops sharing it (None); the one switch.

    Raises PlanRefused, with nothing written, when the employer is not one of `allowed_employers`
    or when the professional is not salaried in this exercise. Choosing another employer
    withdraws the plan from the first one: a plan is shared with one employer at most.
    """
    if employer is not None:
        if exercise.practice_mode_id not in EMPLOYED_MODES:
            raise PlanRefused(
                "employer", gettext("Seul un professionnel salarié peut partager son plan avec un employeur.")
            )
        if not allowed_employers(professional.pk).filter(pk=employer.pk).exists():
            raise PlanRefused(
                "employer",
                gettext(
                    "Ce déclarant ne peut pas recevoir votre plan : seul un employeur qui a déclaré "
                    "une action pour vous peut être choisi."
                ),
            )
    plan, _ = Plan.objects.select_for_update().get_or_create(
        exercise=exercise, defaults={"professional": professional}
    )
    if plan.employer_id == (employer.pk if employer else None):
        return plan  # nothing changes, nothing to journal
    actor = Actor.for_user(user, "professional")
    if plan.employer_id is not None:
        record(
            actor=actor,
            verb="plan.unshared",
            professional_id=professional.pk,
            obj=plan,
            data={"declarant": plan.employer_id},
        )
    plan.employer = employer
    plan.save(update_fields=["employer", "updated_at"])
    if employer is not None:
        record(
            actor=actor,
            verb="plan.shared",
            professional_id=professional.pk,
            obj=plan,
            data={"declarant": employer.pk},
        )
    return plan
