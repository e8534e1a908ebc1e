"""Format 2 of the directory import: the Annuaire Santé public extract
PS_LibreAcces_Personne_activite (reference: shared/reference/directory-and-psc.md §1).

The file is `|`-separated with no quoting at all: a `"` is data (F2). Columns are found by
normalised header name (lower case, accents stripped, spaces collapsed), so the old 52-column
header, the current 56-column one and their capitalisation variants all read (F7); a trailing
empty field on any line is tolerated (F4).

Kept lines: Type d'identifiant PP "8" (RPPS), one of the known professions, and a category
other than "E" (students, L4). Other lines are counted in `skipped`, not reported.

One line is one activity × savoir-faire (L1, L2), so the lines of one (rpps, profession) are
merged: consecutive kept lines with the same key make one record, whose specialties are the
union of their type-"S" savoir-faire codes known for that profession (any other type-"S" code
is a warning on the record; other types are ignored), and whose names, department and
practice mode are those of the group's first line. The file is sorted by
identifier, so a person's lines are consecutive. If a key still reappears later, after other
keys, it is yielded again as a separate record: the importer unions records of the same key.
A line with a problem ends the group in progress (so records and problems come out in line
order); lines of the same key after it start a new record, which the importer unions too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from certipro.directory.parsing import (
    DirectoryFileError,
    DirectoryRecord,
    Item,
    Known,
    Lines,
    RowProblem,
    name_problem,
    rpps_problem,
    rpps_warnings,
)

RPPS_IDENTIFIER_TYPE = "8"
STUDENT_CATEGORY = "E"
SPECIALTY_TYPE = "S"  # TRE_R04: spécialité ordinale

IDENTIFIER_TYPE = "Type d'identifiant PP"
IDENTIFIER = "Identifiant PP"
LAST_NAME = "Nom d'exercice"
FIRST_NAME = "Prénom d'exercice"
PROFESSION = "Code profession"
CATEGORY = "Code catégorie professionnelle"
SAVOIR_FAIRE_TYPE = "Code type savoir-faire"
SAVOIR_FAIRE = "Code savoir-faire"
MODE = "Code mode exercice"
DEPARTMENT = "Code Département (structure)"
COMMUNE = "Code commune (coord. structure)"
POSTAL_CODE = "Code postal (coord. structure)"

REQUIRED_COLUMNS = (
    IDENTIFIER_TYPE,
    IDENTIFIER,
    LAST_NAME,
    FIRST_NAME,
    PROFESSION,
    SAVOIR_FAIRE_TYPE,
    SAVOIR_FAIRE,
    MODE,
)
OPTIONAL_COLUMNS = (CATEGORY, DEPARTMENT, COMMUNE, POSTAL_CODE)


def normalise(name: str) -> str:
    """A header name as compared: lower case, accents stripped, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


_COLUMN_BY_NORMALISED_NAME = {normalise(name): name for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}


def parse_header(header: str, known: Known) -> AnnuaireParser | None:
    """The parser for this header, None if it has none of the extract's columns."""
    names = [normalise(name) for name in header.split("|")]
    if len(names) > 1 and not names[-1]:
        names.pop()  # F4: the trailing separator
    positions: dict[str, int] = {}
    for position, name in enumerate(names):
        column = _COLUMN_BY_NORMALISED_NAME.get(name)
        if column is None:
            continue
        if column in positions:
            raise DirectoryFileError(f"Annuaire Santé header: column {column} appears twice")
        positions[column] = position
    if not positions:
        return None
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        listed = ", ".join(missing)
        raise DirectoryFileError(f"Annuaire Santé header: missing required columns: {listed}")
    return AnnuaireParser(positions, len(names), known)


def department_of(department: str, commune: str, postal: str, known: frozenset[str]) -> str | None:
    """The structure's department: its own code if known (tolerating a zero-padded "075"),
    else the one of its INSEE commune code, else of its postal code (not for Corsica, whose
    20xxx postal codes do not tell 2A from 2B), else None (no structure, abroad, Monaco…)."""
    department = department.upper()
    if department in known:
        return department
    if len(department) == 3 and department.startswith("0") and department[1:] in known:
        return department[1:]
    commune = commune.upper()
    if len(commune) == 5:
        derived = commune[:3] if commune.startswith("97") else commune[:2]
        if derived in known:
            return derived
    if len(postal) == 5 and postal.isascii() and postal.isdigit():
        if postal.startswith("20"):
            return None
        derived = postal[:3] if postal.startswith("97") else postal[:2]
        if derived in known:
            return derived
    return None


