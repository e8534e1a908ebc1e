"""A claim of one action (a form, the admin, the demo loader), and the state changes after it.

`record_action` is a batch of one of the one entry point, `entrypoints.claims.record_claims`: the
same checks, D-32/D-33 decisions, writes, audit entries, D-34 flags, snapshot refresh and notices
as a batch of the declaration API. `change_action_state` contests, withdraws or rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from certipro.actions.checks import ActionRefused, ClaimChecker
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Outcome, Source
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import Catalogue
from certipro.certification.status import refresh_status
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.claims import Claim, record_claims

__all__ = ["ActionRefused", "ClaimChecker", "Outcome", "Recorded", "change_action_state", "record_action"]


@dataclass(frozen=True)
class Recorded:
    action: Action
    outcome: Outcome
    # The exercises whose status this changed (two when a correction moved the action).
    exercises: tuple[Exercise, ...] = ()


@transaction.atomic
def record_action(
    *,
    professional: Professional,
    type_code: str,
    end_date: date,
    source: Source,
    channel: Channel,
    actor: Actor,
    today: date,
    profession: str | None = None,
    start_date: date | None = None,
    title: str = "",
    hours: Decimal | None = None,
    axis: int | None = None,
    declarant_id: int | None = None,
    external_id: str = "",
    catalogue: Catalogue | None = None,
    refresh: bool = True,
) -> Recorded:
    """Records a claim that an action was done: `record_claims` for a batch of one. Raises
    ActionRefused with the contract error code of its first problem.

    `refresh=False` leaves the status snapshots to the caller, who must refresh
    `Recorded.exercises` in the same transaction.
    """
    claim = Claim(
        professional_id=professional.pk,
        type_code=type_code,
        end_date=end_date,
        profession=profession,
        start_date=start_date,
        title=title,
        hours=hours,
        axis=axis,
        external_id=external_id,
    )
    [result] = record_claims(
        [claim],
        source=source,
        channel=channel,
        actor=actor,
        today=today,
        declarant_id=declarant_id,
        catalogue=catalogue,
        refresh=refresh,
    )
    if result.errors:
        raise result.errors[0]
    assert result.outcome is not None and result.action_id is not None  # recorded
    exercises = tuple(Exercise.objects.select_related("professional").filter(pk__in=result.exercises))
    return Recorded(
        action=Action.objects.get(pk=result.action_id), outcome=result.outcome, exercises=exercises
    )


@transaction.atomic
def change_action_state(action: Action, *, to: ActionState, actor: Actor, reason: str, today: date) -> Action:
    """Contest, withdraw or reject an action (D-31); the count follows at once."""
    previous = action.state
    if previous == to:
        return action
    action.state = to
    action.save(update_fields=["state", "updated_at"])
    ActionTransition.objects.create(
        action=action,
        professional_id=action.professional_id,
        from_state=previous,
        to_state=to,
        actor_label=actor.label,
        reason=reason,
    )
    record(
        actor=actor,
        verb=f"action.{to.value}",
        professional_id=action.professional_id,
        obj=action,
        reason=reason,
    )
    exercise = Exercise.objects.values_list("pk", flat=True).get(
        professional_id=action.professional_id, profession_id=action.profession_id
    )
    refresh_status(exercises=[exercise], today=today)
    return action
