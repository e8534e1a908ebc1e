"""Référentiel files (shared/contracts/referentiel.md): parse and validate, with no database.

`parse_referentiel` reports every problem of a file at once, each with the dotted path of the field
(`action_types.2.axes`), so an author fixes a file in one pass. The result is a ReferentielSpec
(specs.py, re-exported here) whose content hash ignores presentation: YAML or JSON, key order,
comments, defaults written out or not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from certipro.directory.codes import expected, expected_specialty
from certipro.referentiels.documents import BadDate, DocumentError, load_document, read_file
from certipro.referentiels.specs import (
    AXES,
    AXIS_LABELS,
    CODE_PATTERN,
    DECLARANTS,
    DEFAULT_MINIMUM_PER_AXIS,
    EVIDENCE_LEVELS,
    FORMAT,
    MAX_FILE_BYTES,
    MAX_TITLE_LENGTH,
    MAX_VERSION_LENGTH,
    MULTI_AXIS_MODES,
    ActionTypeSpec,
    Problem,
    ReferentielFileError,
    ReferentielSpec,
)

__all__ = [  # the other constants are in specs.py
    "FORMAT",
    "MAX_FILE_BYTES",
    "ActionTypeSpec",
    "Problem",
    "ReferentielFileError",
    "ReferentielSpec",
    "parse_referentiel",
    "read_referentiel_file",
]

_TOP_FIELDS = (
    "format",
    "code",
    "version",
    "title",
    "profession",
    "specialties",
    "published_on",
    "minimum_per_axis",
    "axes",
    "multi_axis",
    "action_types",
)
_ACTION_FIELDS = ("code", "title", "axes", "declarable_by", "evidence", "description")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_T = TypeVar("_T")


def read_referentiel_file(
    path: str | Path,
    *,
    known_professions: Collection[str],
    known_specialties: Mapping[str, str] | None = None,
) -> ReferentielSpec:
    """Read and parse a file; an unreadable or oversized file is a problem like any other."""
    try:
        data = read_file(path, max_bytes=MAX_FILE_BYTES)
    except DocumentError as exc:
        raise ReferentielFileError([Problem("", str(exc))], filename=str(path)) from None
    return parse_referentiel(
        data,
        filename=str(path),
        known_professions=known_professions,
        known_specialties=known_specialties,
    )


def parse_referentiel(
    text: str | bytes,
    *,
    filename: str,
    known_professions: Collection[str],
    known_specialties: Mapping[str, str] | None = None,
) -> ReferentielSpec:
    """Parse a référentiel file (YAML or JSON) or raise ReferentielFileError with every problem.

    `known_specialties` maps a specialty code to its profession code; when None, specialty codes
    are not checked against a nomenclature.
    """
    try:
        document = load_document(text, filename=filename, max_bytes=MAX_FILE_BYTES)
    except DocumentError as exc:
        raise ReferentielFileError([Problem("", str(exc))], filename=filename) from None
    validator = _Validator(known_professions, known_specialties)
    validator.add("", *document.duplicate_keys)
    spec = validator.referentiel(document.data)
    if spec is None:
        raise ReferentielFileError(validator.problems, filename=filename)
    return spec


# Validating the document -------------------------------------------------------------------------


class _Invalid(Exception):
    """A field's value is wrong; args are the messages."""


