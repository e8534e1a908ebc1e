"""The directory file parser (contract: shared/contracts/directory.md; format 2 pitfalls F1–F7,
L1–L5 in shared/reference/directory-and-psc.md §1). Pure: no database."""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.directory.annuaire import department_of
from certipro.directory.parsing import (
    LUHN_WARNING,
    MAX_LINE_BYTES,
    DirectoryFileError,
    DirectoryReader,
    DirectoryRecord,
    Known,
    RowProblem,
    luhn_valid,
    open_directory,
)

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parents[2] / "certipro" / "directory" / "samples"

OVERSEAS = {"971", "972", "973", "974", "975", "976"}
KNOWN = Known(
    professions=frozenset({"10", "21", "40", "50", "60", "70", "80"}),
    specialties={
        **{f"SM{n:02d}": "10" for n in range(1, 96)},
        **{f"SCD{n:02d}": "40" for n in range(1, 4)},
        **{f"SI{n:02d}": "60" for n in range(1, 9)},
    },
    departments=frozenset({f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"} | OVERSEAS),
    practice_modes=frozenset({"L", "S", "M", "A", "B"}),
)

# D-4: an unknown code is refused with what was expected (long lists cut after 8 codes).
EXPECTED_PROFESSION = "expected one of 10, 21, 40, 50, 60, 70, 80"
EXPECTED_SPECIALTY_OF_10 = (
    "expected a specialty of profession 10: SM01, SM02, SM03, SM04, SM05, SM06, SM07, SM08, … "
    "(95 specialties)"
)
EXPECTED_DEPARTMENT = (
    f"expected one of 01, 02, 03, 04, 05, 06, 07, 08, … ({len(KNOWN.departments)} departments)"
)
EXPECTED_MODE = "expected one of A, B, L, M, S"

# Luhn-valid fake RPPS numbers.
RPPS_A = "10000000017"
RPPS_B = "10000000025"
RPPS_C = "10000000033"
RPPS_NOT_LUHN = "10003461033"  # the FHIR IG's fictitious example (R4)

CONTRACT_COLUMNS = [
    "rpps",
    "last_name",
    "first_name",
    "email",
    "profession",
    "specialties",
    "department",
    "practice_mode",
    "registration_date",
]
PROJECT_HEADER = ",".join(CONTRACT_COLUMNS)
GOOD_ROW = f"{RPPS_A},Martin,Claire,claire.martin@example.org,10,SM54,75,L,2018-09-08"
OTHER_ROW = f"{RPPS_C},Dupont,Jean,,60,,13,S,2023-01-01"


def parse(data: bytes, *, today: date = TODAY) -> tuple[DirectoryReader, list[object]]:
    reader = open_directory(io.BytesIO(data), known=KNOWN, today=today)
    return reader, list(reader)


def project(*rows: str, header: str = PROJECT_HEADER) -> bytes:
    return "\n".join((header, *rows)).encode() + b"\n"


def problems(items: Sequence[object]) -> list[str]:
    return [str(item) for item in items if isinstance(item, RowProblem)]


def records(items: Sequence[object]) -> list[DirectoryRecord]:
    return [item for item in items if isinstance(item, DirectoryRecord)]


# -- The project's CSV -------------------------------------------------------------------------


def test_project_row_becomes_a_record() -> None:
    reader, items = parse(project(GOOD_ROW))

    assert reader.format == "project"
    assert reader.skipped == 0
    assert items == [
        DirectoryRecord(
            line=2,
            rpps=RPPS_A,
            last_name="Martin",
            first_name="Claire",
            email="claire.martin@example.org",
            profession="10",
            specialties=frozenset({"SM54"}),
            department="75",
            practice_mode="L",
            registration_date=date(2018, 9, 8),
            warnings=(),
        )
    ]


def test_project_columns_in_any_order_optional_ones_absent_extra_ones_ignored() -> None:
    header = "registration_date,Department,comment,profession,first_name,last_name,RPPS"
    _, items = parse(project(f"2024-09-15,2a,whatever,60,Léa,Santoni,{RPPS_B}", header=header))

    (record,) = records(items)
    assert (record.rpps, record.last_name, record.first_name) == (RPPS_B, "Santoni", "Léa")
    assert record.department == "2A"
    assert record.email == ""
    assert record.specialties == frozenset()
    assert record.practice_mode is None
    assert record.registration_date == date(2024, 9, 15)


def test_project_values_are_stripped_and_codes_case_insensitive() -> None:
    row = f" {RPPS_A} , Martin , Claire ,, 10 , sm54 ; ; SM26 , 75 , l , 2018-09-08 "
    _, items = parse(project(row))

    (record,) = records(items)
    assert record.rpps == RPPS_A
    assert (record.last_name, record.first_name) == ("Martin", "Claire")
    assert record.specialties == frozenset({"SM54", "SM26"})
    assert record.practice_mode == "L"


def test_project_quoted_values_follow_csv_rules() -> None:
    row = f'{RPPS_A},"O\'Neil, dit ""Jo""",Claire,,10,"SM54;SM26",75,L,2018-09-08'
    _, items = parse(project(row))

    (record,) = records(items)
    assert record.last_name == 'O\'Neil, dit "Jo"'
    assert record.specialties == frozenset({"SM54", "SM26"})


def test_bom_crlf_and_blank_lines_are_accepted_and_line_numbers_stay_physical() -> None:
    data = b"\xef\xbb\xbf" + project(GOOD_ROW, "", f"{RPPS_B},Bernard,Julien,,60,,13,S,2023-01-01")
    _, items = parse(data.replace(b"\n", b"\r\n"))

    assert [(r.line, r.rpps) for r in records(items)] == [(2, RPPS_A), (4, RPPS_B)]
    assert problems(items) == []


def test_same_rpps_with_two_professions_gives_two_records() -> None:
    _, items = parse(project(GOOD_ROW, f"{RPPS_A},Martin,Claire,,21,,75,S,2011-09-05"))

    assert [(r.rpps, r.profession) for r in records(items)] == [(RPPS_A, "10"), (RPPS_A, "21")]


def test_registration_date_today_is_accepted() -> None:
    _, items = parse(project(f"{RPPS_A},Martin,Claire,,10,,75,,{TODAY.isoformat()}"))

    assert records(items)[0].registration_date == TODAY


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",Martin,Claire,,10,,75,L,2018-09-08", "line 2: rpps: is required"),
        ("1234,Martin,Claire,,10,,75,L,2018-09-08", "line 2: rpps: must be 11 digits, not '1234'"),
        (
            "1000000001A,Martin,Claire,,10,,75,L,2018-09-08",
            "line 2: rpps: must be 11 digits, not '1000000001A'",
        ),
        (f"{RPPS_A},,Claire,,10,,75,L,2018-09-08", "line 2: last_name: is required"),
        (f"{RPPS_A},Martin,,,10,,75,L,2018-09-08", "line 2: first_name: is required"),
        (
            f"{RPPS_A},{'M' * 101},Claire,,10,,75,L,2018-09-08",
            "line 2: last_name: is longer than 100 characters",
        ),
        (
            f"{RPPS_A},Martin,Cla\x07ire,,10,,75,L,2018-09-08",
            "line 2: first_name: contains a control character",
        ),
        (
            f"{RPPS_A},Martin,Claire,claire.example.org,10,,75,L,2018-09-08",
            "line 2: email: is not a plausible e-mail address: 'claire.example.org'",
        ),
        (
            f"{RPPS_A},Martin,Claire,claire@localhost,10,,75,L,2018-09-08",
            "line 2: email: is not a plausible e-mail address: 'claire@localhost'",
        ),
        (f"{RPPS_A},Martin,Claire,,,,75,L,2018-09-08", "line 2: profession: is required"),
        (
            f"{RPPS_A},Martin,Claire,,26,,75,L,2018-09-08",
            f"line 2: profession: unknown profession '26': {EXPECTED_PROFESSION}",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,SM99,75,L,2018-09-08",
            f"line 2: specialties: unknown specialty 'SM99': {EXPECTED_SPECIALTY_OF_10}",
        ),
        (
            f"{RPPS_A},Martin,Claire,,60,SM54,75,L,2018-09-08",
            "line 2: specialties: SM54 is not a specialty of profession 60",
        ),
        (f"{RPPS_A},Martin,Claire,,10,,,L,2018-09-08", "line 2: department: is required"),
        (
            f"{RPPS_A},Martin,Claire,,10,,1,L,2018-09-08",
            f"line 2: department: unknown department '1': {EXPECTED_DEPARTMENT}",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,,075,L,2018-09-08",
            f"line 2: department: unknown department '075': {EXPECTED_DEPARTMENT}",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,,75,X,2018-09-08",
            f"line 2: practice_mode: unknown practice mode 'X': {EXPECTED_MODE}",
        ),
        (f"{RPPS_A},Martin,Claire,,10,,75,L,", "line 2: registration_date: is required"),
        (
            f"{RPPS_A},Martin,Claire,,10,,75,L,08/09/2018",
            "line 2: registration_date: must be a date YYYY-MM-DD, not '08/09/2018'",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,,75,L,20180908",
            "line 2: registration_date: must be a date YYYY-MM-DD, not '20180908'",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,,75,L,2023-02-30",
            "line 2: registration_date: 2023-02-30 is not a real date",
        ),
        (
            f"{RPPS_A},Martin,Claire,,10,,75,L,2026-11-23",
            "line 2: registration_date: 2026-11-23 is after today (2026-11-22)",
        ),
        (f"{RPPS_A},Martin,Claire,,10,,75,L", "line 2: : expected 9 fields, found 8"),
        (f"{RPPS_A},Martin,Claire,,10,,75,L,2018-09-08,", "line 2: : expected 9 fields, found 10"),
    ],
)
def test_project_row_problem_is_reported_and_the_row_skipped(row: str, expected: str) -> None:
    _, items = parse(project(row))

    assert problems(items) == [expected]
    assert records(items) == []


