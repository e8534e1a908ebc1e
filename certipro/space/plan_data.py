"""The reads of the personal plan shared by the owner's page (`plan`) and the employer's
summaries (`plan_sharing`): the counting actions that may fulfil planned items, the items as the
rules see them (`plan_rules.Intent`) and the engine's count per axis, never re-derived here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import timezone

from certipro.actions.models import Action, ActionState
from certipro.directory.models import Exercise
from certipro.space.models_plan import PlannedAction
from certipro.space.plan_rules import AxisCount, Done, Intent

COUNTING = (ActionState.DECLARED, ActionState.ATTESTED)  # D-31


def counting_actions(
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


def intents_of(items: Sequence[PlannedAction]) -> list[Intent]:
    return [
        Intent(i.pk, i.type_code, i.axis, i.target_date, timezone.localdate(i.created_at), i.done_action_id)
        for i in items
    ]


def linked(intent: Intent, action: int | None) -> Intent:
    return Intent(intent.key, intent.type_code, intent.axis, intent.target_date, intent.planned_on, action)


def axis_counts(data: dict[str, Any]) -> list[AxisCount]:
    """The engine's count per axis, from its status object (never re-derived here)."""
    return [AxisCount(a["axis"], a["required"], a["counted"]) for a in data["axes"]]
