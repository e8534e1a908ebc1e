"""The writes of the professional's space, each one entry point with its audit entry (D-41)."""

from __future__ import annotations

from django.db import transaction

from certipro.accounts.models import User
from certipro.audit.journal import Actor, record
from certipro.directory.models import Exercise, Professional
from certipro.space.models import Activation, ExerciseReport


def exercises_summary(exercises: list[Exercise]) -> list[dict[str, object]]:
    return [{"profession": e.profession_id, "specialties": list(e.specialties)} for e in exercises]


@transaction.atomic
def activate_account(*, professional: Professional, user: User, exercises: list[Exercise]) -> Activation:
    """The professional confirms the exercises the directory holds for them. Idempotent."""
    activation, created = Activation.objects.get_or_create(
        professional=professional, defaults={"confirmed": exercises_summary(exercises)}
    )
    if created:
        record(
            actor=Actor.for_user(user, "professional"),
            verb="account_activated",
            professional_id=professional.pk,
            obj=activation,
            data={"confirmed": activation.confirmed},
        )
    return activation


@transaction.atomic
def report_exercise_error(
    *, professional: Professional, user: User, exercise: Exercise, message: str
) -> ExerciseReport:
    """The professional tells their order the directory is wrong; the account opens all the same,
    so that they can follow their certification while the order corrects the directory."""
    report = ExerciseReport.objects.create(
        professional=professional, profession_id=exercise.profession_id, message=message
    )
    actor = Actor.for_user(user, "professional")
    record(
        actor=actor,
        verb="exercise_error_reported",
        professional_id=professional.pk,
        obj=report,
        reason=message,
        data={"profession": exercise.profession_id, "specialties": list(exercise.specialties)},
    )
    activation, created = Activation.objects.get_or_create(
        professional=professional, defaults={"confirmed": [], "reported_error": True}
    )
    if created:
        record(actor=actor, verb="account_activated", professional_id=professional.pk, obj=activation)
    elif not activation.reported_error:
        Activation.objects.filter(pk=activation.pk).update(reported_error=True)
    return report