def test_project_row_reports_all_its_problems() -> None:
    _, items = parse(project("12,,Claire,nope,10,SM99;SCD01,99,Z,2031-01-01"))

    assert problems(items) == [
        "line 2: rpps: must be 11 digits, not '12'",
        "line 2: last_name: is required",
        "line 2: email: is not a plausible e-mail address: 'nope'",
        "line 2: specialties: SCD01 is not a specialty of profession 10",
        f"line 2: specialties: unknown specialty 'SM99': {EXPECTED_SPECIALTY_OF_10}",
        f"line 2: department: unknown department '99': {EXPECTED_DEPARTMENT}",
        f"line 2: practice_mode: unknown practice mode 'Z': {EXPECTED_MODE}",
        "line 2: registration_date: 2031-01-01 is after today (2026-11-22)",
    ]


def test_project_duplicate_rpps_and_profession_is_a_row_problem() -> None:
    _, items = parse(
        project(
            GOOD_ROW,
            f"{RPPS_B},Bernard,Julien,,60,,13,S,2023-01-01",
            f"{RPPS_A},Martin,Claire,,21,,75,S,2011-09-05",  # another profession: fine
            f"{RPPS_A},Martin,Claire,,10,,69,L,2019-01-01",
        )
    )

    assert problems(items) == ["line 5: rpps: duplicate of line 2"]
    assert [r.line for r in records(items)] == [2, 3, 4]


