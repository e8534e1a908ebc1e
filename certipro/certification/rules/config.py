"""Configuration of the rules engine.

Every value the domain marks as a **decision** lives here (domain.md preamble: a decision is a
configuration value, never a constant buried in code). The engine never reads Django settings:
the caller builds a ``RulesConfig`` (from settings or otherwise) and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RulesConfig:
    """Thresholds and dates used by the pure rules engine."""

    # D-10: the single 9-year first period of everyone registered before 2023-01-01.
    initial_start: date = date(2023, 1, 1)
    initial_end: date = date(2031, 12, 31)
    initial_years: int = 9
    # D-11, D-12: length of every later period.
    standard_years: int = 6
    # D-15 decision: the period ends when the cumulated interruption days inside it EXCEED this
    # number, i.e. on the day the cumulative count reaches threshold + 1 (the 1,096th day).
    interruption_threshold_days: int = 1095
    # D-21: minimum per axis when no référentiel says otherwise (or none is assigned).
    default_minimum_per_axis: int = 2
    # D-26: "behind" when the share of slots done is below the share of the period elapsed
    # minus this tolerance (a share of the period, 0.10 = 10 %).
    pace_tolerance: float = 0.10
    # D-26: "at risk" when remaining slots * this > days left in the period (while not complete).
    at_risk_days_per_slot: int = 60


# The default configuration, shared (it is immutable) as the default argument of the engine.
DEFAULT_CONFIG = RulesConfig()
