"""`refresh_exercises` given the accounts a batch read for its checks writes the very snapshots
it writes when it reads them itself, and the shared timelines are the engine's (D-14)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from certipro.certification.bulk import refresh_exercises
from certipro.certification.bulk_io import holding_fact, read_accounts
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.models import StatusSnapshot
from certipro.certification.rules import assignment_timeline
from certipro.directory.models import Exercise
from tests.certification.test_bulk import FIELDS
from tests.conftest import TODAY


def refreshed(ids: set[int], today: date, catalogue: Catalogue, **kwargs: Any) -> tuple[int, set[Any]]:
    StatusSnapshot.objects.all().delete()
    written = refresh_exercises(ids, today=today, catalogue=catalogue, **kwargs)
    return written, set(StatusSnapshot.objects.values_list(*FIELDS))


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1)])
def test_the_snapshots_written_with_the_accounts_equal_those_written_without(
    population: None,
    today: date,
) -> None:
    """For every subset: one exercise of a person holding two (D-13), a specialty change (D-14),
    an exemption, an interruption (D-15); the accounts read for every professional, and for
    half of them only (the others' are read on the way, as a correction moving an action away
    from a person outside the batch needs, D-32)."""
    catalogue = load_catalogue()
    exercises = list(Exercise.objects.order_by("pk"))
    everyone = {e.professional_id for e in exercises}
    half = set(sorted(everyone)[::2])
    subsets = [{e.pk} for e in exercises] + [{e.pk for e in exercises[::2]}, {e.pk for e in exercises}]
    for subset in subsets:
        expected = refreshed(subset, today, catalogue)
        assert expected[0] == len(expected[1])
        for professionals in (everyone, half):
            accounts = read_accounts(professionals, catalogue=catalogue, today=today)
            assert refreshed(subset, today, catalogue, accounts=accounts) == expected


@pytest.mark.django_db
def test_accounts_read_for_another_date_are_refused(population: None) -> None:
    catalogue = load_catalogue()
    exercise = Exercise.objects.first()
    assert exercise is not None
    accounts = read_accounts([exercise.professional_id], catalogue=catalogue, today=date(2025, 3, 1))
    with pytest.raises(ValueError):
        refresh_exercises({exercise.pk}, today=TODAY, catalogue=catalogue, accounts=accounts)


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1)])
def test_d14_the_shared_timelines_are_the_engine_s(population: None, today: date) -> None:
    """Built once per distinct (profession, holdings) from each profession's référentiels alone:
    the same as the engine's from all of them (a choice of another profession's is ignored)."""
    catalogue = load_catalogue()
    accounts = read_accounts(
        Exercise.objects.values_list("professional_id", flat=True), catalogue=catalogue, today=today
    )
    current = catalogue.current(today)
    for _, pk, profession in accounts.exercises:
        holdings = tuple(holding_fact(r) for r in accounts.holdings if r[1] == pk)
        expected = assignment_timeline(profession, holdings, current)
        assert accounts.timelines.of(profession, holdings) == expected
    assert any(len(t) > 1 for t in accounts.timelines.built.values())  # the specialty change
