import re

import pytest

from certipro.directory import nomenclatures
from certipro.directory.nomenclatures import NAMES, load, load_document

PROFESSIONS = {"10", "21", "40", "50", "60", "70", "80"}


@pytest.mark.parametrize("name", NAMES)
def test_every_nomenclature_says_where_it_comes_from(name: str) -> None:
    document = load_document(name)
    assert set(document) == {"source", "version", "items"}
    assert document["source"] and document["version"]


@pytest.mark.parametrize("name", NAMES)
def test_codes_are_unique_non_empty_strings(name: str) -> None:
    codes = [item["code"] for item in load(name)]
    assert all(isinstance(code, str) and code for code in codes)
    assert len(codes) == len(set(codes))


def test_the_seven_professions_with_an_order() -> None:
    professions = {item["code"]: item for item in load("professions")}
    assert set(professions) == PROFESSIONS
    assert professions["10"]["order"] == "CNOM"
    for item in professions.values():
        assert item["label"] and item["label_en"] and item["order"]


def test_every_specialty_belongs_to_a_profession_with_an_order() -> None:
    specialties = load("specialties")
    assert {item["profession"] for item in specialties} <= PROFESSIONS
    assert all(item["kind"] == "S" and item["label"] for item in specialties)


def test_doctors_have_every_specialty_from_sm01_to_sm95() -> None:
    codes = {item["code"] for item in load("specialties") if item["profession"] == "10"}
    assert codes == {f"SM{number:02d}" for number in range(1, 96)}


def test_specialty_labels_drop_the_sm_suffix() -> None:
    assert not [item for item in load("specialties") if "(SM)" in item["label"]]


def test_only_pharmacist_specialties_are_deprecated() -> None:
    deprecated = {item["code"] for item in load("specialties") if item.get("deprecated")}
    assert deprecated == {"SP01", "SP02", "SP03", "SP04"}


def test_the_18_current_regions() -> None:
    assert len(load("regions")) == 18


def test_the_101_departments_each_in_an_existing_region() -> None:
    departments = load("departments")
    regions = {item["code"] for item in load("regions")}
    assert len(departments) == 101
    assert {item["region"] for item in departments} == regions
    code = re.compile(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-46]")
    assert all(code.fullmatch(item["code"]) for item in departments)


def test_corsica_is_2a_and_2b_not_20() -> None:
    codes = {item["code"] for item in load("departments")}
    assert {"2A", "2B"} <= codes
    assert "20" not in codes
    assert "01" in codes and "1" not in codes


def test_practice_modes_say_which_codes_are_not_national() -> None:
    modes = {item["code"]: item for item in load("practice_modes")}
    assert set(modes) == {"L", "S", "M", "A", "B"}
    assert {code for code, item in modes.items() if not item["nos"]} == {"M", "A"}


def test_load_returns_a_fresh_list_so_callers_cannot_corrupt_it() -> None:
    load("professions").clear()
    assert len(load("professions")) == 7


def test_unknown_nomenclature_is_refused_not_read_from_disk() -> None:
    with pytest.raises(ValueError):
        nomenclatures.load("../../settings")
