"""The référentiel file format (shared/contracts/referentiel.md): what is accepted, and every
problem reported with its path."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from certipro.referentiels.fileformat import (
    MAX_FILE_BYTES,
    ActionTypeSpec,
    Problem,
    ReferentielFileError,
    ReferentielSpec,
    parse_referentiel,
    read_referentiel_file,
)

PROFESSIONS = ("10", "21", "40", "50", "60", "70", "80")
SPECIALTIES = {"SM26": "10", "SM53": "10", "SM54": "10", "SCD01": "40"}

VALID_YAML = """\
# A comment that changes nothing.
format: referentiel/1
code: MED-MG
version: "2026-01"
title: Médecine générale
profession: "10"
specialties: [SM54, SM26]
published_on: 2026-01-15
axes:
  "3": {minimum: 1}
action_types:
  - code: MG-1-DPC
    title: Programme de DPC
    axes: [1]
    evidence: required
  - code: MG-2-EPP
    title: Audit clinique
    axes: [2, 1]
    declarable_by: [employer, professional]
  - code: MG-3-ANNONCE
    title: Formation à l'annonce
    axes: [3]
    description: >
      Annonce d'un diagnostic grave.
  - code: MG-4-SANTE
    title: Bilan de santé personnel
    axes: [4]
    declarable_by: [professional]
    evidence: none
