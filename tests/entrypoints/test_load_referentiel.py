"""contracts/referentiel.md: `load_referentiel`, all or nothing, and re-evaluation on publication."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from certipro.directory.models import Profession, Specialty
from certipro.referentiels.models import ActionType, Referentiel
from tests.conftest import CARDIO, MG

DRAFT = MG.replace("published_on: 2025-01-15\n", "").replace('version: "2025-01"', 'version: "2027-01"')
FUTURE = MG.replace("published_on: 2025-01-15", "published_on: 2099-01-01").replace(
    'version: "2025-01"', 'version: "2099-01"'
)


def load(*paths: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_referentiel", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_loads_and_prints_one_line_per_file(write_file: Callable[[str, str], Path]) -> None:
    out, _ = load(write_file("mg.yaml", MG), write_file("cardio.yaml", CARDIO))
    assert out.splitlines() == [
        "loaded T-MG@2025-01 (8 action types)",
        "loaded T-CARDIO@2025-01 (4 action types)",
    ]
    assert ActionType.objects.filter(referentiel__code="T-MG").count() == 8


@pytest.mark.django_db
def test_same_content_again_is_a_noop(write_file: Callable[[str, str], Path]) -> None:
    path = write_file("mg.yaml", MG)
    load(path)
    loaded_at = Referentiel.objects.get(code="T-MG").loaded_at
    out, _ = load(write_file("mg-reordered.yaml", "# a comment changes nothing\n" + MG))
    assert out.strip() == "unchanged T-MG@2025-01"
    assert Referentiel.objects.get(code="T-MG").loaded_at == loaded_at


@pytest.mark.django_db
def test_changed_published_and_applied_version_is_refused(write_file: Callable[[str, str], Path]) -> None:
    load(write_file("mg.yaml", MG))
    changed = MG.replace("Programme de DPC", "Programme de DPC modifié")
    with pytest.raises(CommandError) as error:
        load(write_file("mg2.yaml", changed))
    assert "T-MG@2025-01 is published and already applied" in str(error.value)
    assert ActionType.objects.get(referentiel__code="T-MG", code="MG-DPC").title == "Programme de DPC"


@pytest.mark.django_db
def test_changed_draft_is_replaced(write_file: Callable[[str, str], Path]) -> None:
    load(write_file("draft.yaml", DRAFT))
    out, _ = load(write_file("draft2.yaml", DRAFT.replace("Programme de DPC", "DPC (v2)")))
    assert out.strip() == "loaded T-MG@2027-01 (8 action types)"
    assert ActionType.objects.get(referentiel__version="2027-01", code="MG-DPC").title == "DPC (v2)"


@pytest.mark.django_db
def test_published_in_the_future_is_not_applied_yet_so_it_may_be_replaced(
    write_file: Callable[[str, str], Path],
) -> None:
    load(write_file("future.yaml", FUTURE))
    out, _ = load(write_file("future2.yaml", FUTURE.replace("Programme de DPC", "DPC (v2)")))
    assert out.strip() == "loaded T-MG@2099-01 (8 action types)"


@pytest.mark.django_db
def test_any_error_loads_nothing_and_lists_every_problem(write_file: Callable[[str, str], Path]) -> None:
    good = write_file("good.yaml", CARDIO)
    bad = write_file(
        "bad.yaml",
        MG.replace('profession: "10"', 'profession: "99"').replace("axes: [1]}", "axes: [7]}", 1),
    )
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("load_referentiel", str(good), str(bad), stdout=StringIO(), stderr=err)
    lines = [*err.getvalue().splitlines(), str(error.value)]
    assert any(line.startswith(f"{bad}: profession: ") for line in lines)
    assert any(line.startswith(f"{bad}: action_types.0.axes: ") for line in lines)
    assert not Referentiel.objects.exists()


@pytest.mark.django_db
def test_unreadable_and_missing_files_are_reported(
    write_file: Callable[[str, str], Path], tmp_path: Path
) -> None:
    broken = write_file("broken.yaml", "format: referentiel/1\ncode: [unclosed\n")
    with pytest.raises(CommandError) as error:
        load(broken, tmp_path / "missing.yaml")
    assert "missing.yaml" in str(error.value) or "broken.yaml" in str(error.value)
    assert not Referentiel.objects.exists()


@pytest.mark.django_db
def test_same_code_and_version_twice_in_one_command_is_refused(
    write_file: Callable[[str, str], Path],
) -> None:
    with pytest.raises(CommandError, match="is also in"):
        load(write_file("a.yaml", MG), write_file("b.yaml", MG.replace("Programme de DPC", "Autre")))
    assert not Referentiel.objects.exists()


@pytest.mark.django_db
def test_publication_reevaluates_professionals_it_applies_to(
    import_rows: Callable[..., object], write_file: Callable[[str, str], Path]
) -> None:
    from certipro.certification.models import StatusSnapshot

    import_rows("10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01")
    assert StatusSnapshot.objects.get().referentiels == ""
    load(write_file("mg.yaml", MG))
    assert StatusSnapshot.objects.get().referentiels == "T-MG@2025-01"


@pytest.mark.django_db
def test_d4_without_nomenclatures_the_file_is_refused_saying_they_are_not_loaded(
    write_file: Callable[[str, str], Path],
) -> None:
    Specialty.objects.all().delete()
    Profession.objects.all().delete()
    mg = write_file("mg.yaml", MG)
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("load_referentiel", str(mg), stdout=StringIO(), stderr=err)
    lines = [*err.getvalue().splitlines(), *str(error.value).splitlines()]
    hint = "(run manage.py load_nomenclatures)"
    assert f"{mg}: profession: unknown profession 10: no professions are loaded {hint}" in lines
    assert f"{mg}: specialties: unknown specialty SM54: no specialties are loaded {hint}" in lines
    assert not Referentiel.objects.exists()
