"""The pure rules engine of certification périodique (domain D-10 to D-26).

No Django, no database, no clock: dates and configuration are always parameters.
"""

from .applicability import (
    Holding,
    ReferentielMeta,
    Segment,
    assignment_timeline,
    codes_on,
    current_versions,
    matching_codes,
)
from .assignment import AXES, assign_actions, assign_counts, assign_mask_counts
from .config import DEFAULT_CONFIG, RulesConfig
from .counting import (
    COUNTING_STATES,
    ActionFact,
    AxisResult,
    Evaluation,
    ReferentielRules,
    action_axes,
    axis_status,
    count_by_axes,
    evaluate,
    evaluate_counts,
)
from .cycles import (
    PeriodDates,
    add_years,
    first_period,
    interruption_end,
    next_period,
    period_containing,
    period_state,
)
from .pace import Pace, pace

__all__ = [
    "AXES",
    "COUNTING_STATES",
    "DEFAULT_CONFIG",
    "ActionFact",
    "AxisResult",
    "Evaluation",
    "Holding",
    "Pace",
    "PeriodDates",
    "ReferentielMeta",
    "ReferentielRules",
    "RulesConfig",
    "Segment",
    "action_axes",
    "add_years",
    "assign_actions",
    "assign_counts",
    "assign_mask_counts",
    "assignment_timeline",
    "axis_status",
    "codes_on",
    "count_by_axes",
    "current_versions",
    "evaluate",
    "evaluate_counts",
    "first_period",
    "interruption_end",
    "matching_codes",
    "next_period",
    "pace",
    "period_containing",
    "period_state",
]
