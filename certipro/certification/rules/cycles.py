"""Certification periods (domain D-10 to D-15).

Pure date arithmetic: the date of reference is always a parameter, never the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .config import DEFAULT_CONFIG, RulesConfig

INITIAL = "initial"
STANDARD = "standard"

# Cycle states of contracts/status.md. The two "ended_*" states are events recorded by the
# caller (D-13, D-15); "open" / "ended" are derived from the date.
OPEN = "open"
ENDED = "ended"
ENDED_INTERRUPTION = "ended_interruption"
ENDED_PROFESSION_CHANGE = "ended_profession_change"
_RECORDED_END_STATES = frozenset({ENDED_INTERRUPTION, ENDED_PROFESSION_CHANGE})

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PeriodDates:
    """One certification period, both bounds inclusive."""

    start: date
    end: date
    kind: str  # "initial" | "standard"


def add_years(d: date, n: int) -> date:
    """Return the ``n``-th anniversary of ``d``.

    Decision: the anniversary of 29 February in a year without one is 1 March (the day after
    28 February), so a period starting on a leap day still ends "the day before the anniversary"
    on 28 February (D-11: 2024-02-29 -> 2030-02-28).
    """
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # only 29 February in a non-leap target year
        return date(d.year + n, 3, 1)


def _standard(start: date, config: RulesConfig) -> PeriodDates:
    # D-11 decision: the period ends the day before the anniversary.
    return PeriodDates(start, add_years(start, config.standard_years) - _ONE_DAY, STANDARD)


def first_period(registration_date: date, config: RulesConfig = DEFAULT_CONFIG) -> PeriodDates:
    """The first period of a professional registered (or resuming) on ``registration_date``.

    D-10: registered before ``initial_start`` -> the single 9-year initial period.
    D-11: otherwise a standard period starting on the registration date.
    """
    if registration_date < config.initial_start:
        return PeriodDates(config.initial_start, config.initial_end, INITIAL)
    return _standard(registration_date, config)


def next_period(previous_end: date, config: RulesConfig = DEFAULT_CONFIG) -> PeriodDates:
    """D-12: the period following one that ended on ``previous_end``."""
    return _standard(previous_end + _ONE_DAY, config)


def period_containing(
    registration_date: date,
    on: date,
    config: RulesConfig = DEFAULT_CONFIG,
) -> PeriodDates:
    """The period containing ``on``, chaining D-12 periods from the first one.

    Used when a professional enters the system long after registering. A date before the first
    period gives the first period (the professional has no earlier one).
    """
    period = first_period(registration_date, config)
    while on > period.end:
        period = next_period(period.end, config)
    return period


def interruption_end(
    start: date,
    end: date,
    interruptions: Sequence[tuple[date, date]],
    config: RulesConfig = DEFAULT_CONFIG,
) -> date | None:
    """D-15: the day the cumulated interruption inside [start, end] exceeds the threshold.

    ``interruptions`` are inclusive (first day, last day) ranges; they may overlap (a day is
    counted once) and may extend outside the period (only days inside it count). Returns the
    (threshold + 1)-th interrupted day of the period (the 1,096th by default), or None.
    """
    clipped = sorted(
        (max(first, start), min(last, end))
        for first, last in interruptions
        if max(first, start) <= min(last, end)
    )
    threshold = config.interruption_threshold_days
    counted = 0
    covered_until: date | None = None  # last day already counted, to count overlaps once
    for first, last in clipped:
        if covered_until is not None:
            if last <= covered_until:
                continue
            first = max(first, covered_until + _ONE_DAY)
        length = (last - first).days + 1
        if counted + length > threshold:
            return first + timedelta(days=threshold - counted)
        counted += length
        covered_until = last
    return None


def period_state(stored_state: str, end: date, as_of: date) -> str:
    """The cycle state of contracts/status.md as of ``as_of``.

    An end recorded by an event (interruption D-15, profession change D-13) is kept as is;
    otherwise the state follows the date: "ended" once the end date has passed.
    """
    if stored_state in _RECORDED_END_STATES:
        return stored_state
    return ENDED if as_of > end else OPEN
