"""Pace: is the professional on track to complete the period in time? (domain D-26)

Thresholds come from ``RulesConfig``. Comparisons use exact fractions so that a share sitting
exactly on a threshold is classified the same way on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from .config import DEFAULT_CONFIG, RulesConfig

COMPLETE = "complete"
ON_TRACK = "on_track"
BEHIND = "behind"
AT_RISK = "at_risk"
ENDED = "ended"


@dataclass(frozen=True)
class Pace:
    """Where the professional stands against the time elapsed in the period."""

    elapsed_share: float  # share of the period's days before as_of, 0..1, 4 decimals
    done_share: float  # slots done / slots required, 0..1, 4 decimals
    days_left: int  # as_of to end inclusive, 0 after the end
    remaining_slots: int
    on_track: bool  # not behind (complete counts as on track)
    at_risk: bool
    state: str  # "complete" | "on_track" | "behind" | "at_risk" | "ended"


def pace(
    *,
    start: date,
    end: date,
    as_of: date,
    slots_done: int,
    slots_required: int,
    config: RulesConfig = DEFAULT_CONFIG,
) -> Pace:
    """D-26 pace of a period [start, end] as of ``as_of``.

    ``behind``: done share < elapsed share - ``pace_tolerance``. ``at_risk``: not complete and
    remaining slots * ``at_risk_days_per_slot`` > days left. State, first that applies:
    complete, ended (the end has passed), at_risk, behind, on_track.
    Before the period starts nothing has elapsed and the whole period is left.
    """
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    total_days = (end - start).days + 1
    days_left = max(0, min(total_days, (end - as_of).days + 1))
    elapsed = Fraction(total_days - days_left, total_days)
    # Nothing required counts as all done; surplus slots do not make the share exceed 1.
    done = Fraction(1)
    if slots_required:
        done = Fraction(min(slots_done, slots_required), slots_required)
    remaining = max(0, slots_required - slots_done)
    complete = remaining == 0
    behind = done < elapsed - Fraction(str(config.pace_tolerance))
    at_risk = not complete and remaining * config.at_risk_days_per_slot > days_left
    if complete:
        state = COMPLETE
    elif as_of > end:
        state = ENDED
    elif at_risk:
        state = AT_RISK
    elif behind:
        state = BEHIND
    else:
        state = ON_TRACK
    return Pace(
        elapsed_share=round(float(elapsed), 4),
        done_share=round(float(done), 4),
        days_left=days_left,
        remaining_slots=remaining,
        on_track=not behind,
        at_risk=at_risk,
        state=state,
    )