def test_project_duplicate_of_a_rejected_row_is_still_a_duplicate() -> None:
    # Which of the two rows is right is unknown: neither is imported.
    _, items = parse(
        project(
            f"{RPPS_A},Martin,Claire,,10,,75,L,2999-01-01",
            f"{RPPS_A},Martin,Claire,,10,,75,L,2018-09-08",
        )
    )

    assert problems(items) == [
        "line 2: registration_date: 2999-01-01 is after today (2026-11-22)",
        "line 3: rpps: duplicate of line 2",
    ]


def test_many_distinct_keys_are_not_mistaken_for_duplicates() -> None:
    rows = [f"{n:011d},Nom,Prénom,,{p},,75,,2020-01-01" for n in range(3000) for p in ("10", "60")]
    _, items = parse(project(*rows, f"{2999:011d},Nom,Prénom,,60,,75,,2020-01-01"))

    assert problems(items) == [f"line {len(rows) + 2}: rpps: duplicate of line {len(rows) + 1}"]
    assert len(records(items)) == len(rows)


def test_rpps_failing_luhn_is_a_warning_not_a_rejection() -> None:
    _, items = parse(project(GOOD_ROW, f"{RPPS_NOT_LUHN},Dupont,Jean,,60,,13,S,2023-01-01"))

    assert [r.warnings for r in records(items)] == [(), (LUHN_WARNING,)]
    assert LUHN_WARNING == "rpps: fails the Luhn check"


