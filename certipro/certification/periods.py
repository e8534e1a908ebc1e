"""Periods built from an exercise (domain §2: D-10 to D-12), unsaved, with their opening log.

The changes of a period's life (ended early, resumed) are entry points: certipro/entrypoints/periods.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from certipro.certification.evaluation import rules_config
from certipro.certification.models import Period, PeriodState, PeriodTransition
from certipro.certification.rules import PeriodDates, RulesConfig, first_period, next_period
from certipro.directory.models import Exercise


def periods_until(first: PeriodDates, today: date, config: RulesConfig) -> list[PeriodDates]:
    """The first period and every following one (D-12) up to the one holding `today`."""
    dates = [first]
    while dates[-1].end < today:
        dates.append(next_period(dates[-1].end, config))
    return dates


def build_periods(exercise: Exercise, *, start_on: date | None, today: date) -> list[Period]:
    """Unsaved periods of a new exercise: from its registration (D-10, D-11), or, when the
    directory gives no date (the annuaire extract), the initial period (contracts/directory.md)."""
    config = rules_config()
    first = first_period(start_on or config.initial_start - timedelta(days=1), config)
    return [
        Period(
            professional_id=exercise.professional_id,
            exercise=exercise,
            start=d.start,
            end=d.end,
            scheduled_end=d.end,
            kind=d.kind,
        )
        for d in periods_until(first, today, config)
    ]


def log_opened(periods: list[Period], reason: str) -> list[PeriodTransition]:
    return [
        PeriodTransition(
            period=p,
            professional_id=p.professional_id,
            to_state=PeriodState.OPEN,
            effective_on=p.start,
            reason=reason,
        )
        for p in periods
    ]
