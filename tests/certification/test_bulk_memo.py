"""The refresh's memo kept across batches (certification/bulk_memo.py): a warm memo gives the very
snapshots of the reference path, and a memo serves only the date, catalogue and configuration it
was made for."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection

from certipro.certification import bulk_memo
from certipro.certification.bulk import refresh_exercises
from certipro.certification.bulk_memo import kept_memo
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import rules_config
from certipro.certification.models import Exemption, StatusSnapshot
from certipro.directory.models import Exercise
from tests.certification.test_bulk import reference, snapshots
from tests.conftest import TODAY

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the set-based refresh runs on PostgreSQL (SQLite: refresh_status)",
)


def refreshed(ids: set[int], today: date) -> dict[int, tuple[object, ...]]:
    StatusSnapshot.objects.all().delete()
    refresh_exercises(ids, today=today, catalogue=load_catalogue())
    return snapshots()


@postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1)])
def test_a_warm_memo_gives_the_snapshots_of_the_reference_path(population: None, today: date) -> None:
    # Not emptied first: the memo the other date left must not serve this one.
    exercises = list(Exercise.objects.order_by("pk"))
    expected = reference(today)
    assert refreshed({e.pk for e in exercises}, today) == expected  # cold
    memo = kept_memo(today, load_catalogue(), rules_config())
    assert memo.size() > 0
    # Warm, batch after batch: each exercise alone, then every other one.
    for exercise in exercises:
        periods = set(exercise.periods.values_list("pk", flat=True))
        assert refreshed({exercise.pk}, today) == {k: v for k, v in expected.items() if k in periods}
    assert refreshed({e.pk for e in exercises}, today) == expected
    assert kept_memo(today, load_catalogue(), rules_config()) is memo  # the same memo served all

    # Facts that change between batches are new keys, never an old answer.
    exercise = exercises[0]
    Exemption.objects.create(
        professional_id=exercise.professional_id,
        exercise=exercise,
        axis=1,
        reason="t",
        start=date(2023, 1, 1),
    )
    assert refreshed({e.pk for e in exercises}, today) == reference(today)


@pytest.mark.django_db
def test_a_memo_serves_only_its_date_catalogue_and_configuration(
    referentiels: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_memo._KEPT = None
    config = rules_config()
    memo = kept_memo(TODAY, load_catalogue(), config)
    memo.masks[("x",)] = 1  # type: ignore[index]
    assert kept_memo(TODAY, load_catalogue(), config) is memo  # a catalogue read again, equal
    other_day = kept_memo(date(2026, 1, 2), load_catalogue(), config)
    assert other_day is not memo and other_day.size() == 0
    catalogue = load_catalogue()
    fewer = replace(catalogue, metas=catalogue.metas[1:])
    assert kept_memo(date(2026, 1, 2), fewer, config) is not other_day
    other_config = replace(config, default_minimum_per_axis=config.default_minimum_per_axis + 1)
    assert kept_memo(date(2026, 1, 2), fewer, other_config).config == other_config
    # Bounded: past LIMIT entries, a new one.
    monkeypatch.setattr(bulk_memo, "LIMIT", 1)
    full = kept_memo(TODAY, catalogue, config)
    full.masks.update({("a",): 1, ("b",): 2})  # type: ignore[dict-item]
    assert kept_memo(TODAY, catalogue, config) is not full