@pytest.mark.parametrize(
    ("number", "valid"),
    [(RPPS_A, True), ("10101010101", False), (RPPS_NOT_LUHN, False), ("10001234567", False)],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_invalid_utf8_line_is_reported_and_parsing_goes_on() -> None:
    bad = f"{RPPS_B},Bernard,Ju".encode() + b"\xe9lien,,60,,13,S,2023-01-01"  # latin-1 é
    data = b"\n".join([PROJECT_HEADER.encode(), GOOD_ROW.encode(), bad, OTHER_ROW.encode()])
    _, items = parse(data)

    assert problems(items) == ["line 3: : not valid UTF-8"]
    assert [r.line for r in records(items)] == [2, 4]
    assert items[1] == RowProblem(3, "", "not valid UTF-8")


def test_carriage_return_inside_a_line_is_a_row_problem() -> None:
    _, items = parse(project(GOOD_ROW.replace("Claire", "Cla\rire"), OTHER_ROW))

    assert problems(items) == ["line 2: : not a valid CSV line: carriage return outside quotes"]
    assert [r.line for r in records(items)] == [3]


def test_too_long_line_is_reported_without_being_kept() -> None:
    long_row = f"{RPPS_B},{'x' * (MAX_LINE_BYTES + 10)},Julien,,60,,13,S,2023-01-01"
    _, items = parse(project(GOOD_ROW, long_row, OTHER_ROW))

    assert problems(items) == [f"line 3: : line longer than {MAX_LINE_BYTES} bytes"]
    assert [r.line for r in records(items)] == [2, 4]


def test_a_reader_is_single_pass() -> None:
    reader, _ = parse(project(GOOD_ROW))

    with pytest.raises(RuntimeError):
        iter(reader)


# -- Unreadable files --------------------------------------------------------------------------


ANNUAIRE_SOME_COLUMNS = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Nom d'exercice",
    "Code profession",
    "Code mode exercice",
]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n" + GOOD_ROW.encode(), "the first line is empty: the file has no header"),
        (b"  \r\n", "the first line is empty: the file has no header"),
        (b"rpps,\xe9,last_name\n", "the header line (line 1) is unreadable: not valid UTF-8"),
        (b"nom;prenom;rpps\n", "unrecognised header"),
        (b"rpps,last\r_name\n", "the header line (line 1) is unreadable: not a valid CSV line"),
        (b"a|b|c\n", "unrecognised header"),
        (
            b"rpps,last_name,email\n",
            "missing required columns: first_name, profession, department, registration_date",
        ),
        (b"rpps,RPPS,last_name\n", "column rpps appears twice in the header"),
        (
            "|".join(ANNUAIRE_SOME_COLUMNS).encode(),
            "Annuaire Santé header: missing required columns: Prénom d'exercice, "
            "Code type savoir-faire, Code savoir-faire",
        ),
    ],
)
def test_unreadable_file_raises_directory_file_error(data: bytes, message: str) -> None:
    with pytest.raises(DirectoryFileError) as raised:
        open_directory(io.BytesIO(data), known=KNOWN, today=TODAY)

    assert message in str(raised.value)


def test_header_is_checked_before_any_row_is_read() -> None:
    stream = io.BytesIO(project(GOOD_ROW))
    open_directory(stream, known=KNOWN, today=TODAY)

    assert stream.tell() == len(PROJECT_HEADER) + 1


# -- The Annuaire Santé extract ----------------------------------------------------------------

# §1.3, published 8 Oct 2026.
HEADER_56 = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|"
    "Code profession|Libellé profession|Code catégorie professionnelle|"
    "Libellé catégorie professionnelle|Code type savoir-faire|Libellé type savoir-faire|"
    "Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|"
    "Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|"
    "Numéro FINESS établissement juridique|Identifiant technique de la structure|"
    "Raison sociale site|Enseigne commerciale site|Complément destinataire (coord. structure)|"
    "Complément point géographique (coord. structure)|Numéro Voie (coord. structure)|"
    "Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|"
    "Mention distribution (coord. structure)|Bureau cedex (coord. structure)|"
    "Code postal (coord. structure)|Code commune (coord. structure)|"
    "Libellé commune (coord. structure)|Code pays (coord. structure)|"
    "Libellé pays (coord. structure)|Téléphone (coord. structure)|"
    "Téléphone 2 (coord. structure)|Télécopie (coord. structure)|"
    "Adresse e-mail (coord. structure)|Code Département (structure)|"
    "Libellé Département (structure)|Ancien identifiant de la structure|"
    "Autorité d'enregistrement|Code secteur d'activité|Libellé secteur d'activité|"
    "Code section tableau pharmaciens|Libellé section tableau pharmaciens|Code rôle|"
    "Libellé rôle|Code genre activité|Libellé genre activité"
)
COLUMNS_56 = HEADER_56.split("|")
COLUMNS_52 = COLUMNS_56[:52]  # before "Code rôle" … "Libellé genre activité" were added (F7)
HEADER_52 = "|".join(COLUMNS_52)


