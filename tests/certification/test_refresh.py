"""The refresh of the snapshots in every write transaction (`status.refresh_status`): what the
pages evaluate (`evaluation.evaluate_exercises`), written set-based, with a fixed number of
queries whatever the number of exercises."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import refresh_status, snapshot_row
from certipro.directory.models import Exercise
from tests.certification.test_bulk import FIELDS
from tests.conftest import TODAY

WRITTEN = [f for f in FIELDS if f != "as_of"]  # in the order of snapshot_row


def written() -> set[tuple[Any, ...]]:
    return set(StatusSnapshot.objects.values_list(*WRITTEN))


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1), date(2029, 1, 1)])
def test_d21_to_d26_a_refresh_writes_what_the_pages_evaluate(population: None, today: date) -> None:
    """For every subset of the population: one exercise of a person holding two (D-13), a
    specialty change (D-14), an exemption (D-24), an interruption (D-15), a contested claim (D-31)."""
    catalogue = load_catalogue()
    exercises = list(Exercise.objects.select_related("professional").order_by("pk"))
    for subset in [[e] for e in exercises] + [exercises[::2], exercises]:
        expected = {
            snapshot_row(s.period.period.pk, s.exercise.professional_id, s.evaluation)
            for s in evaluate_exercises(subset, as_of=today, catalogue=catalogue)
        }
        StatusSnapshot.objects.all().delete()
        assert refresh_status(exercises=[e.pk for e in subset], today=today, catalogue=catalogue) == len(
            expected
        )
        assert written() == expected
        assert StatusSnapshot.objects.filter(as_of=today).count() == len(expected)


@pytest.mark.django_db
def test_the_queries_of_a_refresh_do_not_grow_with_it(population: None) -> None:
    catalogue = load_catalogue()
    ids = list(Exercise.objects.order_by("pk").values_list("pk", flat=True))

    def queries(subset: list[int]) -> int:
        with CaptureQueriesContext(connection) as captured:
            refresh_status(exercises=subset, today=TODAY, catalogue=catalogue)
        return len(captured)

    assert queries(ids[:1]) == queries(ids)
