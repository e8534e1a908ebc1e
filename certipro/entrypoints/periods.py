"""The life cycle of periods (domain §2): ended early (D-13, D-15), opened on a resumption (D-11).

Each change writes its transition log row and its notification; callers refresh the status
snapshot in the same transaction (certipro/entrypoints/exercises.py does).
"""

from __future__ import annotations

from datetime import date, timedelta

from certipro.certification.evaluation import rules_config
from certipro.certification.models import Period, PeriodKind, PeriodState, PeriodTransition
from certipro.certification.periods import log_opened
from certipro.certification.rules import first_period, interruption_end
from certipro.directory.models import Exercise
from certipro.notifications import events


def end_period(period: Period, *, on: date, state: PeriodState, reason: str) -> None:
    """Ends a period early (D-13, D-15); the scheduled end is kept for history and as-of views."""
    previous = period.state
    period.end = max(on, period.start)
    period.state = state
    period.save(update_fields=["end", "state"])
    PeriodTransition.objects.create(
        period=period,
        professional_id=period.professional_id,
        from_state=previous,
        to_state=state,
        effective_on=period.end,
        reason=reason,
    )
    events.period_ended(period, reason)


def open_period(exercise: Exercise, *, start: date, reason: str) -> Period:
    """Opens a standard 6-year period on `start` (D-11: registration or resumption)."""
    config = rules_config()
    dates = first_period(max(start, config.initial_start), config)
    period = Period.objects.create(
        professional_id=exercise.professional_id,
        exercise=exercise,
        start=dates.start,
        end=dates.end,
        scheduled_end=dates.end,
        kind=PeriodKind.STANDARD if dates.kind == "standard" else PeriodKind.INITIAL,
    )
    PeriodTransition.objects.bulk_create(log_opened([period], reason))
    events.period_opened(period, reason)
    return period


def apply_interruptions(exercise: Exercise) -> Period | None:
    """D-15: ends the open period on the day cumulated interruptions exceed the threshold, and opens
    the next one on the day after the interruption that crossed it (resumption, D-11).

    Returns the period that was ended, if any.
    """
    config = rules_config()
    intervals = [(i.start, i.end) for i in exercise.interruptions.all()]
    ended = None
    for period in exercise.periods.filter(state=PeriodState.OPEN).order_by("start"):
        crossing = interruption_end(period.start, period.scheduled_end, intervals, config)
        if crossing is None:
            continue
        end_period(
            period,
            on=crossing,
            state=PeriodState.ENDED_INTERRUPTION,
            reason=f"interruption de plus de {config.interruption_threshold_days} jours",
        )
        ended = period
        resumption = max(end for start, end in intervals if start <= crossing) + timedelta(days=1)
        if not exercise.periods.filter(start=resumption).exists():
            open_period(exercise, start=resumption, reason="reprise d'activité après interruption")
    return ended