class _Validator:
    def __init__(self, professions: Collection[str], specialties: Mapping[str, str] | None) -> None:
        self.professions = professions
        self.specialties = specialties
        self.problems: list[Problem] = []

    def add(self, path: str, *messages: str) -> None:
        self.problems.extend(Problem(path, message) for message in messages)

    def value(
        self,
        data: Mapping[Any, Any],
        path: str,
        read: Callable[[Any], _T],
        default: _T | None = None,
        *,
        required: bool = False,
    ) -> _T | None:
        """The field at `path` read by `read`; `default` when absent; None, noted, when wrong."""
        key = path.rpartition(".")[2]
        if key not in data:
            if required:
                self.add(path, "is required")
            return default
        try:
            return read(data[key])
        except _Invalid as exc:
            self.add(path, *exc.args)
            return None

    def unknown_fields(self, data: dict[Any, Any], allowed: Collection[str], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.add(f"{prefix}{key}", f"unknown field{hint}")

    def referentiel(self, data: Any) -> ReferentielSpec | None:
        """The spec, or None when any problem was found (the problems are in self.problems)."""
        if data is None:
            self.add("", "the file is empty")
            return None
        if not isinstance(data, dict):
            self.add("", "the file must contain a mapping of fields at its top level")
            return None
        self.unknown_fields(data, _TOP_FIELDS, "")
        self.value(data, "format", _read_format, required=True)
        code = self.value(data, "code", _read_code, required=True)
        version = self.value(data, "version", _read_version, required=True)
        title = self.value(data, "title", _read_title, required=True)
        profession = self.value(data, "profession", self.read_profession, required=True)
        specialties = self.value(data, "specialties", partial(self.read_specialties, profession))
        published_on = self.value(data, "published_on", _read_date)
        minimum = self.value(data, "minimum_per_axis", _read_minimum, DEFAULT_MINIMUM_PER_AXIS)
        overrides = self.axis_overrides(data.get("axes"))
        multi_axis = self.value(data, "multi_axis", _choice(MULTI_AXIS_MODES), "count_once")
        action_types = self.action_types(data)
        minimums = None
        if minimum is not None and overrides is not None:
            minimums = {axis: overrides.get(axis, minimum) for axis in AXES}
            if action_types is not None:
                self.check_coverage(minimums, action_types)
        if self.problems:
            return None
        assert code and version and title and profession and multi_axis and action_types
        assert minimum is not None and minimums is not None
        return ReferentielSpec(
            code=code,
            version=version,
            title=title,
            profession=profession,
            specialties=specialties or (),
            published_on=published_on,
            minimum_per_axis=minimum,
            axis_minimums=minimums,
            multi_axis=multi_axis,
            action_types=action_types,
        )

    def read_profession(self, value: Any) -> str:
        if type(value) is int:
            value = str(value)  # an unquoted 10 in YAML means the same code
        # D-4: the code named and what was expected, never "one of" and nothing (empty table).
        if not isinstance(value, str):
            raise _Invalid(f"must be a profession code: {expected(self.professions, 'professions')}")
        if value not in self.professions:
            raise _Invalid(f"unknown profession {value}: {expected(self.professions, 'professions')}")
        return value

    def read_specialties(self, profession: str | None, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Invalid("must be a list of specialty codes")
        known = self.specialties
        messages = []
        for index, code in enumerate(value):
            if not isinstance(code, str) or not code.strip():
                messages.append(f"item {index} must be a specialty code")
            elif known is None:
                continue  # no nomenclature to check against
            elif code not in known:  # D-4, as for professions
                messages.append(f"unknown specialty {code}: {expected_specialty(known, profession)}")
            elif profession and (owner := known[code]) != profession:
                messages.append(f"{code} is a specialty of profession {owner}, not {profession}")
        if messages:
            raise _Invalid(*messages)
        return tuple(sorted(set(value)))

    def axis_overrides(self, value: Any) -> dict[int, int] | None:
        """Minimums by axis, None when wrong; `axes` is optional so absent is {}."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add("axes", 'must be a mapping such as {"3": {minimum: 1}}')
            return None
        overrides: dict[int, int] = {}
        seen: set[int] = set()
        valid = True
        for key, override in value.items():
            axis, path = _axis_number(key), f"axes.{key}"
            if axis is None:
                self.add(path, "unknown axis; must be one of 1, 2, 3, 4")
            elif axis in seen:
                self.add(path, f"axis {axis} is given twice")
            elif not isinstance(override, dict):
                self.add(path, "must be a mapping such as {minimum: 1}")
            else:
                self.unknown_fields(override, ("minimum",), f"{path}.")
                minimum = self.value(override, f"{path}.minimum", _read_minimum, required=True)
                if minimum is not None:
                    overrides[axis] = minimum
            if axis is not None:
                seen.add(axis)
            valid = valid and axis in overrides
        return overrides if valid else None

    def action_types(self, data: Mapping[str, Any]) -> tuple[ActionTypeSpec, ...] | None:
        """The action types, or None when any is wrong or the list itself is."""
        if "action_types" not in data:
            self.add("action_types", "is required")
            return None
        items = data["action_types"]
        if not isinstance(items, list) or not items:
            self.add("action_types", "must be a non-empty list of action types")
            return None
        specs: list[ActionTypeSpec] = []
        first_index: dict[str, int] = {}
        for index, item in enumerate(items):
            spec = self.action_type(f"action_types.{index}", item)
            if spec is None:
                continue
            if spec.code in first_index:
                other = f"action_types.{first_index[spec.code]}"
                self.add(
                    f"action_types.{index}.code",
                    f"duplicate code {spec.code}, already used by {other}",
                )
            first_index.setdefault(spec.code, index)
            specs.append(spec)
        return tuple(specs) if len(specs) == len(items) else None

    def action_type(self, path: str, item: Any) -> ActionTypeSpec | None:
        if not isinstance(item, dict):
            self.add(path, "must be a mapping with code, title and axes")
            return None
        self.unknown_fields(item, _ACTION_FIELDS, f"{path}.")
        code = self.value(item, f"{path}.code", _read_code, required=True)
        title = self.value(item, f"{path}.title", _read_title, required=True)
        axes = self.value(item, f"{path}.axes", _read_axes, required=True)
        declarable_by = self.value(item, f"{path}.declarable_by", _declarable_by, DECLARANTS)
        evidence = self.value(item, f"{path}.evidence", _choice(EVIDENCE_LEVELS), "optional")
        description = self.value(item, f"{path}.description", _read_description, "")
        if not (code and title and axes and declarable_by and evidence) or description is None:
            return None
        return ActionTypeSpec(code, title, axes, declarable_by, evidence, description)

    def check_coverage(self, minimums: dict[int, int], actions: tuple[ActionTypeSpec, ...]) -> None:
        covered = {axis for action in actions for axis in action.axes}
        for axis in AXES:
            if minimums[axis] > 0 and axis not in covered:
                problem = f"no action type for axis {axis} ({AXIS_LABELS[axis]})"
                self.add("action_types", f"{problem}, whose minimum is {minimums[axis]}")


def _read_format(value: Any) -> str:
    if value != FORMAT:
        raise _Invalid(f"must be exactly {FORMAT}")
    return FORMAT


def _read_code(value: Any) -> str:
    if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value):
        raise _Invalid("must be 2 to 40 characters among A-Z, 0-9 and -")
    return value


def _read_version(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid('must be a quoted string, such as "2026-01"')
    return _text(value, MAX_VERSION_LENGTH)


def _read_title(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a non-empty string")
    return _text(value, MAX_TITLE_LENGTH)


def _read_description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid("must be a string")
    return unicodedata.normalize("NFC", value.strip())


def _text(value: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise _Invalid("must not be empty")
    if len(text) > max_length:
        raise _Invalid(f"must be at most {max_length} characters")
    return text


def _read_date(value: Any) -> dt.date | None:
    if value is None:
        return None  # a draft
    if isinstance(value, dt.datetime):
        raise _Invalid("must be a date without a time, YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, BadDate):
        raise _Invalid(f"{value.text} is not a valid date")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise _Invalid(f"{value} is not a valid date") from None
    raise _Invalid("must be a date, YYYY-MM-DD")


def _read_minimum(value: Any) -> int:
    if type(value) is not int or value < 0:  # bool is an int
        raise _Invalid("must be a whole number, 0 or more")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(f"must be one of {', '.join(choices)}")
        return value

    return read


def _is_axis(value: Any) -> bool:
    return type(value) is int and value in AXES  # not bool, although True == 1


def _axis_number(value: Any) -> int | None:
    """The axis a key of `axes` names: "3" in YAML or JSON, or 3 in YAML."""
    if isinstance(value, str) and value in ("1", "2", "3", "4"):
        return int(value)
    return int(value) if _is_axis(value) else None


def _read_axes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _Invalid("must be a non-empty list of axes among 1, 2, 3, 4")
    counts = Counter(item for item in value if _is_axis(item))
    wrong = [f"{item!r} is not an axis; axes are 1 to 4" for item in value if not _is_axis(item)]
    twice = [f"axis {axis} is listed twice" for axis, count in sorted(counts.items()) if count > 1]
    if wrong or twice:
        raise _Invalid(*wrong, *twice)
    return tuple(sorted(value))


def _declarable_by(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _Invalid(f"must be a non-empty list among {', '.join(DECLARANTS)}")
    wrong = [item for item in value if item not in DECLARANTS]
    if wrong:
        raise _Invalid(*(f"{item!r} must be one of {', '.join(DECLARANTS)}" for item in wrong))
    return tuple(declarant for declarant in DECLARANTS if declarant in value)
