"""Entry points that change the directory copy: imports, specialty and profession changes,
interruptions. Each runs in a transaction, writes the audit journal and refreshes the status
snapshots it affects before committing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction

from certipro.audit.journal import Actor, record
from certipro.certification.models import PeriodState
from certipro.certification.status import refresh_status
from certipro.directory.models import Exercise, Holding, Interruption, Professional
from certipro.entrypoints.periods import apply_interruptions, end_period, open_period


class DirectoryError(Exception):
    """A change refused, with a message for the person who asked for it."""


def change_holding(
    exercise: Exercise,
    *,
    on: date,
    specialties: Sequence[str] | None = None,
    chosen_referentiel: str | None = None,
    reason: str,
) -> Holding:
    """Closes the current holding the day before `on` and opens a new one (D-14: the history is
    kept; actions done under the former holding keep counting under its référentiels).

    A change of specialty resets a référentiel chosen by hand: the choice was made for the former one.
    """
    current = exercise.holdings.filter(end__isnull=True).order_by("-start").first()
    new_specialties = sorted(specialties) if specialties is not None else None
    if current is None:
        return Holding.objects.create(
            professional_id=exercise.professional_id,
            exercise=exercise,
            start=on,
            specialties=new_specialties or [],
            chosen_referentiel=chosen_referentiel or "",
            reason=reason,
        )
    if new_specialties is None:
        new_specialties = list(current.specialties)
        choice = chosen_referentiel if chosen_referentiel is not None else current.chosen_referentiel
    else:
        choice = chosen_referentiel or ""
    if current.start >= on:
        # Several changes on one day (or a correction dated before the holding): the last one wins.
        current.specialties, current.chosen_referentiel, current.reason = (
            new_specialties,
            choice,
            reason,
        )
        current.save(update_fields=["specialties", "chosen_referentiel", "reason"])
        holding = current
    else:
        current.end = on - timedelta(days=1)
        current.save(update_fields=["end"])
        holding = Holding.objects.create(
            professional_id=exercise.professional_id,
            exercise=exercise,
            start=on,
            specialties=new_specialties,
            chosen_referentiel=choice,
            reason=reason,
        )
    if specialties is not None:
        exercise.specialties = new_specialties
        exercise.save(update_fields=["specialties", "updated_at"])
    return holding


def end_exercise_for_profession_change(exercise: Exercise, *, new_registration: date) -> None:
    """D-13: the old period ends the day before the new profession's registration."""
    for period in exercise.periods.filter(state=PeriodState.OPEN, end__gte=new_registration):
        end_period(
            period,
            on=new_registration - timedelta(days=1),
            state=PeriodState.ENDED_PROFESSION_CHANGE,
            reason="changement de profession",
        )
    exercise.is_active = False
    exercise.save(update_fields=["is_active", "updated_at"])


@transaction.atomic
def choose_referentiel(
    *, exercise: Exercise, code: str | None, on: date, actor: Actor, today: date
) -> Holding:
    """ "Changer de référentiel" (D-14): from `on`, the chosen référentiel applies instead of the
    one matching the specialties (None goes back to the match). Actions already done keep
    counting under the référentiels assigned when they were done; the history is kept."""
    from certipro.referentiels.models import Referentiel

    if (
        code is not None
        and not Referentiel.objects.filter(
            code=code, profession_id=exercise.profession_id, published_on__lte=today
        ).exists()
    ):
        raise DirectoryError(f"{code} is not a published référentiel of profession {exercise.profession_id}")
    holding = change_holding(
        exercise, on=on, chosen_referentiel=code or "", reason="changement de référentiel"
    )
    record(
        actor=actor,
        verb="referentiel.chosen",
        professional_id=exercise.professional_id,
        obj=holding,
        data={"code": code, "from": on.isoformat()},
    )
    refresh_status(exercises=[exercise], today=today)
    return holding


@transaction.atomic
def record_interruption(
    *, rpps: str, start: date, end: date, profession: str | None, actor: Actor, today: date
) -> Interruption:
    """Records an interruption of practice (D-15) and applies its consequences on the period."""
    if end < start:
        raise DirectoryError("END is before START")
    professional = Professional.objects.filter(rpps=rpps).first()
    if professional is None:
        raise DirectoryError("unknown RPPS")
    exercises = list(professional.exercises.select_related("professional"))
    if profession is not None:
        exercises = [e for e in exercises if e.profession_id == profession]
        if not exercises:
            raise DirectoryError(f"RPPS {rpps} has no profession {profession}")
    elif len(exercises) > 1:
        codes = ", ".join(sorted(e.profession_id for e in exercises))
        raise DirectoryError(f"RPPS {rpps} holds several professions ({codes}): give --profession")
    exercise = exercises[0]
    overlapping = exercise.interruptions.filter(start__lte=end, end__gte=start).first()
    if overlapping is not None and (overlapping.start, overlapping.end) == (start, end):
        return overlapping  # the same interruption again: nothing to do
    if overlapping is not None:
        raise DirectoryError(
            f"overlaps the interruption already recorded from {overlapping.start} to {overlapping.end}"
        )
    interruption = Interruption.objects.create(
        professional=professional, exercise=exercise, start=start, end=end
    )
    ended = apply_interruptions(exercise)
    record(
        actor=actor,
        verb="interruption.recorded",
        professional_id=professional.pk,
        obj=interruption,
        data={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "period_ended_on": ended.end.isoformat() if ended else None,
        },
    )
    refresh_status(exercises=[exercise], today=today)
    return interruption


__all__ = [
    "DirectoryError",
    "change_holding",
    "choose_referentiel",
    "end_exercise_for_profession_change",
    "open_period",
    "record_interruption",
]
