"""The one entry point that records an action (domain §4), and the state changes after it.

Views, the declaration API, commands, the admin and the demo loader all call `record_action`;
none writes an Action itself. It checks the claim, merges or replays it (D-32, D-33), logs the
transition, writes the audit journal and refreshes the status snapshot, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db import transaction

from certipro.actions.checks import ActionRefused, ClaimChecker
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Source
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.status import refresh_status
from certipro.directory.models import Exercise, Professional
from certipro.notifications.events import actions_received

__all__ = ["ActionRefused", "ClaimChecker", "Outcome", "Recorded", "change_action_state", "record_action"]


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    MERGED = "merged"


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
    """Records a claim that an action was done. Raises ActionRefused with a contract error code.

    `refresh=False` leaves the status snapshots to the caller, who must refresh
    `Recorded.exercises` in the same transaction (a batch refreshes them once, at its end).
    """
    catalogue = catalogue or load_catalogue()
    exercise = ClaimChecker([professional.pk], catalogue=catalogue, today=today).check(
        professional_id=professional.pk,
        type_code=type_code,
        end_date=end_date,
        source=source,
        profession=profession,
        start_date=start_date,
        hours=hours,
        axis=axis,
    )
    content: dict[str, object] = {
        "type_code": type_code,
        "title": title,
        "start_date": start_date,
        "end_date": end_date,
        "hours": hours,
        "axis": axis,
        "profession_id": exercise.profession_id,
    }
    state = ActionState.DECLARED if source == Source.PROFESSIONAL else ActionState.ATTESTED
    outcome, action, previous = _replay_or_merge(professional, declarant_id, external_id, content, source)
    if outcome == Outcome.DUPLICATE and action is not None:
        return Recorded(action=action, outcome=outcome)
    touched = [exercise]
    if action is None:
        action = Action(
            professional=professional,
            source=source,
            channel=channel,
            declarant_id=declarant_id,
            external_id=external_id,
            declared_by_id=actor.user.pk if actor.user is not None else None,
            state=state,
            **content,
        )
        action.save()
    else:
        if action.professional_id != professional.pk or action.profession_id != exercise.profession_id:
            # A correction that moves the claim: the former account loses it.
            touched.append(
                Exercise.objects.select_related("professional").get(
                    professional_id=action.professional_id, profession_id=action.profession_id
                )
            )
        for field, value in content.items():
            setattr(action, field, value)
        action.professional = professional
        # A correction does not undo the professional's dispute or the order's rejection.
        if action.state not in (ActionState.CONTESTED, ActionState.REJECTED):
            action.state = state
        action.source, action.channel = source, channel
        action.declarant_id, action.external_id = declarant_id, external_id
        action.save()
    ActionTransition.objects.create(
        action=action,
        professional=professional,
        from_state=previous,
        to_state=action.state,
        actor_label=actor.label,
        reason=outcome.value,
    )
    record(
        actor=actor,
        verb=f"action.{outcome.value}",
        professional_id=professional.pk,
        obj=action,
        data={"type_code": type_code, "end_date": end_date.isoformat(), "source": source.value},
    )
    if outcome in (Outcome.ACCEPTED, Outcome.MERGED) and declarant_id is not None:
        # A claim by a third party: the professional checks it and may contest it (domain §7).
        actions_received([(professional.pk, action.pk, _declarant_name(declarant_id), end_date.isoformat())])
    if refresh:
        refresh_status(exercises=touched, today=today, catalogue=catalogue)
    return Recorded(action=action, outcome=outcome, exercises=tuple(touched))


def _declarant_name(declarant_id: int) -> str:
    from certipro.actions.models import Declarant

    return Declarant.objects.values_list("name", flat=True).get(pk=declarant_id)


def _replay_or_merge(
    professional: Professional,
    declarant_id: int | None,
    external_id: str,
    content: dict[str, object],
    source: Source,
) -> tuple[Outcome, Action | None, str]:
    if declarant_id is None:
        return Outcome.ACCEPTED, None, ""
    existing = (
        Action.objects.select_for_update().filter(declarant_id=declarant_id, external_id=external_id).first()
    )
    if existing is not None:
        # D-32: the same declaration again changes nothing; a different one is a correction.
        same = all(getattr(existing, k) == v for k, v in content.items())
        same = (
            same and existing.professional_id == professional.pk and existing.state != ActionState.WITHDRAWN
        )
        return (Outcome.DUPLICATE if same else Outcome.UPDATED), existing, existing.state
    # D-33: a third party attesting an action the professional self-declared: one action, attested.
    candidates = (
        Action.objects.select_for_update()
        .filter(
            professional=professional,
            type_code=content["type_code"],
            source=Source.PROFESSIONAL,
            state=ActionState.DECLARED,
            declarant_id__isnull=True,
        )
        .order_by("end_date", "pk")
    )  # the earliest-ending first, as the set-based intake picks (intake_merge.pick)
    start = content["start_date"] or content["end_date"]
    for candidate in candidates:
        if (candidate.start_date or candidate.end_date) <= content[
            "end_date"
        ] and start <= candidate.end_date:  # type: ignore[operator]
            return Outcome.MERGED, candidate, candidate.state
    return Outcome.ACCEPTED, None, ""


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
    exercise = Exercise.objects.select_related("professional").get(
        professional_id=action.professional_id, profession_id=action.profession_id
    )
    refresh_status(exercises=[exercise], today=today)
    return action