def annuaire_line(columns: list[str] = COLUMNS_56, *, trailing: bool = True, **values: str) -> str:
    """A line with the given values, by the column's position in the 56-column header:
    kind, rpps, last, first, profession, category, sf_type, sf, mode, dept, commune, postal,
    company (Raison sociale site)."""
    names = {
        "kind": "Type d'identifiant PP",
        "rpps": "Identifiant PP",
        "last": "Nom d'exercice",
        "first": "Prénom d'exercice",
        "profession": "Code profession",
        "category": "Code catégorie professionnelle",
        "sf_type": "Code type savoir-faire",
        "sf": "Code savoir-faire",
        "mode": "Code mode exercice",
        "dept": "Code Département (structure)",
        "commune": "Code commune (coord. structure)",
        "postal": "Code postal (coord. structure)",
        "company": "Raison sociale site",
    }
    defaults = {"kind": "8", "last": "MARTIN", "first": "Claire", "profession": "10"}
    defaults.update({"category": "C", "mode": "L", "dept": "75"})
    given_values = {names[key]: value for key, value in (defaults | values).items()}
    fields = [given_values.get(column, "") for column in columns]
    if "Identification nationale PP" in columns and "rpps" in values:
        fields[columns.index("Identification nationale PP")] = "8" + values["rpps"]
    return "|".join(fields) + ("|" if trailing else "")


def annuaire(*lines: str, header: str = HEADER_56 + "|") -> bytes:
    return "\n".join((header, *lines)).encode() + b"\n"


