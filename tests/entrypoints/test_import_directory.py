"""contracts/directory.md: `import_directory`, an upsert keyed on (rpps, profession)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from certipro.audit.models import AuditEntry
from certipro.certification.models import Period, StatusSnapshot
from certipro.directory.models import Exercise, Holding, Professional
from tests.conftest import HEADER

MARTIN = "10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01"
DURAND = "10000000025,Durand,Paul,,60,,13,S,2024-09-15"
BAD_DEPARTMENT = "10000000033,Petit,Anne,,70,,96,L,2020-01-01"
BAD_RPPS = "1234,Roux,Luc,,10,,75,L,2020-01-01"


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_directory", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def csv_file(write_file: Callable[[str, str], Path], *rows: str) -> Path:
    return write_file("directory.csv", "\n".join([HEADER, *rows]) + "\n")


@pytest.mark.django_db
def test_import_creates_professionals_and_opens_their_periods(
    referentiels: None, write_file: Callable[[str, str], Path]
) -> None:
    out, _ = run(csv_file(write_file, MARTIN, DURAND))
    assert out.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    martin = Period.objects.get(professional__rpps="10000000017")
    assert (martin.start, martin.end, martin.kind) == (date(2023, 1, 1), date(2031, 12, 31), "initial")
    durand = Period.objects.get(professional__rpps="10000000025")
    assert (durand.start, durand.end, durand.kind) == (date(2024, 9, 15), date(2030, 9, 14), "standard")
    assert StatusSnapshot.objects.count() == 2
    assert AuditEntry.objects.filter(verb="directory.created").count() == 2


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(write_file: Callable[[str, str], Path]) -> None:
    path = csv_file(write_file, MARTIN, DURAND)
    run(path)
    counts = (Professional.objects.count(), Period.objects.count(), Holding.objects.count())
    entries = AuditEntry.objects.count()
    out, _ = run(path)
    assert out.strip() == "created 0, updated 0, unchanged 2, rejected 0"
    assert (Professional.objects.count(), Period.objects.count(), Holding.objects.count()) == counts
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_bad_rows_are_listed_and_good_rows_imported(write_file: Callable[[str, str], Path]) -> None:
    out, err = run(csv_file(write_file, MARTIN, BAD_DEPARTMENT, BAD_RPPS))
    assert out.strip() == "created 1, updated 0, unchanged 0, rejected 2"
    lines = err.splitlines()
    assert any(line.startswith("line 3: department: ") for line in lines)
    assert any(line.startswith("line 4: rpps: ") for line in lines)
    assert Professional.objects.get().rpps == "10000000017"


@pytest.mark.django_db
def test_strict_writes_nothing_when_a_row_is_bad(write_file: Callable[[str, str], Path]) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_directory",
            str(csv_file(write_file, MARTIN, BAD_DEPARTMENT)),
            "--strict",
            stdout=StringIO(),
            stderr=err,
        )
    assert "line 3: department: " in err.getvalue()
    assert not Professional.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_unreadable_file_fails_with_a_reason(write_file: Callable[[str, str], Path], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nowhere.csv")
    with pytest.raises(CommandError):
        run(write_file("junk.csv", "hello,world\n1,2\n"))
    assert not Professional.objects.exists()


@pytest.mark.django_db
def test_changed_row_is_an_update_and_specialty_change_is_dated(
    referentiels: None, write_file: Callable[[str, str], Path]
) -> None:
    run(csv_file(write_file, MARTIN))
    moved = MARTIN.replace(",SM54,75,L,", ",SM04,69,L,")
    out, _ = run(csv_file(write_file, moved), "--effective-date", "2025-06-01")
    assert out.strip() == "created 0, updated 1, unchanged 0, rejected 0"
    holdings = list(Holding.objects.order_by("start").values_list("start", "end", "specialties"))
    assert holdings == [
        (date(2023, 1, 1), date(2025, 5, 31), ["SM54"]),
        (date(2025, 6, 1), None, ["SM04"]),
    ]
    assert Exercise.objects.get().department_id == "69"
    assert StatusSnapshot.objects.get().referentiels == "T-CARDIO@2025-01"


@pytest.mark.django_db
def test_d13_new_profession_without_the_old_one_is_a_change_of_profession(
    import_rows: Callable[..., Any],
) -> None:
    import_rows(MARTIN)
    report = import_rows("10000000017,Martin,Claire,claire@example.org,60,,75,S,2025-04-01")
    assert (report.created, report.updated) == (1, 0)
    old = Period.objects.get(exercise__profession_id="10")
    assert (old.state, old.end, old.scheduled_end) == (
        "ended_profession_change",
        date(2025, 3, 31),
        date(2031, 12, 31),
    )
    assert not Exercise.objects.get(profession_id="10").is_active
    new = Period.objects.get(exercise__profession_id="60")
    assert (new.start, new.kind, new.state) == (date(2025, 4, 1), "standard", "open")


@pytest.mark.django_db
def test_d13_new_profession_with_the_old_one_in_the_same_file_holds_both(
    import_rows: Callable[..., Any],
) -> None:
    import_rows(MARTIN)
    report = import_rows(MARTIN, "10000000017,Martin,Claire,claire@example.org,60,,75,S,2025-04-01")
    assert (report.created, report.unchanged) == (1, 1)
    assert set(Period.objects.values_list("state", flat=True)) == {"open"}


@pytest.mark.django_db
def test_d10_registration_on_2022_12_31_is_initial_and_on_2023_01_01_standard(
    import_rows: Callable[..., Any],
) -> None:
    import_rows(
        "10000000017,Martin,Claire,,10,SM54,75,L,2022-12-31",
        "10000000025,Durand,Paul,,10,SM54,75,L,2023-01-01",
    )
    periods = dict(Period.objects.values_list("professional__rpps", "kind"))
    assert periods == {"10000000017": "initial", "10000000025": "standard"}
    standard = Period.objects.get(professional__rpps="10000000025")
    assert standard.end == date(2028, 12, 31)


@pytest.mark.django_db
def test_d12_old_registration_after_a_period_ended_opens_the_following_periods(
    import_rows: Callable[..., Any],
) -> None:
    import_rows("10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01", today=date(2032, 3, 1))
    periods = list(Period.objects.order_by("start").values_list("start", "end", "kind"))
    assert periods == [
        (date(2023, 1, 1), date(2031, 12, 31), "initial"),
        (date(2032, 1, 1), date(2037, 12, 31), "standard"),
    ]


ANNUAIRE_HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|"
    "Code profession|Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|"
    "Code type savoir-faire|Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|"
    "Code mode exercice|Libellé mode exercice|Code Département (structure)|"
)


def annuaire_line(rpps: str, profession: str, sf_type: str, sf: str, mode: str, dept: str) -> str:
    return (
        f"8|{rpps}|8{rpps}|DR|Docteur|M|Monsieur|DUPONT|JEAN|{profession}|Médecin|C|Civil|"
        f"{sf_type}|Spécialité ordinale|{sf}|x|{mode}|Libéral|{dept}|"
    )


@pytest.mark.django_db
def test_annuaire_extract_merges_activity_lines_and_gets_the_initial_period(
    referentiels: None, write_file: Callable[[str, str], Path]
) -> None:
    text = "\n".join(
        [
            ANNUAIRE_HEADER,
            annuaire_line("10000000017", "10", "S", "SM54", "L", "75"),
            annuaire_line("10000000017", "10", "S", "SM04", "S", "92"),
            annuaire_line("10000000025", "26", "", "", "L", "75"),  # audioprothésiste: not subject
        ]
    )
    out, _ = run(write_file("extract.txt", text + "\n"))
    assert out.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    exercise = Exercise.objects.get()
    assert (exercise.specialties, exercise.department_id, exercise.practice_mode_id) == (
        ["SM04", "SM54"],
        "75",
        "L",
    )
    period = Period.objects.get()
    assert (period.kind, period.start) == ("initial", date(2023, 1, 1))


@pytest.mark.django_db
def test_demo_sample_files_import_cleanly(db: None) -> None:
    root = Path(__file__).resolve().parents[2] / "certipro" / "directory" / "samples"
    out, err = run(root / "demo_directory.csv")
    assert out.strip().endswith("rejected 0"), err
    out, err = run(root / "annuaire_extract_sample.txt")
    assert out.strip().endswith("rejected 0"), err
