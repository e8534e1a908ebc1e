"""What "Ma certification périodique" shows: the status snapshots the writes maintain, the
periods, and the period's actions (design.md: "dashboards read snapshots, never raw actions").

Every figure of the page (required, counted, axis statuses, progress, status, the référentiels in
force, the pace's state) is the snapshot's, the same the status API returns
(certification/queries.py). The lists of actions per axis are the engine's D-23 assignment, which
no snapshot stores: see `build_dashboard`. A fixed number of queries whatever the number of
actions (pinned by tests/space/test_dashboard_queries.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.utils.translation import gettext

from certipro.actions.models import Action, ActionState, Source
from certipro.certification.catalogue import kept_catalogue, published_version
from certipro.certification.evaluation import ExerciseStatus, Facts, evaluate_exercises
from certipro.certification.models import Exemption
from certipro.certification.queries import CurrentPeriod, current_periods, snapshot_object
from certipro.certification.rules import ActionFact
from certipro.certification.status import status_object
from certipro.directory.models import Holding, Professional
from certipro.directory.queries import specialty_labels
from certipro.referentiels.models import Referentiel
from certipro.referentiels.specs import AXIS_LABELS, PRIVATE_AXIS

# D-24: Complet / En cours / Dispensé, with the DSFR badge of each.
AXIS_STATUS = {
    "complete": ("Complet", "fr-badge--success"),
    "in_progress": ("En cours", "fr-badge--info"),
    "exempt": ("Dispensé", "fr-badge--new"),
}
# D-26: the pace, in words that say what to do rather than label the person (peers.md §3, item 15).
PACE = {
    "complete": ("Obligation remplie", "fr-badge--success", "Toutes les actions requises sont faites."),
    "on_track": (
        "Dans les temps",
        "fr-badge--success",
        "Votre rythme permet de finir avant la fin de la période.",
    ),
    "behind": (
        "En retard sur le rythme",
        "fr-badge--warning",
        "Vous avez fait moins d'actions que le temps écoulé ne le laisserait attendre.",
    ),
    "at_risk": (
        "À risque",
        "fr-badge--error",
        "Le temps restant est court pour les actions qui manquent : votre ordre peut vous accompagner.",
    ),
    "ended": (
        "Période terminée",
        "fr-badge--warning",
        "La période est close ; votre ordre examinera votre dossier.",
    ),
}
ACTION_STATE_BADGE = {
    ActionState.DECLARED: "fr-badge--info",
    ActionState.ATTESTED: "fr-badge--success",
    ActionState.CONTESTED: "fr-badge--warning",
    ActionState.WITHDRAWN: "",
    ActionState.REJECTED: "fr-badge--error",
}
MAX_SUGGESTIONS = 5


# The rows' labels (source, state, axis, axis status, pace) are in the page's language: each is
# translated once here, where the row is built, rather than at each place a template shows it.


@dataclass
class ActionRow:
    title: str
    end_date: date
    source: str
    state: str
    badge: str


@dataclass
class AxisRow:
    axis: int
    label: str
    required: int
    counted: int
    status: str
    status_label: str
    badge: str
    remaining: int
    private: bool  # D-40: its content hidden from this reader
    suggestions: list[str] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)


@dataclass
class Section:
    """One profession: its period, référentiels, progress, pace and axes."""

    profession_code: str
    profession: str
    specialties: list[str]
    start: date
    end: date
    kind: str
    state: str
    referentiels: list[tuple[str, str]]  # (title, CODE@VERSION)
    percent: int
    done: int
    required: int
    pace: str
    pace_label: str
    pace_badge: str
    pace_help: str
    days_left: int  # from the period's end and today (the template formats it per language)
    complete: bool
    axes: list[AxisRow]
    not_counting: list[ActionRow]
    status: dict[str, Any]


class ListedAction(NamedTuple):
    """An action as the page lists it and the engine judges it: one read serves both."""

    id: int
    profession_id: str
    type_code: str
    end_date: date
    state: str
    axis: int | None
    title: str
    source: str


def build_dashboard(professional: Professional, *, today: date, owner: bool) -> list[Section]:
    """The page's sections, one per profession with a period. The catalogue, and the titles and
    types of the référentiels, come from this process's memory, kept by their version.

    Which action counts in which axis is the engine's D-23 assignment (with its tie-break), over
    the référentiels assigned on each action's end date: a snapshot stores only the counts. So
    the engine's pure evaluation runs here on the period's listed actions (a few dozen, read
    once for the lists too) and the page takes from it `counts_in` only: the rule stays written
    once, in certification/rules, never re-derived here. Its figures are not shown: the
    snapshot's are. A period without a snapshot (data written before snapshots existed) shows
    the engine's figures instead: a read writes nothing, and a professional expects their status.
    """
    current = current_periods(professional.pk, today=today)
    if not current:
        return []
    rows = (
        Action.objects.filter(professional_id=professional.pk, end_date__lte=today)
        .order_by("-end_date", "-id")
        .values_list(*ListedAction._fields)
    )
    by_profession: dict[str, list[ListedAction]] = defaultdict(list)
    for row in rows:
        action = ListedAction(*row)
        by_profession[action.profession_id].append(action)
    judged = {
        (professional.pk, profession): [
            ActionFact(id=str(a.id), type_code=a.type_code, end_date=a.end_date, state=a.state, axis=a.axis)
            for a in actions
        ]
        for profession, actions in by_profession.items()
    }
    holdings: dict[int, list[Holding]] = defaultdict(list)
    for holding in Holding.objects.filter(professional_id=professional.pk):
        holdings[holding.exercise_id].append(holding)
    exemptions: dict[int, list[Exemption]] = defaultdict(list)
    for exemption in Exemption.objects.filter(professional_id=professional.pk):
        exemptions[exemption.exercise_id].append(exemption)
    facts = Facts(
        periods={c.exercise.pk: c.periods for c in current},
        holdings=holdings,
        exemptions=exemptions,
        actions=judged,
    )
    exercises = [c.exercise for c in current]
    for exercise in exercises:
        exercise.professional = professional  # read already: no query for the RPPS
    version = published_version()
    evaluated = evaluate_exercises(exercises, as_of=today, catalogue=kept_catalogue(version), facts=facts)
    statuses = {s.exercise.pk: s for s in evaluated}
    objects = {
        c.exercise.pk: (
            snapshot_object(c, rpps=professional.rpps, today=today)
            if c.snapshot is not None
            else status_object(statuses[c.exercise.pk])
        )
        for c in current
    }
    referentiels = _kept_referentiels(version)
    specialties = specialty_labels(code for e in exercises for code in e.specialties)
    return [
        _section(
            c,
            objects[c.exercise.pk],
            statuses[c.exercise.pk],
            referentiels,
            specialties,
            by_profession[c.exercise.profession_id],
            today,
            owner,
        )
        for c in current
    ]


_KEPT_REFERENTIELS: dict[str, dict[str, Referentiel]] = {}


def _kept_referentiels(version: str) -> dict[str, Referentiel]:
    """Every published référentiel with its action types, read once per process and version (a
    few hundred rows nationally; read-only once built)."""
    kept = _KEPT_REFERENTIELS.get(version)
    if kept is None:
        rows = Referentiel.objects.filter(published_on__isnull=False).prefetch_related("action_types")
        kept = {r.label: r for r in rows}
        _KEPT_REFERENTIELS.clear()  # one version at a time: a new publication replaces the lot
        _KEPT_REFERENTIELS[version] = kept
    return kept


def _section(
    current: CurrentPeriod,
    data: dict[str, Any],
    status: ExerciseStatus,
    referentiels: dict[str, Referentiel],
    specialties: dict[str, str],
    actions: list[ListedAction],
    today: date,
    owner: bool,
) -> Section:
    """`data`: the status object (the snapshot's figures); `status`: the engine's evaluation, read
    for `counts_in` only."""
    period, exercise = current.view, current.exercise
    in_force = [referentiels[label] for label in data["referentiels"] if label in referentiels]
    types = [t for r in in_force for t in r.action_types.all()]
    titles = {t.code: t.title for t in types}
    type_axes = {t.code: {int(a) for a in t.axes} for t in types}
    axes = [_axis_row(a, types, owner) for a in data["axes"]]
    by_axis = {row.axis: row for row in axes}
    not_counting: list[ActionRow] = []
    last_day = min(today, period.end)
    counts_in = status.evaluation.counts_in
    for action in actions:
        if not period.start <= action.end_date <= last_day:
            continue
        row = _action_row(action, titles)
        # The engine says where each action counts (D-23): never re-derived here.
        targets = set(counts_in.get(str(action.id), frozenset()))
        for axis in sorted(targets):
            if not by_axis[axis].private:
                by_axis[axis].actions.append(row)
        if not targets and (owner or PRIVATE_AXIS not in type_axes.get(action.type_code, {PRIVATE_AXIS})):
            not_counting.append(row)
    pace = data["pace"]
    pace_label, pace_badge, pace_help = PACE.get(pace["state"], (pace["state"], "", ""))
    pace_label, pace_help = gettext(pace_label), gettext(pace_help)
    return Section(
        profession_code=exercise.profession_id,
        profession=exercise.profession.label,
        specialties=[specialties.get(c, c) for c in exercise.specialties],
        start=period.start,
        end=period.end,
        kind=period.kind,
        state=period.state,
        referentiels=[(r.title, r.label) for r in in_force],
        percent=round(data["progress"] * 100),
        done=sum(min(a["counted"], a["required"]) for a in data["axes"]),  # D-25
        required=sum(a["required"] for a in data["axes"]),
        pace=pace["state"],
        pace_label=pace_label,
        pace_badge=pace_badge,
        pace_help=pace_help,
        days_left=pace["days_left"],
        complete=data["status"] == "complete",
        axes=axes,
        not_counting=not_counting,
        status=data,
    )


def _axis_row(axis: dict[str, Any], types: list[Any], owner: bool) -> AxisRow:
    number = axis["axis"]
    label, badge = AXIS_STATUS[axis["status"]]
    remaining = max(0, axis["required"] - axis["counted"])
    private = number == PRIVATE_AXIS and not owner
    suggestions: list[str] = []
    if remaining and not private:
        for t in types:
            if number in {int(a) for a in t.axes} and t.title not in suggestions:
                suggestions.append(t.title)
    return AxisRow(
        axis=number,
        label=gettext(AXIS_LABELS[number]),
        required=axis["required"],
        counted=axis["counted"],
        status=axis["status"],
        status_label=gettext(label),
        badge=badge,
        remaining=remaining,
        private=private,
        suggestions=suggestions[:MAX_SUGGESTIONS],
    )


def _action_row(action: ListedAction, titles: dict[str, str]) -> ActionRow:
    return ActionRow(
        title=action.title or titles.get(action.type_code, action.type_code),
        end_date=action.end_date,
        source=gettext(Source(action.source).label),
        state=gettext(ActionState(action.state).label),
        badge=ACTION_STATE_BADGE.get(ActionState(action.state), ""),
    )