def test_annuaire_line_becomes_a_record() -> None:
    reader, items = parse(annuaire(annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM54")))

    assert reader.format == "annuaire"
    assert items == [
        DirectoryRecord(
            line=2,
            rpps=RPPS_A,
            last_name="MARTIN",
            first_name="Claire",
            email="",
            profession="10",
            specialties=frozenset({"SM54"}),
            department="75",
            practice_mode="L",
            registration_date=None,
            warnings=(),
        )
    ]


@pytest.mark.parametrize(
    "header",
    [
        HEADER_56,
        HEADER_56 + "|",
        HEADER_56.upper(),
        HEADER_56.replace("Code Département (structure)", "Code département (structure)"),
        HEADER_56.replace("é", "e").replace("É", "E"),
        HEADER_56.replace("Type d'identifiant PP", "Type  d\u2019identifiant   PP "),
    ],
    ids=["56", "56-trailing", "upper", "lowercase-d", "no-accents", "spaces-apostrophe"],
)
def test_annuaire_header_variants_are_recognised(header: str) -> None:
    _, items = parse(annuaire(annuaire_line(rpps=RPPS_A), header=header))

    (record,) = records(items)
    assert (record.rpps, record.department) == (RPPS_A, "75")


def test_annuaire_old_52_column_header() -> None:
    line = annuaire_line(COLUMNS_52, rpps=RPPS_A, sf_type="S", sf="SM04", dept="69")
    _, items = parse(annuaire(line, header=HEADER_52 + "|"))

    (record,) = records(items)
    assert (record.specialties, record.department) == (frozenset({"SM04"}), "69")


def test_annuaire_lines_with_or_without_trailing_separator() -> None:
    _, items = parse(
        annuaire(
            annuaire_line(rpps=RPPS_A, trailing=False),
            annuaire_line(rpps=RPPS_B, trailing=True),
            header=HEADER_56,
        )
    )

    assert [r.rpps for r in records(items)] == [RPPS_A, RPPS_B]
    assert problems(items) == []


def test_annuaire_quotes_are_data() -> None:
    line = annuaire_line(rpps=RPPS_A, last='D"ARTAGNAN', company='PHARMACIE "DU PORT|')
    _, items = parse(annuaire(line.replace("PORT|", "PORT")))

    (record,) = records(items)
    assert record.last_name == 'D"ARTAGNAN'


def test_annuaire_wrong_field_count_is_a_row_problem() -> None:
    _, items = parse(annuaire(annuaire_line(rpps=RPPS_A) + "extra|"))

    assert problems(items) == ["line 2: : expected 56 fields, found 58"]


def test_annuaire_activity_lines_of_one_person_are_merged() -> None:
    _, items = parse(
        annuaire(
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM54", mode="L", dept="75"),
            annuaire_line(rpps=RPPS_A, sf_type="C", sf="C05", mode="S", dept="69"),
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM26", mode="S", dept="69"),
            annuaire_line(rpps=RPPS_A, sf_type="DNQ", sf="DSM235", mode="S", dept="13"),
            annuaire_line(rpps=RPPS_A, profession="21", mode="S", dept="13"),
            annuaire_line(rpps=RPPS_B, sf_type="S", sf="SM04"),
        )
    )

    assert [(r.line, r.rpps, r.profession) for r in records(items)] == [
        (2, RPPS_A, "10"),
        (6, RPPS_A, "21"),
        (7, RPPS_B, "10"),
    ]
    doctor = records(items)[0]
    assert doctor.specialties == frozenset({"SM54", "SM26"})  # only type S
    assert (doctor.department, doctor.practice_mode) == ("75", "L")  # of the first line
    assert records(items)[1].department == "13"


def test_annuaire_unknown_specialty_is_ignored_with_a_warning() -> None:
    _, items = parse(
        annuaire(
            annuaire_line(rpps=RPPS_A, profession="21", sf_type="S", sf="SP01"),
            annuaire_line(rpps=RPPS_B, profession="60", sf_type="S", sf="SM54"),
        )
    )

    assert [(r.specialties, r.warnings) for r in records(items)] == [
        (frozenset(), ("Code savoir-faire: SP01 is not a known specialty of profession 21",)),
        (frozenset(), ("Code savoir-faire: SM54 is not a known specialty of profession 60",)),
    ]
    assert problems(items) == []


def test_annuaire_key_seen_again_later_is_yielded_again() -> None:
    # The importer unions the records of one key.
    _, items = parse(
        annuaire(
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM54"),
            annuaire_line(rpps=RPPS_B),
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM26"),
        )
    )

    assert [(r.line, r.rpps, r.specialties) for r in records(items)] == [
        (2, RPPS_A, frozenset({"SM54"})),
        (3, RPPS_B, frozenset()),
        (4, RPPS_A, frozenset({"SM26"})),
    ]


def test_annuaire_adeli_other_professions_and_students_are_skipped() -> None:
    reader, items = parse(
        annuaire(
            annuaire_line(kind="0", rpps="751234567", profession="91"),  # ADELI
            annuaire_line(rpps=RPPS_A, profession="26"),  # audioprothésiste: no order
            annuaire_line(rpps=RPPS_A, profession="69"),  # infirmier psychiatrique
            annuaire_line(rpps=RPPS_B, category="E"),  # student
            annuaire_line(rpps=RPPS_C, category="M"),
        )
    )

    assert [r.rpps for r in records(items)] == [RPPS_C]
    assert problems(items) == []
    assert reader.skipped == 4


def test_annuaire_skipped_line_does_not_split_a_group() -> None:
    reader, items = parse(
        annuaire(
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM54"),
            annuaire_line(rpps=RPPS_A, category="E"),
            annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM26"),
        )
    )

    assert [r.specialties for r in records(items)] == [frozenset({"SM54", "SM26"})]
    assert reader.skipped == 1


def test_annuaire_row_problems() -> None:
    _, items = parse(
        annuaire(
            annuaire_line(rpps="1234567890"),
            annuaire_line(rpps=RPPS_A, last="", first=" "),
            annuaire_line(rpps=RPPS_B),
        )
    )

    assert problems(items) == [
        "line 2: Identifiant PP: must be 11 digits, not '1234567890'",
        "line 3: Nom d'exercice: is required",
        "line 3: Prénom d'exercice: is required",
    ]
    assert [r.rpps for r in records(items)] == [RPPS_B]


def test_annuaire_problem_ends_the_group_so_output_stays_in_line_order() -> None:
    data = annuaire(
        annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM54"),
        annuaire_line(rpps=RPPS_A, first=""),
        annuaire_line(rpps=RPPS_A, sf_type="S", sf="SM26"),
    )
    _, items = parse(data)

    assert [item.line for item in items] == [2, 3, 4]  # type: ignore[attr-defined]
    assert [r.specialties for r in records(items)] == [frozenset({"SM54"}), frozenset({"SM26"})]


def test_annuaire_invalid_utf8_and_crlf() -> None:
    bad = annuaire_line(rpps=RPPS_B, last="X").encode().replace(b"|X|", b"|\xff|")
    good_a, good_c = annuaire_line(rpps=RPPS_A).encode(), annuaire_line(rpps=RPPS_C).encode()
    data = b"\r\n".join([HEADER_56.encode(), good_a, bad, good_c])
    _, items = parse(data)

    assert problems(items) == ["line 3: : not valid UTF-8"]
    assert [r.rpps for r in records(items)] == [RPPS_A, RPPS_C]


def test_annuaire_luhn_warning() -> None:
    _, items = parse(annuaire(annuaire_line(rpps=RPPS_NOT_LUHN)))

    assert records(items)[0].warnings == (LUHN_WARNING,)


@pytest.mark.parametrize(
    ("dept", "commune", "postal", "expected"),
    [
        ("75", "75120", "75020", "75"),
        ("075", "", "", "75"),
        ("2a", "", "", "2A"),
        ("971", "", "", "971"),
        ("", "69383", "69003", "69"),
        ("", "2A004", "20000", "2A"),
        ("", "97120", "97110", "971"),
        ("99", "13202", "", "13"),
        ("", "", "59000", "59"),
        ("", "", "97400", "974"),
        ("", "", "20000", None),  # Corsica: 2A or 2B?
        ("", "", "98000", None),  # Monaco
        ("", "99134", "", None),  # abroad
        ("", "", "", None),  # no structure (L3)
    ],
)
def test_annuaire_department(dept: str, commune: str, postal: str, expected: str | None) -> None:
    assert department_of(dept, commune, postal, KNOWN.departments) == expected


def test_annuaire_department_derived_on_a_line() -> None:
    line = annuaire_line(rpps=RPPS_A, dept="", commune="2B033", postal="20200", mode="I")
    _, items = parse(annuaire(line))

    (record,) = records(items)
    assert (record.department, record.practice_mode) == ("2B", None)


# -- Robustness and memory ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=120), max_size=8), st.sampled_from(["project", "annuaire"]))
def test_any_bytes_after_a_valid_header_give_items(lines: list[bytes], kind: str) -> None:
    header = PROJECT_HEADER if kind == "project" else HEADER_56
    data = b"\n".join([header.encode(), *lines])
    reader, items = parse(data)

    assert reader.format == kind
    assert all(isinstance(item, DirectoryRecord | RowProblem) for item in items)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40), st.sampled_from(",|"))
