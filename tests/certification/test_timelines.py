"""The timelines a batch of claims builds once for its checks (`bulk_io.Accounts`, `Timelines`)
are the engine's (D-14)."""

from __future__ import annotations

from datetime import date

import pytest

from certipro.certification.bulk_io import holding_fact, read_accounts
from certipro.certification.catalogue import load_catalogue
from certipro.certification.rules import assignment_timeline
from certipro.directory.models import Exercise
from tests.conftest import TODAY


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
