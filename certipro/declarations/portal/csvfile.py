"""Reads an uploaded CSV file of declarations as a stream, line by line, in bounded memory.

The API reads a body of at most 5,000 declarations whole (`api.parse_csv`); a file sent through
the portal may be much larger, so it is never read whole. The rules are the API's: the same
header (`api.REQUIRED_COLUMNS`, `schemas.FIELDS`), UTF-8 with or without a BOM, blank lines
skipped, a line with the wrong number of fields handed on as `{"__line__": …}` so that
`schemas.parse_declaration` rejects that line alone. Only the messages differ: they are shown to
people, in the page's language (French unless they chose English).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

from django.utils.translation import gettext

from certipro.declarations.api import REQUIRED_COLUMNS
from certipro.declarations.schemas import FIELDS

READ_SIZE = 64 * 1024
BOM = b"\xef\xbb\xbf"


class CsvProblem(Exception):
    """The file as a whole cannot be read: nothing of it is recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Record(NamedTuple):
    line: int  # the file's line where the record starts; the header is line 1
    item: dict[str, Any]


def _raw_lines(stream: IO[bytes], on_bytes: Callable[[bytes], None] | None) -> Iterator[bytes]:
    """The file's lines, each ending with b"\\n" (except perhaps the last), read 64 KiB at a time.

    Split on b"\\n" alone: in UTF-8 that byte never occurs inside a character, and a quoted
    field may hold a lone b"\\r" that a universal-newline split would break.
    """
    pending = b""
    while chunk := stream.read(READ_SIZE):
        if on_bytes is not None:
            on_bytes(chunk)
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) != -1:
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
    if pending:
        yield pending


def _text_lines(stream: IO[bytes], on_bytes: Callable[[bytes], None] | None) -> Iterator[str]:
    offset = 0
    for number, raw in enumerate(_raw_lines(stream, on_bytes)):
        data = raw[len(BOM) :] if number == 0 and raw.startswith(BOM) else raw
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            position = offset + (len(raw) - len(data)) + exc.start
            raise CsvProblem(
                gettext(
                    "Le fichier n'est pas encodé en UTF-8 (octet %(byte)s, ligne %(line)s). "
                    "Enregistrez-le au format « CSV UTF-8 » et envoyez-le de nouveau."
                )
                % {"byte": position, "line": number + 1}
            ) from None
        offset += len(raw)


def _check_header(header: list[str] | None) -> list[str]:
    if header is None or not any(cell.strip() for cell in header):
        raise CsvProblem(gettext("Le fichier est vide : la première ligne doit être l'en-tête des colonnes."))
    columns = [cell.strip() for cell in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in FIELDS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(gettext("colonne(s) manquante(s) : %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(gettext("colonne(s) inconnue(s) : %(columns)s") % {"columns": ", ".join(unknown)})
        raise CsvProblem(
            gettext("En-tête incorrect (%(problems)s). Colonnes attendues : %(columns)s.")
            % {"problems": " ; ".join(parts), "columns": ", ".join(FIELDS)}
        )
    if len(set(columns)) != len(columns):
        raise CsvProblem(gettext("En-tête incorrect : une colonne y figure deux fois."))
    return columns


def records(stream: IO[bytes], *, on_bytes: Callable[[bytes], None] | None = None) -> Iterator[Record]:
    """The declarations of the file, in order. Raises CsvProblem, while iterating, if the file
    cannot be read as a whole (encoding, header, CSV syntax). `on_bytes` sees every byte read."""
    reader = csv.reader(_text_lines(stream, on_bytes))
    try:
        columns = _check_header(next(reader, None))
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                yield Record(start, {"__line__": f"expected {len(columns)} fields, found {len(row)}"})
                continue
            yield Record(start, {c: v for c, v in zip(columns, row, strict=True) if v != ""})
    except csv.Error as exc:
        raise CsvProblem(
            gettext("Le fichier n'est pas un CSV valide (ligne %(line)s) : %(error)s.")
            % {"line": reader.line_num, "error": exc}
        ) from None
