"""Where each period stands, read from the status snapshots the writes maintain (design.md:
"dashboards read snapshots, never raw actions"): the status API and the dashboard read these.

A snapshot is refreshed in the transaction of every write that changes a status (the entry
points, certification/status.py) and every night by `recompute_status`. Its figures (required,
counted, exempt axes, progress, status, the référentiels in force, the pace's state) are as of that
refresh; what moves with the calendar alone (the days left, the share of the period elapsed, the
period's state once its end has passed) is counted here from today. The command
`certification_status --as-of D` evaluates with the engine instead: a past date has no snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from certipro.certification.evaluation import PeriodView, period_as_of, rules_config
from certipro.certification.models import Period, StatusSnapshot
from certipro.certification.rules import AXES, axis_status, pace
from certipro.certification.status import contract_object
from certipro.directory.models import Exercise


@dataclass(frozen=True)
class CurrentPeriod:
    exercise: Exercise  # with its profession
    view: PeriodView  # the period as it stands today (evaluation.period_as_of)
    periods: list[Period]  # all the exercise's periods (what the engine reads when it must)
    snapshot: StatusSnapshot | None  # None: never computed (data written before snapshots)


def current_periods(professional_id: int, *, today: date) -> list[CurrentPeriod]:
    """Each exercise's period on `today` with its snapshot, by profession: one query. Exercises
    without a started period are left out, as the engine leaves them out."""
    by_exercise: dict[int, list[Period]] = defaultdict(list)
    rows = Period.objects.filter(professional_id=professional_id).select_related(
        "exercise__profession", "snapshot"
    )
    for period in rows:
        by_exercise[period.exercise_id].append(period)
    found = []
    for periods in by_exercise.values():
        view = period_as_of(periods, today)
        if view is not None:
            # A reverse one-to-one read by select_related: a missing snapshot is no query here.
            snapshot = getattr(view.period, "snapshot", None)
            found.append(CurrentPeriod(periods[0].exercise, view, periods, snapshot))
    return sorted(found, key=lambda c: c.exercise.profession_id)


def snapshot_object(current: CurrentPeriod, *, rpps: str, today: date) -> dict[str, Any]:
    """The object of contracts/status.md (plus its `pace` block) from the period's snapshot."""
    snapshot, view = current.snapshot, current.view
    assert snapshot is not None
    required = {a: getattr(snapshot, f"required_{a}") for a in AXES}
    counted = {a: getattr(snapshot, f"counted_{a}") for a in AXES}
    exempt = frozenset(a for a in AXES if snapshot.exempt_axes & (1 << (a - 1)))
    slots_required = sum(required.values())
    slots_done = sum(min(counted[a], required[a]) for a in AXES)  # D-25, as the engine sums them
    # The dates of the pace from today, by the engine's own function; its state stays the
    # snapshot's (as of the last refresh): the same the order's worklists and reminders read.
    today_pace = pace(
        start=view.start,
        end=view.end,
        as_of=today,
        slots_done=slots_done,
        slots_required=slots_required,
        config=rules_config(),
    )
    return contract_object(
        rpps=rpps,
        profession=current.exercise.profession_id,
        period=view,
        referentiels=[label for label in snapshot.referentiels.split(",") if label],
        axes=[(a, required[a], counted[a], axis_status(a, required[a], counted[a], exempt)) for a in AXES],
        progress=snapshot.progress,
        status=snapshot.status,
        pace_state=snapshot.pace,
        pace=today_pace,
    )