@dataclass
class _Group:
    """The consecutive lines of one (rpps, profession), being merged."""

    line: int
    rpps: str
    profession: str
    last_name: str
    first_name: str
    department: str | None
    practice_mode: str | None
    specialties: set[str] = field(default_factory=set)
    ignored: dict[str, None] = field(default_factory=dict)  # unknown "S" codes, in file order

    def add_savoir_faire(self, kind: str, code: str, known: Known) -> None:
        if kind != SPECIALTY_TYPE or not code:
            return  # competences, DESC, capacités… do not choose a référentiel
        if known.specialties.get(code) == self.profession:
            self.specialties.add(code)
        else:
            self.ignored[code] = None

    def record(self) -> DirectoryRecord:
        ignored = tuple(
            f"{SAVOIR_FAIRE}: {code} is not a known specialty of profession {self.profession}"
            for code in self.ignored
        )
        return DirectoryRecord(
            line=self.line,
            rpps=self.rpps,
            last_name=self.last_name,
            first_name=self.first_name,
            email="",  # the extract only has the structure's address
            profession=self.profession,
            specialties=frozenset(self.specialties),
            department=self.department,
            practice_mode=self.practice_mode,
            registration_date=None,  # N1: the public extract has no dates
            warnings=rpps_warnings(self.rpps) + ignored,
        )


class AnnuaireParser:
    def __init__(self, positions: dict[str, int], width: int, known: Known) -> None:
        self._positions = positions
        self._width = width
        self._known = known
        self.skipped = 0

    def items(self, lines: Lines) -> Iterator[Item]:
        group: _Group | None = None
        for entry in lines:
            if isinstance(entry, RowProblem):
                problems = [entry]
            elif not entry[1].strip():
                continue
            else:
                outcome = self._line(*entry)
                if outcome is None:
                    continue  # skipped
                if isinstance(outcome, dict):
                    key = (outcome[IDENTIFIER], outcome[PROFESSION])
                    if group is None or (group.rpps, group.profession) != key:
                        if group is not None:
                            yield group.record()
                        group = self._start(entry[0], outcome)
                    kind, code = outcome[SAVOIR_FAIRE_TYPE], outcome[SAVOIR_FAIRE]
                    group.add_savoir_faire(kind, code, self._known)
                    continue
                problems = outcome
            if group is not None:  # a problem ends the group, to keep the output in line order
                yield group.record()
                group = None
            yield from problems
        if group is not None:
            yield group.record()

    def _line(self, line: int, text: str) -> list[RowProblem] | dict[str, str] | None:
        """The line's problems, or its values by column, or None when it is skipped."""
        fields = text.split("|")
        if len(fields) == self._width + 1 and not fields[-1].strip():
            fields.pop()  # F4
        if len(fields) != self._width:
            return [RowProblem(line, "", f"expected {self._width} fields, found {len(fields)}")]
        values = {column: fields[position].strip() for column, position in self._positions.items()}
        if (
            values[IDENTIFIER_TYPE] != RPPS_IDENTIFIER_TYPE
            or values[PROFESSION] not in self._known.professions
            or values.get(CATEGORY) == STUDENT_CATEGORY
        ):
            self.skipped += 1
            return None
        problems = [
            RowProblem(line, column, message)
            for column, message in (
                (IDENTIFIER, rpps_problem(values[IDENTIFIER])),
                (LAST_NAME, name_problem(values[LAST_NAME])),
                (FIRST_NAME, name_problem(values[FIRST_NAME])),
            )
            if message is not None
        ]
        return problems or values

    def _start(self, line: int, values: dict[str, str]) -> _Group:
        mode = values[MODE].upper()
        return _Group(
            line=line,
            rpps=values[IDENTIFIER],
            profession=values[PROFESSION],
            last_name=values[LAST_NAME],
            first_name=values[FIRST_NAME],
            department=department_of(
                values.get(DEPARTMENT, ""),
                values.get(COMMUNE, ""),
                values.get(POSTAL_CODE, ""),
                self._known.departments,
            ),
            practice_mode=mode if mode in self._known.practice_modes else None,
        )
