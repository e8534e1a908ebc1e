"""Status snapshots and the certification status object (contracts/status.md)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from certipro.certification.bulk_io import (
    Timelines,
    day,
    holding_fact,
    period_facts,
    read_exercises,
    store_snapshots,
)
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.evaluation import ExerciseStatus, evaluate_exercise, rules_config
from certipro.certification.models import SNAPSHOT_FIELDS
from certipro.certification.rules import Evaluation
from certipro.core.iterables import chunks
from certipro.directory.models import Exercise

__all__ = ["SNAPSHOT_FIELDS", "recompute", "refresh_status", "snapshot_row", "status_object"]


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


def snapshot_row(period_id: int, professional_id: int, evaluation: Evaluation) -> tuple[Any, ...]:
    """The snapshot of a period's evaluation, as the row `bulk_io.store_snapshots` writes."""
    axes = {a.axis: a for a in evaluation.axes}
    return (
        period_id,
        professional_id,
        *(axes[n].required for n in (1, 2, 3, 4)),
        *(axes[n].counted for n in (1, 2, 3, 4)),
        sum(1 << (a.axis - 1) for a in evaluation.axes if a.status == "exempt"),
        evaluation.progress,
        evaluation.status,
        evaluation.pace.state,
        ",".join(evaluation.referentiels)[:400],
    )


def refresh_status(
    *, exercises: Iterable[Exercise | int], today: date, catalogue: Catalogue | None = None
) -> int:
    """Recomputes and stores the snapshots of these exercises' current periods (exercises, or
    their ids); returns how many were written.

    Called inside the transaction of every change that affects a status (design.md): a form's
    claim, a batch of 5,000 declarations, a withdrawal, an interruption. A fixed number of
    queries whatever the number of exercises: their facts read as plain rows
    (`bulk_io.read_exercises`), the engine run on them as the pages run it
    (`evaluation.evaluate_exercise`, in its aggregate form `rules.evaluate_counts`), the snapshots
    written set-based, with the notices of the axes they complete.
    """
    ids = {e if isinstance(e, int) else e.pk for e in exercises}
    if not ids:
        return 0
    catalogue = catalogue or load_catalogue()
    config = rules_config()
    current, rules_by_code = catalogue.current(today), catalogue.rules_by_code(today)
    timelines = Timelines(current)  # people share theirs: built once per distinct holdings
    facts = read_exercises(ids, today=today)
    periods, holdings, exemptions = (_by_exercise(rows) for rows in facts[1:4])
    # Counting actions by (type, chosen axis, end date): the engine's aggregate form of
    # `evaluate` (rules.evaluate_counts) gives the same counts and statuses.
    groups: dict[tuple[int, str], Counter[tuple[str, int | None, date]]] = defaultdict(Counter)
    for professional_id, profession_id, type_code, end_date, axis, n in facts.actions:
        groups[(professional_id, profession_id)][(type_code, axis, day(end_date))] += n
    rows = []
    memo: dict[tuple[Any, ...], Evaluation] = {}
    for professional_id, pk, profession_id in facts.exercises:
        held = tuple(holding_fact(r) for r in holdings[pk])
        evaluated = evaluate_exercise(
            profession_id=profession_id,
            periods=[period_facts(r) for r in periods[pk]],
            holdings=held,
            exemptions=[(r[2], day(r[3]), day(r[4])) for r in exemptions[pk]],
            groups=[(*k, n) for k, n in groups[(professional_id, profession_id)].items()],
            as_of=today,
            current=current,
            rules_by_code=rules_by_code,
            config=config,
            timeline=timelines.of(profession_id, held),
            memo=memo,
        )
        if evaluated is not None:  # no period yet on that date: no snapshot
            view, evaluation = evaluated
            rows.append(snapshot_row(view.period.pk, professional_id, evaluation))
    return store_snapshots(rows, today=today)


def _by_exercise(rows: list[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[1]].append(row)
    return grouped


def recompute(
    exercises: Iterable[Exercise], *, today: date, batch_size: int = 2000, catalogue: Catalogue | None = None
) -> int:
    """Recomputes every given exercise, in batches (a publication, an import, the benchmark)."""
    catalogue = catalogue or load_catalogue()
    return sum(
        refresh_status(exercises=batch, today=today, catalogue=catalogue)
        for batch in chunks(exercises, batch_size)
    )
