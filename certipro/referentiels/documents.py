"""Text of a data file (YAML or JSON) to plain Python values, with every failure as a message.

Nothing here knows the référentiel format: see fileformat.py. A failure that stops reading (too
large, not UTF-8, a syntax error with its line, a YAML alias, a number of 5,000 digits) raises
DocumentError; duplicate keys, which YAML and JSON would resolve silently by keeping the last, are
returned as messages so that the caller can report them with its other problems.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

MAX_DIGITS = 40  # longer numbers are never data here, and int() or str() of them may raise
_TOO_LONG = f"numbers of more than {MAX_DIGITS} characters are not allowed"


class DocumentError(Exception):
    """The file cannot be read as a document at all; str(exc) says why."""


@dataclass(frozen=True)
class BadDate:
    """A YAML scalar shaped like a date that is not one (2026-02-30), kept for the caller."""

    text: str


@dataclass(frozen=True)
class Document:
    data: Any
    duplicate_keys: list[str]  # one message per duplicate key


def read_file(path: str | Path, *, max_bytes: int) -> bytes:
    """The file's bytes; beyond max_bytes + 1 nothing is read, whatever the file is."""
    try:
        with Path(path).open("rb") as stream:
            return stream.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror or exc}") from None


def load_document(text: str | bytes, *, filename: str, max_bytes: int) -> Document:
    """YAML for .yaml/.yml, JSON for .json, otherwise JSON if the text starts with "{"."""
    text = _decode(text, max_bytes)
    suffix = Path(filename).suffix.lower()
    guess_json = suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")
    is_json = suffix == ".json" or guess_json
    try:
        return _load_json(text) if is_json else _load_yaml(text)
    except RecursionError:
        raise DocumentError("the file is nested too deeply") from None


def _decode(text: str | bytes, max_bytes: int) -> str:
    too_large = f"the file is larger than {max_bytes / (1024 * 1024):g} MB"
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise DocumentError(too_large)
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise DocumentError(f"the file is not valid UTF-8 (line {line})") from None
    try:
        # A str can hold lone surrogates, from bytes decoded with errors="surrogateescape".
        size = len(text) if len(text) > max_bytes else len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        raise DocumentError(f"the file is not valid UTF-8 (line {line})") from None
    if size > max_bytes:
        raise DocumentError(too_large)
    return text.removeprefix("\ufeff")


def _load_json(text: str) -> Document:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(f"duplicate key {key}")
            result[key] = value
        return result

    def number(digits: str) -> int:
        if len(digits) > MAX_DIGITS:
            raise DocumentError(f"invalid JSON: {_TOO_LONG}")
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_int=number)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise DocumentError(f"invalid JSON at {where}: {exc.msg}") from None
    return Document(data, duplicates)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, records duplicate keys and keeps impossible dates."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # An alias repeats a node without repeating its text: a few kilobytes could then make
        # validation walk millions of values. Data files have no need for them.
        if self.check_event(yaml.AliasEvent):
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            problem = "aliases (*name) are not allowed"
            raise ComposerError(None, None, problem, event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merged keys may be overridden, that is what merging is for
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                line = key_node.start_mark.line + 1
                self.duplicates.append(f"duplicate key {key} at line {line}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_int(self, node: yaml.ScalarNode) -> int:
        if len(str(node.value)) > MAX_DIGITS:
            raise ConstructorError(None, None, _TOO_LONG, node.start_mark)
        return self.construct_yaml_int(node)

    def construct_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:  # SafeLoader would let it escape
            return BadDate(str(node.value))


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp)


def _load_yaml(text: str) -> Document:
    try:
        loader = _Loader(text)  # the reader refuses control characters at once
        try:
            return Document(loader.get_single_data(), loader.duplicates)
        finally:
            loader.dispose()
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        problem = f"character {exc.character!r} is not allowed"
        raise DocumentError(f"invalid YAML at line {line}: {problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DocumentError(f"invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # not expected: every other YAMLError is marked
        raise DocumentError(f"invalid YAML: {' '.join(str(exc).split())}") from None
