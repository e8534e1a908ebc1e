"""Streaming parser of directory files (contract: shared/contracts/directory.md).

Pure: no Django, no database, no clock. The importer loads the nomenclatures into a `Known`,
opens the file in binary mode, and iterates::

    reader = open_directory(stream, known=known, today=today)  # may raise DirectoryFileError
    for item in reader:
        ...  # a DirectoryRecord, or a RowProblem to report as `line N: column: message`

Two formats, told apart by the header line:

- ``"project"``: the project's CSV (comma, Python csv quoting, columns by name in any order);
- ``"annuaire"``: the Annuaire Santé public extract, see `certipro.directory.annuaire`.

Memory stays bounded: the file is read one physical line at a time (one line is one row; a
quoted value cannot span lines, which no valid value needs), a line longer than MAX_LINE_BYTES
is reported and skipped unread, and the only state that grows with the file is the table of
(rpps, profession) keys already seen in a project file, kept in flat arrays (`SeenKeys`).
"""

from __future__ import annotations

import codecs
import csv
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Literal, Protocol, TypeAlias

from certipro.directory.codes import expected, expected_specialty

__all__ = [
    "DirectoryFileError",
    "DirectoryReader",
    "DirectoryRecord",
    "Known",
    "RowProblem",
    "SeenKeys",
    "open_directory",
]

MAX_LINE_BYTES = 64 * 1024  # an Annuaire Santé line is well under 2 KiB
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
LUHN_WARNING = "rpps: fails the Luhn check"
_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


@dataclass(frozen=True)
class Known:
    """The nomenclatures the rows are checked against (the caller loads them from the database)."""

    professions: frozenset[str]
    specialties: Mapping[str, str]  # specialty code -> profession code
    departments: frozenset[str]
    practice_modes: frozenset[str]


@dataclass(frozen=True)
class DirectoryRecord:
    line: int  # 1-based, header = 1; for merged annuaire lines, the first one
    rpps: str
    last_name: str
    first_name: str
    email: str  # "" when absent
    profession: str
    specialties: frozenset[str]
    department: str | None
    practice_mode: str | None
    registration_date: date | None  # None for the annuaire format (it has no dates)
    warnings: tuple[str, ...]  # never a reason to reject (D-2)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


class DirectoryFileError(Exception):
    """The file itself cannot be read as a directory file: nothing can be imported from it."""


Item: TypeAlias = DirectoryRecord | RowProblem
Format: TypeAlias = Literal["project", "annuaire"]
Lines: TypeAlias = Iterator[tuple[int, str] | RowProblem]


# -- Shared checks (also used by the annuaire format) ------------------------------------------


