"""What "Ma certification périodique" shows, read from the rules engine's own results.

The status comes from `evaluate_exercises` and `status_object`, the same object the API returns;
this module only arranges it for the page (labels, the actions of each axis, suggestions).
A fixed number of queries whatever the number of actions (the page's query count is pinned by a test).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q

from certipro.actions.models import Action, ActionState, Source
from certipro.certification.catalogue import Catalogue, kept_catalogue, load_catalogue
from certipro.certification.evaluation import ExerciseStatus, Facts, evaluate_exercises, read_facts
from certipro.certification.rules import ActionFact
from certipro.certification.status import status_object
from certipro.directory.models import Professional, Specialty
from certipro.referentiels.models import Referentiel
from certipro.space.dashboard_cache import PageFacts
from certipro.space.dashboard_links import Links, section_links

# D-20: the platform's labels of the four axes.
AXIS_LABELS = {
    1: "Actualiser ses connaissances et ses compétences",
    2: "Renforcer la qualité de ses pratiques professionnelles",
    3: "Améliorer la relation avec ses patients",
    4: "Mieux prendre en compte sa santé personnelle",
}
PRIVATE_AXIS = 4  # D-40
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
    days_left: str  # with the French thousands separator
    time_left: str
    complete: bool
    axes: list[AxisRow]
    not_counting: list[ActionRow]
    status: dict[str, Any]
    links: Links


def time_left(days: int) -> str:
    """Days in words a person reads at a glance: "5 ans et 1 mois", "3 mois", "12 jours"."""
    if days < 61:
        return f"{days} jour{'s' if days > 1 else ''}"
    years, months = days // 365, (days % 365) // 30
    parts = [f"{years} an{'s' if years > 1 else ''}"] if years else []
    if months:
        parts.append(f"{months} mois")
    return " et ".join(parts)


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


# The page's one read of actions, as SQL text: through the ORM the same query cost ~0.9 ms more of
# each rendered dashboard (building and compiling the query, converting each row), measured.
_LISTED = (
    f"SELECT {', '.join(ListedAction._fields)} FROM {Action._meta.db_table} "
    "WHERE professional_id = %s AND end_date <= %s ORDER BY end_date DESC, id DESC"
)


def build_dashboard(
    professional: Professional, *, today: date, owner: bool, page: PageFacts | None = None
) -> list[Section]:
    """The page's sections. With `page` (the owner's visit, space/dashboard_cache.py), the
    exercises, periods, holdings and exemptions are those rows `page_facts` read with the page's
    version, and the catalogue and the référentiels' titles and types come from this process's
    memory: the page then reads only its actions."""
    with connection.cursor() as cursor:
        cursor.execute(_LISTED, (professional.pk, today))
        listed = [ListedAction(*row) for row in cursor.fetchall()]
    by_profession: dict[str, list[ListedAction]] = defaultdict(list)
    for action in listed:
        by_profession[action.profession_id].append(action)
    judged = {
        (professional.pk, profession): [
            ActionFact(id=str(a.id), type_code=a.type_code, end_date=a.end_date, state=a.state, axis=a.axis)
            for a in actions
        ]
        for profession, actions in by_profession.items()
    }
    if page is None:
        exercises = list(professional.exercises.select_related("profession").order_by("profession_id"))
        catalogue = load_catalogue()
        facts = read_facts(exercises, as_of=today, actions=judged)
    else:
        exercises, catalogue = page.exercises, kept_catalogue(page.catalogue)
        facts = Facts(
            periods=page.periods, holdings=page.holdings, exemptions=page.exemptions, actions=judged
        )
    statuses = evaluate_exercises(exercises, as_of=today, catalogue=catalogue, facts=facts)
    labels = {label for s in statuses for label in s.evaluation.referentiels}
    referentiels = _referentiels(labels) if page is None else _kept_referentiels(page.catalogue)
    codes = sorted({c for e in exercises for c in e.specialties})
    specialties = _specialty_labels(codes) if codes else {}
    return [
        _section(
            s, catalogue, referentiels, specialties, by_profession[s.exercise.profession_id], today, owner
        )
        for s in statuses
    ]


def _specialty_labels(codes: list[str]) -> dict[str, str]:
    # SQL text, as the actions' read above: the ORM's query building cost more than the query.
    placeholders = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code, label FROM {Specialty._meta.db_table} WHERE code IN ({placeholders})", codes
        )
        return dict(cursor.fetchall())


def _referentiels(labels: set[str]) -> dict[str, Referentiel]:
    if not labels:
        return {}
    query = Q()
    for label in labels:
        code, _, version = label.partition("@")
        query |= Q(code=code, version=version)
    rows = Referentiel.objects.filter(query).prefetch_related("action_types")
    return {r.label: r for r in rows}


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
    status: ExerciseStatus,
    catalogue: Catalogue,
    referentiels: dict[str, Referentiel],
    specialties: dict[str, str],
    actions: list[ListedAction],
    today: date,
    owner: bool,
) -> Section:
    data = status_object(status)
    period, evaluation = status.period, status.evaluation
    in_force = [referentiels[label] for label in evaluation.referentiels if label in referentiels]
    types = [t for r in in_force for t in r.action_types.all()]
    titles = {t.code: t.title for t in types}
    type_axes = {t.code: {int(a) for a in t.axes} for t in types}
    axes = [_axis_row(a, types, owner) for a in data["axes"]]
    by_axis = {row.axis: row for row in axes}
    not_counting: list[ActionRow] = []
    last_day = min(today, period.end)
    for action in actions:
        if not period.start <= action.end_date <= last_day:
            continue
        row = _action_row(action, titles)
        # The engine says where each action counts (D-23): never re-derived here.
        targets = set(evaluation.counts_in.get(str(action.id), frozenset()))
        for axis in sorted(targets):
            if not by_axis[axis].private:
                by_axis[axis].actions.append(row)
        if not targets and (owner or PRIVATE_AXIS not in type_axes.get(action.type_code, {PRIVATE_AXIS})):
            not_counting.append(row)
    pace = data["pace"]
    pace_label, pace_badge, pace_help = PACE.get(pace["state"], (pace["state"], "", ""))
    return Section(
        profession_code=status.exercise.profession_id,
        profession=status.exercise.profession.label,
        specialties=[specialties.get(c, c) for c in status.exercise.specialties],
        start=period.start,
        end=period.end,
        kind=period.kind,
        state=period.state,
        referentiels=[(r.title, r.label) for r in in_force],
        percent=round(data["progress"] * 100),
        done=evaluation.slots_done,
        required=evaluation.slots_required,
        pace=pace["state"],
        pace_label=pace_label,
        pace_badge=pace_badge,
        pace_help=pace_help,
        days_left=f"{pace['days_left']:,}".replace(",", "\u202f"),
        time_left=time_left(pace["days_left"]),
        complete=data["status"] == "complete",
        axes=axes,
        not_counting=not_counting,
        status=data,
        links=section_links(status.exercise.profession_id),
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
        label=AXIS_LABELS[number],
        required=axis["required"],
        counted=axis["counted"],
        status=axis["status"],
        status_label=label,
        badge=badge,
        remaining=remaining,
        private=private,
        suggestions=suggestions[:MAX_SUGGESTIONS],
    )


def _action_row(action: ListedAction, titles: dict[str, str]) -> ActionRow:
    return ActionRow(
        title=action.title or titles.get(action.type_code, action.type_code),
        end_date=action.end_date,
        source=Source(action.source).label,
        state=ActionState(action.state).label,
        badge=ACTION_STATE_BADGE.get(ActionState(action.state), ""),
    )
