"""Sharing the personal plan with an employer (decision 0004): who may receive it, the switch,
and what the employer's pages read.

A plan is shared whole, with one employer at most, chosen among the active employers that
declared an action for the professional; only a salaried professional (or mixed, or in the
armed forces) may share. `summarize_plans` gives an employer the same forecast as the owner's
page (`plan.build_plan`) for the plans shared with it, for a page of plans at once and without
writing anything.

With no period open today a plan has no forecast, and its owner may still stop sharing it. The
refusals of `share_plan` are translated when raised (see `plan_rules`); the journal keeps only
the declarant's id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from certipro.accounts.models import User
from certipro.actions.models import Action, Declarant, DeclarantKind
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.rules.cycles import OPEN
from certipro.certification.status import status_object
from certipro.directory.models import Exercise, Professional
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan_data import axis_counts, counting_actions, intents_of, linked
from certipro.space.plan_rules import Forecast, PlanRefused, forecast, match_done

# An employer exists for these practice modes (salarié, mixte, armées): only they may share.
EMPLOYED_MODES = ("S", "M", "A")


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
    done_by_exercise = counting_actions(
        exercises, {i.type_code for rows in items.values() for i in rows}, today=today
    )
    summaries = []
    for plan in plans:
        rows = items.get(plan.pk, [])
        intents = intents_of(rows)
        links = match_done(
            intents, done_by_exercise.get((plan.exercise.professional_id, plan.exercise.profession_id), [])
        )
        summary = PlanSummary(plan, rows, frozenset(k for k, v in links.items() if v is not None))
        status = statuses.get(plan.exercise_id)
        if status is not None and status.period.state == OPEN:  # an ended period: no forecast
            data = status_object(status)
            with_links = [linked(i, links[i.key]) for i in intents]
            summary.start, summary.end = status.period.start, status.period.end
            summary.forecast = forecast(
                axes=axis_counts(data), items=with_links, end=status.period.end, today=today
            )
            summary.exempt_axes = tuple(a["axis"] for a in data["axes"] if a["status"] == "exempt")
            summary.referentiels = tuple(status.evaluation.referentiels)
        summaries.append(summary)
    return summaries
