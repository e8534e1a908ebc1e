"""`recompute_all` gives the very snapshots of `status.recompute`, and the bench code still runs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from certipro.certification.bulk import recompute_all
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import SNAPSHOT_FIELDS, recompute
from certipro.directory.models import Exercise
from tests.conftest import TODAY

FIELDS = ["period_id", *(f if f != "professional" else "professional_id" for f in SNAPSHOT_FIELDS)]


def snapshots() -> dict[int, tuple[Any, ...]]:
    return {row[0]: row for row in StatusSnapshot.objects.values_list(*FIELDS)}


def reference(today: date, profession: str | None = None) -> dict[int, tuple[Any, ...]]:
    StatusSnapshot.objects.all().delete()
    exercises = Exercise.objects.select_related("professional").order_by("pk")
    if profession:
        exercises = exercises.filter(profession_id=profession)
    recompute(exercises, today=today)
    return snapshots()


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1), date(2029, 1, 1)])
def test_every_snapshot_field_equals_the_reference_path(population: None, today: date) -> None:
    expected = reference(today)
    StatusSnapshot.objects.all().delete()
    assert recompute_all(today=today) == len(expected)
    assert snapshots() == expected
    assert len(expected) >= 8  # the latecomer has no period yet on the earlier date


@pytest.mark.django_db
def test_it_overwrites_existing_snapshots_and_filters_by_profession(population: None) -> None:
    expected = reference(TODAY, profession="10")
    StatusSnapshot.objects.all().delete()
    recompute(Exercise.objects.select_related("professional"), today=date(2024, 1, 1))  # stale ones
    assert recompute_all(today=TODAY, profession="10") == len(expected)
    got = snapshots()
    assert {k: got[k] for k in expected} == expected


@pytest.mark.django_db
def test_the_bench_runs_end_to_end_at_a_tiny_scale() -> None:
    """The generator and both recomputes at 200 professionals, so the bench code cannot rot."""
    from bench.generate import generate
    from bench.recompute import run

    figures = generate(200, seed=3, today=TODAY, workers=1, log=lambda _: None)
    assert figures.exercises >= 200
    assert figures.actions_accepted > 200 * 19
    assert set(figures.actions_refused) <= {"future_date", "unknown_action_type"}
    # One process: worker processes could not see this test's uncommitted transaction.
    result = run(today=TODAY, repeat=1, workers=1, log=lambda _: None)
    assert result["rows"]["ours"] == result["rows"]["baseline"] == figures.exercises
    expected = snapshots()
    assert reference(TODAY) == expected
