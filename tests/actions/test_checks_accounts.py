"""A `ClaimChecker` given the accounts a batch read (`record_claims` reads them once, with the
professionals) decides every claim as one that reads them itself, with no query."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.actions.checks import ActionRefused, ClaimChecker, ExerciseRow
from certipro.actions.models import Source
from certipro.certification.bulk_io import read_accounts
from certipro.certification.catalogue import load_catalogue
from certipro.directory.models import Exercise
from tests.bench.test_loader import claims, people  # noqa: F401 - `people` is a fixture
from tests.conftest import TODAY


def decisions(checker: ClaimChecker, ids: dict[str, int], source: Source) -> list[Any]:
    out: list[Any] = []
    for claim in claims(ids):
        fields = asdict(claim)
        for unused in ("title", "declarant_id", "external_id"):
            fields.pop(unused)
        try:
            out.append(checker.check_row(**fields, source=source))
        except ActionRefused as refused:
            out.append(refused.code)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("source", [Source.PROFESSIONAL, Source.ORGANISM])
def test_d22_d14_a_checker_given_the_accounts_decides_as_one_reading_them(
    people: dict[str, int],  # noqa: F811
    source: Source,
) -> None:
    """Every error code of the claims (outside_cycle, not_in_referentiel, not_declarable, a
    person holding two professions, D-13) and the same exercise for each accepted one."""
    catalogue, ids = load_catalogue(), set(people.values())
    expected = decisions(ClaimChecker(ids, catalogue=catalogue, today=TODAY), people, source)
    accounts = read_accounts(ids, catalogue=catalogue, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        shared = ClaimChecker(ids, catalogue=catalogue, today=TODAY, accounts=accounts)
        got = decisions(shared, people, source)
    assert got == expected
    assert len(queries) == 0
    assert {"outside_cycle", "not_in_referentiel"} <= set(got)
    assert any(isinstance(d, ExerciseRow) and d.profession_id == "60" for d in got)


@pytest.mark.django_db
def test_check_gives_the_exercise_as_a_model_without_a_query(people: dict[str, int]) -> None:  # noqa: F811
    """For the admin's form, which takes models: the other fields are deferred, and read right
    if ever asked."""
    gp = people["10000000017"]
    checker = ClaimChecker([gp], catalogue=load_catalogue(), today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        exercise = checker.check(
            professional_id=gp, type_code="MG-DPC", end_date=date(2024, 5, 1), source=Source.PROFESSIONAL
        )
    assert len(queries) == 0
    stored = Exercise.objects.get(professional_id=gp)
    assert exercise == stored
    assert (exercise.professional_id, exercise.profession_id) == (gp, "10")
    assert exercise.registration_date == stored.registration_date == date(2010, 6, 1)


@pytest.mark.django_db
def test_accounts_read_for_other_professionals_or_another_date_are_refused(
    people: dict[str, int],  # noqa: F811
) -> None:
    catalogue, gp, cardio = load_catalogue(), people["10000000017"], people["10000000025"]
    accounts = read_accounts([gp], catalogue=catalogue, today=TODAY)
    with pytest.raises(ValueError):
        ClaimChecker([gp, cardio], catalogue=catalogue, today=TODAY, accounts=accounts)
    with pytest.raises(ValueError):
        ClaimChecker([gp], catalogue=catalogue, today=date(2025, 1, 1), accounts=accounts)
    with pytest.raises(ValueError):
        ClaimChecker([gp], catalogue=load_catalogue(), today=TODAY, accounts=accounts)


@pytest.mark.django_db
def test_an_unknown_professional_is_refused_as_such(people: dict[str, int]) -> None:  # noqa: F811
    checker = ClaimChecker([999_999], catalogue=load_catalogue(), today=TODAY)
    with pytest.raises(ActionRefused) as refused:
        checker.check_row(
            professional_id=999_999, type_code="MG-DPC", end_date=date(2024, 5, 1), source=Source.ORGANISM
        )
    assert refused.value.code == "unknown_rpps"