def show(value: str) -> str:
    """A value quoted for a message, control characters escaped, long values cut."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def rpps_problem(value: str) -> str | None:
    if not value:
        return "is required"
    if len(value) != 11 or not (value.isascii() and value.isdigit()):
        return f"must be 11 digits, not {show(value)}"
    return None


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit * 2, digits summed


def luhn_valid(digits: str) -> bool:
    reverse = digits[::-1]
    total = sum(map(int, reverse[0::2])) + sum(_LUHN_DOUBLED[int(char)] for char in reverse[1::2])
    return total % 10 == 0


def rpps_warnings(rpps: str) -> tuple[str, ...]:
    # D-2, R44: real numbers do not all pass Luhn, so this never rejects a row.
    return () if luhn_valid(rpps) else (LUHN_WARNING,)


def name_problem(value: str) -> str | None:
    if not value:
        return "is required"
    if len(value) > NAME_MAX_LENGTH:
        return f"is longer than {NAME_MAX_LENGTH} characters"
    if _CONTROL_CHARACTER.search(value):
        return "contains a control character"
    return None


# -- Reading lines -----------------------------------------------------------------------------


def _read_lines(stream: BinaryIO) -> Lines:
    """Number and decode the physical lines, one at a time; a line that cannot be decoded is a
    RowProblem, not the end of the file."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # drop the rest of the line without holding it
            yield RowProblem(number, "", f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield RowProblem(number, "", "not valid UTF-8")
        else:
            yield number, text


# -- The reader --------------------------------------------------------------------------------


class _FormatParser(Protocol):
    skipped: int

    def items(self, lines: Lines) -> Iterator[Item]: ...


class DirectoryReader:
    """The rows of an opened directory file, in file order. Single pass: it reads the stream."""

    def __init__(self, format: Format, parser: _FormatParser, lines: Lines) -> None:
        self.format: Format = format
        self._parser = parser
        self._lines = lines
        self._started = False

    @property
    def skipped(self) -> int:
        """Annuaire lines deliberately ignored (not RPPS, other profession, student): not errors.
        Final once the iteration is over."""
        return self._parser.skipped

    def __iter__(self) -> Iterator[Item]:
        if self._started:
            raise RuntimeError("a DirectoryReader can be iterated only once")
        self._started = True
        return self._parser.items(self._lines)


def open_directory(stream: BinaryIO, *, known: Known, today: date) -> DirectoryReader:
    """Read and check the header line now (raising DirectoryFileError), the rows when iterated."""
    # annuaire.py builds on the types above, so it can only be imported once they exist.
    from certipro.directory import annuaire

    lines = _read_lines(stream)
    first = next(lines, None)
    if first is None:
        raise DirectoryFileError("the file is empty")
    if isinstance(first, RowProblem):
        raise DirectoryFileError(f"the header line (line 1) is unreadable: {first.message}")
    header = first[1]
    if not header.strip():
        raise DirectoryFileError("the first line is empty: the file has no header")
    if not known.professions:
        # D-4: every row would be refused (or, in the extract, skipped) for want of nomenclatures.
        raise DirectoryFileError(f"no row can be imported: {expected((), 'professions')}")
    if "|" in header and (annuaire_parser := annuaire.parse_header(header, known)) is not None:
        return DirectoryReader("annuaire", annuaire_parser, lines)
    if (project_parser := _ProjectParser.from_header(header, known, today)) is not None:
        return DirectoryReader("project", project_parser, lines)
    raise DirectoryFileError(
        "unrecognised header: expected the project's CSV header (rpps,last_name,first_name,"
        "profession,department,registration_date…) or the Annuaire Santé extract header "
        "(Type d'identifiant PP|Identifiant PP|…)"
    )


# -- Format 1: the project's CSV ---------------------------------------------------------------

PROJECT_COLUMNS = (
    "rpps",
    "last_name",
    "first_name",
    "email",
    "profession",
    "specialties",
    "department",
    "practice_mode",
    "registration_date",
)
PROJECT_REQUIRED = frozenset(
    {"rpps", "last_name", "first_name", "profession", "department", "registration_date"}
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class _CsvLineError(ValueError):
    pass


def _split_csv(text: str) -> list[str]:
    try:
        return next(csv.reader((text,), skipinitialspace=True))
    except csv.Error as error:  # on one line, only a carriage return outside quotes gets here
        reason = "carriage return outside quotes" if "\r" in text else str(error)
        raise _CsvLineError(f"not a valid CSV line: {reason}") from error


class _ProjectParser:
    skipped = 0  # a project file has nothing to skip: every row is imported or reported

    def __init__(self, columns: dict[str, int], width: int, known: Known, today: date) -> None:
        self._columns = columns
        self._width = width
        self._known = known
        self._today = today
        self._seen = SeenKeys(known.professions)

    @classmethod
    def from_header(cls, header: str, known: Known, today: date) -> _ProjectParser | None:
        """The parser for this header, None if it is not a project header at all."""
        try:
            names = [name.strip().lower() for name in _split_csv(header)]
        except _CsvLineError as error:
            raise DirectoryFileError(f"the header line (line 1) is unreadable: {error}") from None
        columns: dict[str, int] = {}
        for position, name in enumerate(names):
            if name in PROJECT_COLUMNS:
                if name in columns:
                    raise DirectoryFileError(f"column {name} appears twice in the header")
                columns[name] = position
        if not columns:
            return None
        missing = [name for name in PROJECT_COLUMNS if name in PROJECT_REQUIRED - columns.keys()]
        if missing:
            raise DirectoryFileError(f"missing required columns: {', '.join(missing)}")
        return cls(columns, len(names), known, today)

    def items(self, lines: Lines) -> Iterator[Item]:
        for entry in lines:
            if isinstance(entry, RowProblem):
                yield entry
            elif entry[1].strip():
                yield from self._row(*entry)

    def _row(self, line: int, text: str) -> Iterator[Item]:
        try:
            fields = _split_csv(text)
        except _CsvLineError as error:
            yield RowProblem(line, "", str(error))
            return
        if len(fields) != self._width:
            yield RowProblem(line, "", f"expected {self._width} fields, found {len(fields)}")
            return
        value = dict.fromkeys(PROJECT_COLUMNS, "")
        for name, position in self._columns.items():
            value[name] = fields[position].strip()
        known = self._known
        problems: list[RowProblem] = []

        def check(column: str, message: str | None) -> None:
            if message is not None:
                problems.append(RowProblem(line, column, message))

        rpps = value["rpps"]
        check("rpps", rpps_problem(rpps))
        check("last_name", name_problem(value["last_name"]))
        check("first_name", name_problem(value["first_name"]))
        email = value["email"]
        if email and (len(email) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(email)):
            check("email", f"is not a plausible e-mail address: {show(email)}")
        profession = value["profession"]
        check("profession", _code_problem(profession, known.professions, "profession", "professions"))
        specialties = frozenset(
            code for item in value["specialties"].split(";") if (code := item.strip().upper())
        )
        for code in sorted(specialties):
            owner = known.specialties.get(code)
            if owner is None:
                expected_one = expected_specialty(
                    known.specialties, profession if profession in known.professions else None
                )
                check("specialties", f"unknown specialty {show(code)}: {expected_one}")  # D-4
            elif owner != profession and profession in known.professions:
                check("specialties", f"{code} is not a specialty of profession {profession}")
        department = value["department"].upper()
        check("department", _code_problem(department, known.departments, "department", "departments"))
        mode = value["practice_mode"].upper()
        if mode:
            check(
                "practice_mode", _code_problem(mode, known.practice_modes, "practice mode", "practice modes")
            )
        registration_date, message = self._date(value["registration_date"])
        check("registration_date", message)
        if rpps_problem(rpps) is None and profession in known.professions:
            earlier = self._seen.first_line(rpps, profession, line)
            if earlier is not None:
                check("rpps", f"duplicate of line {earlier}")
        if problems:
            yield from problems
            return
        yield DirectoryRecord(
            line=line,
            rpps=rpps,
            last_name=value["last_name"],
            first_name=value["first_name"],
            email=email,
            profession=profession,
            specialties=specialties,
            department=department,
            practice_mode=mode or None,
            registration_date=registration_date,
            warnings=rpps_warnings(rpps),
        )

    def _date(self, value: str) -> tuple[date | None, str | None]:
        if not value:
            return None, "is required"
        if not _ISO_DATE.fullmatch(value):
            return None, f"must be a date YYYY-MM-DD, not {show(value)}"
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return None, f"{value} is not a real date"
        if parsed > self._today:
            return None, f"{value} is after today ({self._today.isoformat()})"
        return parsed, None


def _code_problem(code: str, known: frozenset[str], what: str, plural: str) -> str | None:
    if not code:
        return "is required"
    # D-4: the code named and what was expected, or that the nomenclature is not loaded.
    return None if code in known else f"unknown {what} {show(code)}: {expected(known, plural)}"


class SeenKeys:
    """The first line of each (rpps, profession) key: an open-addressing hash table in two flat
    arrays. A dict of tuples costs about 300 bytes a key (360 MB for 1.2 million rows); this
    costs 12 bytes a slot, 18 to 36 a key (kept between 1/3 and 2/3 full), with no Python
    object per key."""

    _MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of key * 2**64/phi
    _MASK64 = (1 << 64) - 1

    def __init__(self, professions: Iterable[str]) -> None:
        self._profession_index = {code: i for i, code in enumerate(sorted(professions))}
        self._count = 0
        self._allocate(10)

    def _allocate(self, bits: int) -> None:
        self._bits = bits
        self._keys = array("q", [0]) * (1 << bits)  # 0 marks an empty slot
        self._lines = array("I", [0]) * (1 << bits)

    def first_line(self, rpps: str, profession: str, line: int) -> int | None:
        """The line where the key was first seen, or None after recording it at `line`."""
        key = int(rpps) * len(self._profession_index) + self._profession_index[profession] + 1
        slot = self._find(key)
        if self._keys[slot] == key:
            return self._lines[slot]
        self._keys[slot] = key
        self._lines[slot] = line
        self._count += 1
        if self._count * 3 >= (2 << self._bits):
            self._grow()
        return None

    def __contains__(self, item: tuple[str, str]) -> bool:
        rpps, profession = item
        key = int(rpps) * len(self._profession_index) + self._profession_index[profession] + 1
        return self._keys[self._find(key)] == key

    def _find(self, key: int) -> int:
        """The slot holding `key`, or the empty slot where it belongs (linear probing)."""
        mask = (1 << self._bits) - 1
        slot = ((key * self._MULTIPLIER) & self._MASK64) >> (64 - self._bits)
        while (present := self._keys[slot]) and present != key:
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        keys, lines = self._keys, self._lines
        self._allocate(self._bits + 1)
        for key, line in zip(keys, lines, strict=True):
            if key:
                slot = self._find(key)
                self._keys[slot] = key
                self._lines[slot] = line
