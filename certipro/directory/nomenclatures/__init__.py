"""National nomenclatures the platform relies on, kept as data (JSON files next to this module).

Each file is `{"source": ..., "version": ..., "items": [...]}`; see
shared/reference/directory-and-psc.md §2 for where the codes come from. Codes are strings
("01", "2A", "10"), never numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAMES = ("professions", "specialties", "regions", "departments", "practice_modes")

_DIRECTORY = Path(__file__).resolve().parent


def load_document(name: str) -> dict[str, Any]:
    """The whole file: its source, its version and its items."""
    if name not in NAMES:
        raise ValueError(f"unknown nomenclature {name!r}; known: {', '.join(NAMES)}")
    document: dict[str, Any] = json.loads((_DIRECTORY / f"{name}.json").read_text("utf-8"))
    return document


def load(name: str) -> list[dict[str, Any]]:
    """The items of one nomenclature, in file order; a fresh list on every call."""
    items: list[dict[str, Any]] = load_document(name)["items"]
    return items
