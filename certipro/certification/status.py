"""Status snapshots and the certification status object (contracts/status.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.evaluation import ExerciseStatus, evaluate_exercises
from certipro.certification.models import StatusSnapshot
from certipro.core.iterables import chunks
from certipro.directory.models import Exercise

SNAPSHOT_FIELDS = [
    "professional",
    "as_of",
    *(f"required_{a}" for a in (1, 2, 3, 4)),
    *(f"counted_{a}" for a in (1, 2, 3, 4)),
    "exempt_axes",
    "progress",
    "status",
    "pace",
    "referentiels",
]


def status_object(status: ExerciseStatus) -> dict[str, Any]:
    """The object of contracts/status.md from the engine's evaluation."""
    evaluation = status.evaluation
    return contract_object(
        rpps=status.exercise.professional.rpps,
        profession=status.exercise.profession_id,
        period=status.period,
        referentiels=list(evaluation.referentiels),
        axes=[(a.axis, a.required, a.counted, a.status) for a in evaluation.axes],
        progress=evaluation.progress,
        status=evaluation.status,
        pace_state=evaluation.pace.state,
        pace=evaluation.pace,
    )


def contract_object(
    *,
    rpps: str,
    profession: str,
    period: Any,
    referentiels: list[str],
    axes: list[tuple[int, int, int, str]],
    progress: float,
    status: str,
    pace_state: str,
    pace: Any,
) -> dict[str, Any]:
    """The JSON object of contracts/status.md, plus a `pace` block (additions are allowed): the one
    place that writes its shape, whether the figures come from the engine or from a snapshot."""
    return {
        "rpps": rpps,
        "profession": profession,
        "cycle": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "kind": period.kind,
            "state": period.state,
        },
        "referentiels": referentiels,
        "axes": [
            {"axis": axis, "required": required, "counted": counted, "status": state}
            for axis, required, counted, state in axes
        ],
        "progress": progress,
        "status": status,
        "pace": {
            "state": pace_state,
            "elapsed_share": round(pace.elapsed_share, 4),
            "done_share": round(pace.done_share, 4),
            "days_left": pace.days_left,
            "remaining_slots": pace.remaining_slots,
        },
    }


def snapshot_of(status: ExerciseStatus, as_of: date) -> StatusSnapshot:
    evaluation = status.evaluation
    axes = {a.axis: a for a in evaluation.axes}
    return StatusSnapshot(
        period=status.period.period,
        professional_id=status.exercise.professional_id,
        as_of=as_of,
        **{f"required_{n}": axes[n].required for n in (1, 2, 3, 4)},
        **{f"counted_{n}": axes[n].counted for n in (1, 2, 3, 4)},
        exempt_axes=sum(1 << (a.axis - 1) for a in evaluation.axes if a.status == "exempt"),
        progress=evaluation.progress,
        status=evaluation.status,
        pace=evaluation.pace.state,
        referentiels=",".join(evaluation.referentiels)[:400],
    )


def write_snapshots(statuses: Iterable[ExerciseStatus], as_of: date) -> int:
    """Stores the snapshots, and tells each professional of the axes this completed (domain §7)."""
    from certipro.notifications.events import axes_completed, snapshot_states

    snapshots = [snapshot_of(s, as_of) for s in statuses]
    before = snapshot_states([s.period_id for s in snapshots])
    StatusSnapshot.objects.bulk_create(
        snapshots,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["period"],
        # updated_at too (auto_now is set on insert only): the dashboard's kept page is versioned
        # by it (space/dashboard_cache.py), as the set-based upsert does (bulk_io.upsert_from_temp).
        update_fields=[*(f for f in SNAPSHOT_FIELDS if f != "professional"), "updated_at"],
    )
    axes_completed(before, snapshots)
    return len(snapshots)


def refresh_status(
    *, exercises: Sequence[Exercise], today: date, catalogue: Catalogue | None = None
) -> list[ExerciseStatus]:
    """Recomputes and stores the snapshot of these exercises' current periods.

    Called inside the transaction of every change that affects a status (design.md).
    """
    statuses = evaluate_exercises(exercises, as_of=today, catalogue=catalogue or load_catalogue())
    write_snapshots(statuses, today)
    return statuses


def recompute(
    exercises: Iterable[Exercise], *, today: date, batch_size: int = 2000, catalogue: Catalogue | None = None
) -> int:
    """Recomputes every given exercise, in batches (a publication, a nightly refresh, the benchmark)."""
    catalogue = catalogue or load_catalogue()
    done = 0
    for batch in chunks(exercises, batch_size):
        done += write_snapshots(evaluate_exercises(batch, as_of=today, catalogue=catalogue), today)
    return done
