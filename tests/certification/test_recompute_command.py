"""The nightly `recompute_status`: the national set-based path, the reference path's snapshots."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Profession, Specialty
from tests.certification.test_bulk import FIELDS, reference, snapshots
from tests.conftest import TODAY


def nightly(*args: str) -> str:
    out = StringIO()
    call_command("recompute_status", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [TODAY, date(2029, 1, 1)])
def test_nightly_recompute_writes_the_reference_snapshots(population: None, as_of: date) -> None:
    expected = reference(as_of)
    StatusSnapshot.objects.all().delete()
    assert (
        nightly("--as-of", as_of.isoformat(), "--workers", "1")
        == f"recomputed {len(expected)} status snapshot(s)\n"
    )
    assert snapshots() == expected


@pytest.mark.django_db
def test_nightly_recompute_moves_the_pace_with_the_date_alone(population: None) -> None:
    """D-26: the pace changes with the date even when nothing else does: hence a nightly run.
    Each current period's snapshot is rewritten; an ended period's is kept as it last stood."""
    nightly("--as-of", TODAY.isoformat(), "--workers", "1")
    paces = dict(StatusSnapshot.objects.values_list("period_id", "pace"))
    nightly("--as-of", "2031-06-01", "--workers", "1")
    got = snapshots()
    expected = reference(date(2031, 6, 1))
    assert {k: got[k] for k in expected} == expected
    assert all(v[FIELDS.index("as_of")] == TODAY for k, v in got.items() if k not in expected)
    assert any(paces[k] != v[FIELDS.index("pace")] for k, v in expected.items() if k in paces)


@pytest.mark.django_db
def test_nightly_recompute_of_one_profession_leaves_the_others(population: None) -> None:
    expected = reference(TODAY, profession="60")
    StatusSnapshot.objects.all().delete()
    nightly("--profession", "60", "--as-of", TODAY.isoformat(), "--workers", "1")
    assert snapshots() == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profession", "99"], "unknown profession code '99'"),
        (["--workers", "0"], "--workers must be at least 1, not 0"),
        (["--as-of", "2026-13-01"], "'2026-13-01' is not a date (YYYY-MM-DD)"),
    ],
)
def test_nightly_recompute_refuses_bad_arguments_with_a_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nightly(*args)
    assert not StatusSnapshot.objects.exists()


@pytest.mark.django_db
def test_d4_an_unknown_profession_code_is_refused_with_the_known_ones() -> None:
    with pytest.raises(CommandError) as raised:
        nightly("--profession", "99")
    assert str(raised.value) == "unknown profession code '99': expected one of 10, 21, 40, 50, 60, 70, 80"


@pytest.mark.django_db
def test_d4_without_professions_the_refusal_says_they_are_not_loaded() -> None:
    Specialty.objects.all().delete()
    Profession.objects.all().delete()
    with pytest.raises(CommandError) as raised:
        nightly("--profession", "10")
    assert str(raised.value) == (
        "unknown profession code '10': no professions are loaded (run manage.py load_nomenclatures)"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_nightly_recompute_in_worker_processes_writes_the_reference_snapshots(population: None) -> None:
    """Committed data: the workers read it as of the command's exported snapshot. The
    nomenclatures need no fixture: the flush that ends a transactional test reloads them (D-4)."""
    expected = reference(TODAY)
    StatusSnapshot.objects.all().delete()
    assert (
        nightly("--as-of", TODAY.isoformat(), "--workers", "2")
        == f"recomputed {len(expected)} status snapshot(s)\n"
    )
    assert snapshots() == expected
