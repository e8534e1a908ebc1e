"""The sample référentiels (certipro/referentiels/samples/) are valid, and say they are examples."""

from functools import cache
from pathlib import Path

import pytest

import certipro.referentiels
from certipro.directory.nomenclatures import load
from certipro.referentiels.fileformat import ReferentielSpec, parse_referentiel

SAMPLES = Path(certipro.referentiels.__file__).parent / "samples"
PATHS = sorted(SAMPLES.glob("*.yaml"))
LABEL = "# Exemple illustratif — ce n'est pas un référentiel officiel."


PROFESSIONS = {item["code"] for item in load("professions")}
SPECIALTIES = {item["code"]: item["profession"] for item in load("specialties")}


@cache
def sample(name: str) -> ReferentielSpec:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return parse_referentiel(
        text, filename=name, known_professions=PROFESSIONS, known_specialties=SPECIALTIES
    )


def all_samples() -> list[ReferentielSpec]:
    return [sample(path.name) for path in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_sample_is_a_valid_referentiel_file(path: Path) -> None:
    assert sample(path.name).code


def test_there_is_a_sample_for_each_profession_and_the_main_medical_specialties() -> None:
    codes = {spec.code for spec in all_samples()}
    assert codes == {
        *("PHARMA", "DENT", "SF", "IDE", "MK", "PP"),
        *("MED-MG", "MED-CARDIO", "MED-PED", "MED-PSY", "MED-AR", "MED-GEN"),
    }
    assert {spec.profession for spec in all_samples()} == {
        "10",
        "21",
        "40",
        "50",
        "60",
        "70",
        "80",
    }


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_sample_says_it_is_an_illustrative_example(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith(LABEL)
    assert "(exemple illustratif)" in sample(path.name).title


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_sample_covers_the_four_axes_with_realistic_counts(path: Path) -> None:
    spec = sample(path.name)
    assert {axis for action in spec.action_types for axis in action.axes} == {1, 2, 3, 4}
    assert 8 <= len(spec.action_types) <= 15
    assert any(len(action.axes) == 2 for action in spec.action_types)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_sample_file_is_named_after_its_code_and_version(path: Path) -> None:
    spec = sample(path.name)
    draft = "-draft" if spec.published_on is None else ""
    assert path.name == f"{spec.code.lower()}-{spec.version}{draft}.yaml"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_personal_health_actions_are_declared_by_the_professional(path: Path) -> None:
    for action in sample(path.name).action_types:
        if 4 in action.axes:
            assert "professional" in action.declarable_by, action.code


def test_only_non_medical_samples_and_med_gen_apply_to_the_whole_profession() -> None:
    whole = {spec.code for spec in all_samples() if not spec.specialties}
    assert whole == {"PHARMA", "DENT", "SF", "IDE", "MK", "PP", "MED-GEN"}


def test_general_practice_covers_its_three_specialty_codes() -> None:
    assert sample("med-mg-2026-01.yaml").specialties == ("SM26", "SM53", "SM54")


def test_the_2027_general_practice_version_is_a_draft() -> None:
    draft = sample("med-mg-2027-01-draft.yaml")
    assert (draft.code, draft.version, draft.published_on) == ("MED-MG", "2027-01", None)
    published = [spec for spec in all_samples() if spec.published_on is not None]
    assert len(published) == len(PATHS) - 1
    assert all(2025 <= spec.published_on.year <= 2026 for spec in published if spec.published_on)


def test_samples_show_an_axis_override_and_count_in_each() -> None:
    assert sample("med-psy-2026-01.yaml").axis_minimums == {1: 2, 2: 2, 3: 3, 4: 2}
    in_each = {spec.code for spec in all_samples() if spec.multi_axis == "count_in_each"}
    assert in_each == {"PP"}