"""


def valid() -> dict[str, Any]:
    """VALID_YAML as a JSON-ready dict."""
    document: dict[str, Any] = yaml.safe_load(VALID_YAML)
    return document | {"published_on": "2026-01-15"}


def parse(text: str | bytes, filename: str = "med-mg.yaml") -> ReferentielSpec:
    return parse_referentiel(
        text, filename=filename, known_professions=PROFESSIONS, known_specialties=SPECIALTIES
    )


def problems(text: str | bytes, filename: str = "med-mg.yaml") -> list[tuple[str, str]]:
    with pytest.raises(ReferentielFileError) as caught:
        parse(text, filename)
    return [(problem.path, problem.message) for problem in caught.value.problems]


def problems_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    return problems(json.dumps(document), "med-mg.json")


# What a valid file gives -------------------------------------------------------------------------


def test_valid_yaml_gives_the_resolved_spec() -> None:
    spec = parse(VALID_YAML)
    assert spec.code == "MED-MG"
    assert spec.version == "2026-01"
    assert spec.profession == "10"
    assert spec.specialties == ("SM26", "SM54")
    assert spec.published_on == dt.date(2026, 1, 15)
    assert spec.minimum_per_axis == 2
    assert spec.axis_minimums == {1: 2, 2: 2, 3: 1, 4: 2}
    assert spec.multi_axis == "count_once"
    assert spec.action_types[1] == ActionTypeSpec(
        "MG-2-EPP", "Audit clinique", (1, 2), ("professional", "employer"), "optional", ""
    )
    assert spec.action_types[2] == ActionTypeSpec(  # the defaults
        "MG-3-ANNONCE", "Formation à l'annonce", (3,), description="Annonce d'un diagnostic grave."
    )


def test_same_content_in_yaml_and_json_gives_the_same_spec_and_hash() -> None:
    document = valid()
    from_json = parse(json.dumps(document, ensure_ascii=False), "med-mg.json")
    assert from_json == parse(VALID_YAML)
    assert from_json.content_hash() == parse(VALID_YAML).content_hash()


def test_key_order_comments_and_written_out_defaults_do_not_change_the_hash() -> None:
    document = valid()
    document.update(minimum_per_axis=2, multi_axis="count_once")
    document["axes"] = {3: {"minimum": 1}, "4": {"minimum": 2}}
    document["action_types"][0]["declarable_by"] = ["organism", "professional", "employer"]
    reordered = dict(reversed(list(document.items())))
    text = "# another comment\n" + yaml.safe_dump(reordered, allow_unicode=True)
    assert parse(text).content_hash() == parse(VALID_YAML).content_hash()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Médecine générale", "title: Médecine générale (2)"),
        ("published_on: 2026-01-15", "published_on: 2026-01-16"),
        ('"3": {minimum: 1}', '"3": {minimum: 2}'),
        ("axes: [2, 1]", "axes: [2]"),
        ("evidence: none", "evidence: optional"),
    ],
)
def test_any_change_of_content_changes_the_hash(old: str, new: str) -> None:
    assert old in VALID_YAML
    changed = parse(VALID_YAML.replace(old, new))
    assert changed.content_hash() != parse(VALID_YAML).content_hash()


def test_canonical_dict_is_itself_a_valid_file_with_the_same_spec() -> None:
    spec = parse(VALID_YAML)
    assert parse(json.dumps(spec.to_canonical_dict()), "again.json") == spec


def test_unicode_normalisation_does_not_change_the_hash() -> None:
    decomposed = VALID_YAML.replace("Médecine", "Me\u0301decine")
    assert parse(decomposed).content_hash() == parse(VALID_YAML).content_hash()


def test_draft_without_published_on_is_valid() -> None:
    assert parse(VALID_YAML.replace("published_on: 2026-01-15\n", "")).published_on is None


def test_unquoted_yyyy_mm_version_is_a_string_in_yaml() -> None:
    assert parse(VALID_YAML.replace('version: "2026-01"', "version: 2026-01")).version == "2026-01"


def test_axis_keys_may_be_yaml_integers_and_zero_minimum_needs_no_action_type() -> None:
    text = VALID_YAML.replace('"3": {minimum: 1}', "3: {minimum: 0}\n  4: {minimum: 0}")
    text = text.replace("axes: [4]", "axes: [1]")
    assert parse(text).axis_minimums == {1: 2, 2: 2, 3: 0, 4: 0}


def test_format_is_guessed_from_content_when_the_extension_says_nothing() -> None:
    document = valid()
    assert parse(json.dumps(document), "upload.txt") == parse(VALID_YAML, "upload")


def test_utf8_bom_is_accepted() -> None:
    assert parse(b"\xef\xbb\xbf" + VALID_YAML.encode()).code == "MED-MG"


# Problems with one field -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["format", "code", "version", "title", "profession"])
def test_missing_required_field_is_reported(field: str) -> None:
    document = valid()
    del document[field]
    assert problems_of(document) == [(field, "is required")]


def test_missing_action_types_is_reported() -> None:
    document = valid()
    del document["action_types"]
    assert problems_of(document) == [("action_types", "is required")]


def test_missing_action_type_fields_are_reported() -> None:
    document = valid()
    document["action_types"][1] = {"description": "rien"}
    assert problems_of(document) == [
        ("action_types.1.code", "is required"),
        ("action_types.1.title", "is required"),
        ("action_types.1.axes", "is required"),
    ]


SINGLE_FIELD_CASES = [
    ("format", "referentiel/2", "format", "must be exactly referentiel/1"),
    ("code", "med-mg", "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("code", "M", "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("code", "M" * 41, "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("code", "MED-MG\n", "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("code", 2026, "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("version", 2026, "version", 'must be a quoted string, such as "2026-01"'),
    ("version", "  ", "version", "must not be empty"),
    ("title", "", "title", "must not be empty"),
    ("title", None, "title", "must be a non-empty string"),
    ("profession", "11", "profession", "unknown profession 11: expected one of 10, 21, 40, 50, 60, 70, 80"),
    (
        "profession",
        ["10"],
        "profession",
        "must be a profession code: expected one of 10, 21, 40, 50, 60, 70, 80",
    ),
    ("specialties", "SM54", "specialties", "must be a list of specialty codes"),
    (
        "specialties",
        ["SM99"],
        "specialties",
        "unknown specialty SM99: expected a specialty of profession 10: SM26, SM53, SM54",
    ),
    ("specialties", ["SCD01"], "specialties", "SCD01 is a specialty of profession 40, not 10"),
    ("specialties", [54], "specialties", "item 0 must be a specialty code"),
    ("published_on", "2026-02-30", "published_on", "2026-02-30 is not a valid date"),
    ("published_on", "15/01/2026", "published_on", "must be a date, YYYY-MM-DD"),
    ("published_on", 20260115, "published_on", "must be a date, YYYY-MM-DD"),
    ("minimum_per_axis", True, "minimum_per_axis", "must be a whole number, 0 or more"),
    ("minimum_per_axis", 2.0, "minimum_per_axis", "must be a whole number, 0 or more"),
    ("minimum_per_axis", "2", "minimum_per_axis", "must be a whole number, 0 or more"),
    ("minimum_per_axis", -1, "minimum_per_axis", "must be a whole number, 0 or more"),
    ("axes", [1], "axes", 'must be a mapping such as {"3": {minimum: 1}}'),
    ("axes", {"5": {"minimum": 1}}, "axes.5", "unknown axis; must be one of 1, 2, 3, 4"),
    ("axes", {"3": 1}, "axes.3", "must be a mapping such as {minimum: 1}"),
    ("axes", {"3": {}}, "axes.3.minimum", "is required"),
    ("axes", {"3": {"minimum": "1"}}, "axes.3.minimum", "must be a whole number, 0 or more"),
    ("axes", {"3": {"minimum": 1, "max": 3}}, "axes.3.max", "unknown field"),
    ("multi_axis", "count_twice", "multi_axis", "must be one of count_once, count_in_each"),
    ("action_types", [], "action_types", "must be a non-empty list of action types"),
    ("action_types", {"code": "X"}, "action_types", "must be a non-empty list of action types"),
    ("publish_on", "2026-01-15", "publish_on", "unknown field (did you mean published_on?)"),
]


@pytest.mark.parametrize(("field", "value", "path", "message"), SINGLE_FIELD_CASES)
def test_wrong_top_level_value_is_reported_with_its_path(
    field: str, value: Any, path: str, message: str
) -> None:
    document = valid() | {"published_on": "2026-01-15", field: value}
    assert problems_of(document) == [(path, message)]


DECLARANTS = "professional, organism, employer"
ACTION_TYPE_CASES = [
    ("code", "mg-2", "code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
    ("code", "MG-1-DPC", "code", "duplicate code MG-1-DPC, already used by action_types.0"),
    ("title", " ", "title", "must not be empty"),
    ("axes", [], "axes", "must be a non-empty list of axes among 1, 2, 3, 4"),
    ("axes", "1", "axes", "must be a non-empty list of axes among 1, 2, 3, 4"),
    ("axes", [5], "axes", "5 is not an axis; axes are 1 to 4"),
    ("axes", [True], "axes", "True is not an axis; axes are 1 to 4"),
    ("axes", [1, 2, 1], "axes", "axis 1 is listed twice"),
    ("declarable_by", [], "declarable_by", f"must be a non-empty list among {DECLARANTS}"),
    ("declarable_by", ["patient"], "declarable_by", f"'patient' must be one of {DECLARANTS}"),
    ("evidence", "mandatory", "evidence", "must be one of required, optional, none"),
    ("description", 3, "description", "must be a string"),
    ("axis", [1], "axis", "unknown field (did you mean axes?)"),
]


@pytest.mark.parametrize(("field", "value", "path", "message"), ACTION_TYPE_CASES)
def test_wrong_action_type_value_is_reported_with_its_index(
    field: str, value: Any, path: str, message: str
) -> None:
    document = valid()
    document["action_types"][1][field] = value
    assert problems_of(document) == [(f"action_types.1.{path}", message)]


def test_action_type_that_is_not_a_mapping_is_reported() -> None:
    document = valid()
    document["action_types"].append("MG-5")
    expected = ("action_types.4", "must be a mapping with code, title and axes")
    assert problems_of(document) == [expected]


def test_axis_without_action_type_is_reported_when_its_minimum_is_positive() -> None:
    document = valid()
    document["action_types"].pop()  # the only axis-4 type
    axis = "axis 4 (Mieux prendre en compte sa santé personnelle)"
    expected = ("action_types", f"no action type for {axis}, whose minimum is 2")
    assert problems_of(document) == [expected]


# What YAML does on its own -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2026", "2026-01-15", "2026-02-30", "2026.1", "yes"])
def test_unquoted_yaml_version_that_is_not_a_string_is_reported(version: str) -> None:
    text = VALID_YAML.replace('version: "2026-01"', f"version: {version}")
    assert problems(text) == [("version", 'must be a quoted string, such as "2026-01"')]


def test_impossible_yaml_date_is_reported_not_raised() -> None:
    text = VALID_YAML.replace("published_on: 2026-01-15", "published_on: 2026-02-30")
    assert problems(text) == [("published_on", "2026-02-30 is not a valid date")]


def test_yaml_date_with_a_time_is_reported() -> None:
    text = VALID_YAML.replace("published_on: 2026-01-15", "published_on: 2026-01-15 10:00:00")
    assert problems(text) == [("published_on", "must be a date without a time, YYYY-MM-DD")]


def test_unquoted_profession_number_means_the_same_code() -> None:
    assert parse(VALID_YAML.replace('profession: "10"', "profession: 10")).profession == "10"


def test_duplicate_keys_are_reported_with_their_line() -> None:
    assert problems(VALID_YAML + "code: MED-BIS\n") == [("", "duplicate key code at line 30")]
    document = json.dumps(valid())
    twice = document[:-1] + ', "title": "Autre"}'
    assert problems(twice, "r.json") == [("", "duplicate key title")]


def test_yaml_aliases_are_refused() -> None:
    text = VALID_YAML.replace("axes: [3]", "axes: &three [3]").replace("axes: [4]", "axes: *three")
    expected = ("", "invalid YAML at line 27, column 11: aliases (*name) are not allowed")
    assert problems(text) == [expected]


# Problems with the whole file --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        ("format: referentiel/1\ncode: [MED\n", "r.yaml", "invalid YAML at line 3, column 1: "),
        ('{\n  "code": "MED-MG",\n}', "r.json", "invalid JSON at line 3, column 1: "),
        ("", "r.yaml", "the file is empty"),
        ("- 1\n- 2\n", "r.yaml", "the file must contain a mapping of fields at its top level"),
        ("[" * 100_000, "r.json", "the file is nested too deeply"),
        ("a: " + "[" * 100_000, "r.yaml", "the file is nested too deeply"),
        ("a: " + "9" * 5_000, "r.yaml", "invalid YAML at line 1, column 4: numbers of more than"),
        ('{"a": ' + "9" * 5_000 + "}", "r.json", "invalid JSON: numbers of more than 40"),
        (b"title: M\xe9decine\n", "r.yaml", "the file is not valid UTF-8 (line 1)"),
        ("title: M\udce9decine\n", "r.yaml", "the file is not valid UTF-8 (line 1)"),
        (b" " * (MAX_FILE_BYTES + 1), "r.yaml", "the file is larger than 5 MB"),
        ("é" * (MAX_FILE_BYTES // 2 + 1), "r.yaml", "the file is larger than 5 MB"),
    ],
)
def test_unreadable_file_is_one_problem_for_the_whole_file(
    text: str | bytes, filename: str, message: str
) -> None:
    [(path, found)] = problems(text, filename)
    assert path == ""
    assert found.startswith(message)


def test_every_problem_is_reported_not_only_the_first() -> None:
    document = valid() | {"published_on": "2026-02-30", "colour": "blue"}
    document["code"] = "med mg"
    document["action_types"][0]["axes"] = [7]
    document["action_types"][3]["evidence"] = "sometimes"
    document["action_types"].append(dict(document["action_types"][1]))
    assert problems_of(document) == [
        ("colour", "unknown field"),
        ("code", "must be 2 to 40 characters among A-Z, 0-9 and -"),
        ("published_on", "2026-02-30 is not a valid date"),
        ("action_types.0.axes", "7 is not an axis; axes are 1 to 4"),
        ("action_types.3.evidence", "must be one of required, optional, none"),
        ("action_types.4.code", "duplicate code MG-2-EPP, already used by action_types.1"),
    ]


def test_error_lines_name_the_file_the_path_and_the_problem() -> None:
    error = ReferentielFileError([Problem("code", "is required"), Problem("", "bad")], filename="f")
    assert error.lines() == ["f: code: is required", "f: bad"]
    assert str(error) == "f: code: is required\nf: bad"


def test_read_referentiel_file_reads_and_parses(tmp_path: Path) -> None:
    path = tmp_path / "med-mg.yaml"
    path.write_text(VALID_YAML, encoding="utf-8")
    spec = read_referentiel_file(path, known_professions=PROFESSIONS)
    assert spec == parse(VALID_YAML)


@pytest.mark.parametrize("name", ["missing.yaml", "."])
def test_unreadable_path_is_a_problem_not_an_exception(tmp_path: Path, name: str) -> None:
    with pytest.raises(ReferentielFileError) as caught:
        read_referentiel_file(tmp_path / name, known_professions=PROFESSIONS)
    [problem] = caught.value.problems
    assert problem.path == "" and problem.message.startswith("cannot read the file: ")


def test_oversized_file_on_disk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(ReferentielFileError) as caught:
        read_referentiel_file(path, known_professions=PROFESSIONS)
    assert caught.value.lines() == [f"{path}: the file is larger than 5 MB"]


# D-4: a code the database does not know is refused with the code named ------------------------


def test_d4_without_professions_the_message_says_they_are_not_loaded_not_one_of_nothing() -> None:
    with pytest.raises(ReferentielFileError) as caught:
        parse_referentiel(VALID_YAML, filename="med-mg.yaml", known_professions=(), known_specialties={})

    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("profession", "unknown profession 10: no professions are loaded (run manage.py load_nomenclatures)"),
        (
            "specialties",
            "unknown specialty SM54: no specialties are loaded (run manage.py load_nomenclatures)",
        ),
        (
            "specialties",
            "unknown specialty SM26: no specialties are loaded (run manage.py load_nomenclatures)",
        ),
    ]


def test_d4_an_unknown_specialty_of_an_unknown_profession_lists_every_known_one() -> None:
    document = valid() | {"profession": "11", "specialties": ["SM99"]}

    assert ("specialties", "unknown specialty SM99: expected one of SCD01, SM26, SM53, SM54") in problems_of(
        document
    )