def test_any_field_text_in_a_row_never_crashes(text: str, separator: str) -> None:
    if separator == ",":
        data = project(f"{RPPS_A},{text},{text},{text},10,{text},{text},{text},{text}")
    else:
        data = annuaire(annuaire_line(rpps=RPPS_A, last=text, sf=text, dept=text, mode=text))
    _, items = parse(data)

    assert all(isinstance(item, DirectoryRecord | RowProblem) for item in items)


def _generated_project_lines(count: int) -> Iterator[str]:
    departments = sorted(KNOWN.departments)
    yield PROJECT_HEADER
    for n in range(count):
        profession = ("10", "21", "40", "50", "60", "70", "80")[n % 7]
        specialty = "SM54" if profession == "10" else ""
        department = departments[n % len(departments)]
        yield (
            f"{10_000_000_000 + n},Nom{n},Prénom,p{n}@example.org,{profession},{specialty},"
            f"{department},L,2020-01-01"
        )


def _generated_annuaire_lines(count: int) -> Iterator[str]:
    yield HEADER_56 + "|"
    for n in range(count):
        sf = f"SM{n % 3 + 54}"
        yield annuaire_line(rpps=f"{10_000_000_000 + n // 3}", sf_type="S", sf=sf, company="X" * 60)


@pytest.mark.parametrize("kind", ["project", "annuaire"])
def test_a_200000_line_file_streams_in_bounded_memory(kind: str, tmp_path: Path) -> None:
    count = 200_000
    path = tmp_path / "directory.txt"
    generated = _generated_project_lines if kind == "project" else _generated_annuaire_lines
    with path.open("w", encoding="utf-8") as out:
        for line in generated(count):
            out.write(line + "\n")

    tracemalloc.start()
    try:
        seen = 0
        with path.open("rb") as stream:
            for item in open_directory(stream, known=KNOWN, today=TODAY):
                assert isinstance(item, DirectoryRecord), str(item)
                seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == (count if kind == "project" else count // 3 + 1)
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


# -- The sample files --------------------------------------------------------------------------


def test_demo_directory_sample_parses_cleanly() -> None:
    with (SAMPLES / "demo_directory.csv").open("rb") as stream:
        reader = open_directory(stream, known=KNOWN, today=TODAY)
        items = list(reader)

    assert reader.format == "project"
    assert problems(items) == []
    found = records(items)
    assert len(found) == 61
    assert len({r.rpps for r in found}) == 60
    assert {r.profession for r in found} == KNOWN.professions
    assert all(r.warnings == () and r.rpps.startswith("100000") for r in found)
    assert all(r.email == "" or r.email.endswith("@example.org") for r in found)
    doctors = [r for r in found if r.profession == "10"]
    assert set().union(*(r.specialties for r in doctors)) == {
        "SM54",
        "SM26",
        "SM04",
        "SM40",
        "SM42",
        "SM02",
    }
    dates = [r.registration_date for r in found if r.registration_date is not None]
    assert min(dates) < date(2023, 1, 1) <= max(dates)
    (dual,) = [rpps for rpps, rows in Counter(r.rpps for r in found).items() if rows == 2]
    assert {r.profession for r in found if r.rpps == dual} == {"10", "21"}


def test_annuaire_sample_parses_cleanly() -> None:
    with (SAMPLES / "annuaire_extract_sample.txt").open("rb") as stream:
        reader = open_directory(stream, known=KNOWN, today=TODAY)
        items = list(reader)

    assert reader.format == "annuaire"
    assert problems(items) == []
    found = records(items)
    assert reader.skipped == 3  # ADELI, audioprothésiste, student
    assert all(r.warnings == () for r in found)
    by_key = {(r.rpps, r.profession): r for r in found}
    assert len(by_key) == len(found) == 10
    first = found[0]
    assert (first.line, first.specialties, first.department, first.practice_mode) == (
        2,
        frozenset({"SM54"}),
        "75",
        "L",
    )
    departments = {r.last_name: r.department for r in found}
    assert departments["SANTONI"] == "2A"
    assert departments["FERRAND"] == "33"
    assert departments["LECLERCQ"] == "59"
    assert departments["MOREAU"] is None


# -- D-4: a code the database does not know is refused with the code named -----------------------

NOTHING_LOADED = Known(
    professions=frozenset(), specialties={}, departments=frozenset(), practice_modes=frozenset()
)


@pytest.mark.parametrize("data", [project(GOOD_ROW), annuaire(annuaire_line())], ids=["project", "annuaire"])
def test_d4_without_nomenclatures_the_file_is_refused_saying_they_are_not_loaded(data: bytes) -> None:
    # Not a row refused "must be one of" nothing, nor (in the extract) every line silently skipped.
    with pytest.raises(DirectoryFileError) as raised:
        open_directory(io.BytesIO(data), known=NOTHING_LOADED, today=TODAY)

    assert str(raised.value) == (
        "no row can be imported: no professions are loaded (run manage.py load_nomenclatures)"
    )


def test_d4_an_empty_nomenclature_is_named_not_offered_as_an_empty_list() -> None:
    only_professions = Known(
        professions=KNOWN.professions, specialties={}, departments=frozenset(), practice_modes=frozenset()
    )
    reader = open_directory(io.BytesIO(project(GOOD_ROW)), known=only_professions, today=TODAY)

    assert problems(list(reader)) == [
        "line 2: specialties: unknown specialty 'SM54': no specialties are loaded "
        "(run manage.py load_nomenclatures)",
        "line 2: department: unknown department '75': no departments are loaded "
        "(run manage.py load_nomenclatures)",
        "line 2: practice_mode: unknown practice mode 'L': no practice modes are loaded "
        "(run manage.py load_nomenclatures)",
    ]


@pytest.mark.parametrize(
    ("profession", "expected"),
    [
        ("40", "expected a specialty of profession 40: SCD01, SCD02, SCD03"),
        ("50", "profession 50 has no specialties"),
        ("99", "expected one of SCD01, SCD02, SCD03, SI01, SI02, SI03, SI04, SI05, … (106 specialties)"),
    ],
)
def test_d4_an_unknown_specialty_says_which_ones_the_profession_has(profession: str, expected: str) -> None:
    _, items = parse(project(f"{RPPS_A},Martin,Claire,,{profession},SX01,75,L,2018-09-08"))

    assert f"line 2: specialties: unknown specialty 'SX01': {expected}" in problems(items)
