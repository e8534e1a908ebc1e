"""contracts/directory.md: `record_interruption`, and domain D-15."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from certipro.certification.models import Period
from certipro.directory.models import Interruption, Professional


def interrupt(*args: str) -> str:
    out = StringIO()
    call_command("record_interruption", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_d15_exactly_1095_days_keeps_the_period_open(dr_martin: Professional) -> None:
    interrupt("10000000017", "2024-01-01", "2026-12-30")  # 1,095 days inclusive
    assert list(Period.objects.values_list("state", flat=True)) == ["open"]


@pytest.mark.django_db
def test_d15_the_1096th_day_ends_the_period_and_resumption_opens_a_new_one(dr_martin: Professional) -> None:
    interrupt("10000000017", "2024-01-01", "2026-12-31")  # 1,096 days
    ended, resumed = Period.objects.order_by("start")
    assert (ended.state, ended.end) == ("ended_interruption", date(2026, 12, 31))
    assert (resumed.start, resumed.end, resumed.kind) == (date(2027, 1, 1), date(2032, 12, 31), "standard")
    assert ended.transitions.last().to_state == "ended_interruption"


@pytest.mark.django_db
def test_d15_interruptions_cumulate_within_a_period(dr_martin: Professional) -> None:
    interrupt("10000000017", "2023-02-01", "2024-07-31")  # 547 days
    interrupt("10000000017", "2025-01-01", "2026-07-02")  # 548 days: 1,095 in all
    assert Period.objects.get().state == "open"
    interrupt("10000000017", "2027-03-01", "2027-03-01")  # the 1,096th day
    assert Period.objects.order_by("start").first().end == date(2027, 3, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("99999999999", "2024-01-01", "2024-02-01"), "unknown RPPS"),
        (("10000000017", "2024-02-01", "2024-01-01"), "END is before START"),
        (("10000000017", "2024-01-01", "2024-02-01", "--profession", "60"), "has no profession 60"),
    ],
)
def test_bad_arguments_fail_with_one_line(
    dr_martin: Professional, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        interrupt(*args)
    assert not Interruption.objects.exists()


@pytest.mark.django_db
def test_malformed_date_is_refused(dr_martin: Professional) -> None:
    with pytest.raises(CommandError, match="is not a date"):
        interrupt("10000000017", "2024-13-01", "2024-12-01")


@pytest.mark.django_db
def test_several_professions_need_profession(referentiels: None, import_rows: Callable[..., Any]) -> None:
    import_rows(
        "10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,,60,,75,S,2024-09-15",
    )
    with pytest.raises(CommandError, match="--profession"):
        interrupt("10000000017", "2025-01-01", "2025-02-01")
    interrupt("10000000017", "2025-01-01", "2025-02-01", "--profession", "60")
    assert Interruption.objects.get().exercise.profession_id == "60"


@pytest.mark.django_db
def test_recording_the_same_interruption_again_is_a_noop(dr_martin: Professional) -> None:
    interrupt("10000000017", "2024-01-01", "2024-02-01")
    interrupt("10000000017", "2024-01-01", "2024-02-01")
    assert Interruption.objects.count() == 1


@pytest.mark.django_db
def test_overlapping_interruption_is_refused(dr_martin: Professional) -> None:
    interrupt("10000000017", "2024-01-01", "2024-02-01")
    with pytest.raises(CommandError, match="overlaps"):
        interrupt("10000000017", "2024-01-15", "2024-03-01")
