"""contracts/status.md through `certification_status`, with the real import and entry points."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from certipro.actions.models import Channel, Source
from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.entrypoints.actions import record_action
from tests.conftest import TODAY


def status(rpps: str, *args: str) -> Any:
    out = StringIO()
    call_command("certification_status", rpps, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def declare(professional: Professional, type_code: str, end: date, **kwargs: Any) -> Any:
    return record_action(
        professional=professional,
        type_code=type_code,
        end_date=end,
        source=Source.PROFESSIONAL,
        channel=Channel.COMMAND,
        actor=Actor.command("test"),
        today=TODAY,
        **kwargs,
    )


@pytest.mark.django_db
def test_status_object_has_the_contract_shape(dr_martin: Professional) -> None:
    declare(dr_martin, "MG-DPC", date(2024, 5, 1))
    declare(dr_martin, "MG-FC", date(2025, 5, 1))
    declare(dr_martin, "MG-EPP", date(2025, 6, 1))
    result = status("10000000017", "--as-of", "2026-01-01")
    assert result["rpps"] == "10000000017"
    assert result["profession"] == "10"
    assert result["cycle"] == {"start": "2023-01-01", "end": "2031-12-31", "kind": "initial", "state": "open"}
    assert result["referentiels"] == ["T-MG@2025-01"]
    assert result["axes"] == [
        {"axis": 1, "required": 2, "counted": 2, "status": "complete"},
        {"axis": 2, "required": 2, "counted": 1, "status": "in_progress"},
        {"axis": 3, "required": 2, "counted": 0, "status": "in_progress"},
        {"axis": 4, "required": 2, "counted": 0, "status": "in_progress"},
    ]
    assert result["progress"] == 0.375
    assert result["status"] == "in_progress"


@pytest.mark.django_db
def test_as_of_ignores_actions_ending_after_it(dr_martin: Professional) -> None:
    declare(dr_martin, "MG-DPC", date(2025, 3, 11))
    assert status("10000000017", "--as-of", "2025-03-10")["axes"][0]["counted"] == 0
    assert status("10000000017", "--as-of", "2025-03-11")["axes"][0]["counted"] == 1


@pytest.mark.django_db
def test_d23_multi_axis_assignment_is_optimal_with_tie_break(dr_martin: Professional) -> None:
    # Domain example: A{1,2}, B{1}, C{1}, D{2} -> axis 1 = 2 (B, C), axis 2 = 2 (A, D).
    declare(dr_martin, "MG-RMM", date(2024, 1, 10))
    declare(dr_martin, "MG-DPC", date(2024, 2, 10))
    declare(dr_martin, "MG-FC", date(2024, 3, 10))
    declare(dr_martin, "MG-EPP", date(2024, 4, 10))
    axes = status("10000000017", "--as-of", "2026-01-01")["axes"]
    assert [a["counted"] for a in axes] == [2, 2, 0, 0]


@pytest.mark.django_db
def test_complete_when_every_axis_is_complete(dr_martin: Professional) -> None:
    for code, month in [
        ("MG-DPC", 1),
        ("MG-FC", 2),
        ("MG-EPP", 3),
        ("MG-RMM", 4),
        ("MG-COM", 5),
        ("MG-ETP", 6),
        ("MG-SANTE", 7),
        ("MG-STRESS", 8),
    ]:
        declare(dr_martin, code, date(2025, month, 1))
    result = status("10000000017", "--as-of", "2026-01-01")
    assert result["status"] == "complete"
    assert result["progress"] == 1.0


@pytest.mark.django_db
def test_unknown_rpps_fails_with_a_one_line_reason(db: None) -> None:
    with pytest.raises(CommandError, match=r"^unknown RPPS$"):
        status("99999999999")


@pytest.mark.django_db
def test_two_professions_print_a_list(referentiels: None, import_rows: Callable[..., Any]) -> None:
    import_rows(
        "10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,,60,,75,S,2024-09-15",
    )
    result = status("10000000017", "--as-of", "2026-01-01")
    assert [r["profession"] for r in result] == ["10", "60"]
    assert result[1]["cycle"] == {
        "start": "2024-09-15",
        "end": "2030-09-14",
        "kind": "standard",
        "state": "open",
    }
    only = status("10000000017", "--as-of", "2026-01-01", "--profession", "60")
    assert only["profession"] == "60"


@pytest.mark.django_db
def test_d14_specialty_change_keeps_old_actions_and_applies_new_referentiel(
    dr_martin: Professional, import_rows: Callable[..., Any]
) -> None:
    declare(dr_martin, "MG-COM", date(2024, 5, 1))
    import_rows(
        "10000000017,Martin,Claire,claire@example.org,10,SM04,75,L,2010-06-01",
        effective_date=date(2025, 6, 1),
    )
    declare(dr_martin, "CA-COM", date(2025, 7, 1))
    result = status("10000000017", "--as-of", "2026-01-01")
    assert result["referentiels"] == ["T-CARDIO@2025-01"]
    axis3 = result["axes"][2]
    # The MG action done under the former specialty still counts; the cardiology minimum applies.
    assert axis3 == {"axis": 3, "required": 3, "counted": 2, "status": "in_progress"}


@pytest.mark.django_db
def test_d15_interruption_over_three_years_ends_the_period(dr_martin: Professional) -> None:
    call_command("record_interruption", "10000000017", "2023-03-01", "2026-03-01", stdout=StringIO())
    result = status("10000000017", "--as-of", "2026-03-05")
    # 1,096th interrupted day: 2023-03-01 + 1095 days = 2026-02-28.
    assert result["cycle"]["state"] == "open"
    assert result["cycle"]["start"] == "2026-03-02"
    before = status("10000000017", "--as-of", "2026-02-27")
    assert before["cycle"] == {"start": "2023-01-01", "end": "2031-12-31", "kind": "initial", "state": "open"}
    ended = status("10000000017", "--as-of", "2026-03-01")
    assert ended["cycle"]["state"] == "ended_interruption"
    assert ended["cycle"]["end"] == "2026-02-28"


@pytest.mark.django_db
def test_d13_change_of_profession_ends_the_old_period(
    dr_martin: Professional, import_rows: Callable[..., Any]
) -> None:
    import_rows("10000000017,Martin,Claire,claire@example.org,60,,75,S,2025-04-01")
    result = status("10000000017", "--as-of", "2026-01-01")
    by_profession = {r["profession"]: r for r in result} if isinstance(result, list) else {}
    assert by_profession["60"]["cycle"]["start"] == "2025-04-01"
    old = status("10000000017", "--as-of", "2026-01-01", "--profession", "10")
    assert old["cycle"]["state"] == "ended_profession_change"
    assert old["cycle"]["end"] == "2025-03-31"


@pytest.mark.django_db
def test_d14_choosing_another_referentiel_applies_from_the_change_and_keeps_history(
    dr_martin: Professional,
) -> None:
    from certipro.directory.models import Holding
    from certipro.entrypoints.exercises import DirectoryError, choose_referentiel

    declare(dr_martin, "MG-COM", date(2024, 5, 1))
    exercise = dr_martin.exercises.get()
    with pytest.raises(DirectoryError, match="not a published référentiel of profession 10"):
        choose_referentiel(
            exercise=exercise, code="T-IDE", on=date(2025, 6, 1), actor=Actor.command("t"), today=TODAY
        )
    choose_referentiel(
        exercise=exercise, code="T-CARDIO", on=date(2025, 6, 1), actor=Actor.command("t"), today=TODAY
    )
    result = status("10000000017", "--as-of", "2026-01-01")
    assert result["referentiels"] == ["T-CARDIO@2025-01"]
    assert result["axes"][2] == {"axis": 3, "required": 3, "counted": 1, "status": "in_progress"}
    assert list(Holding.objects.order_by("start").values_list("chosen_referentiel", flat=True)) == [
        "",
        "T-CARDIO",
    ]
