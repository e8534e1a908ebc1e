"""What a référentiel file says, resolved: the values fileformat.py produces and loaders store.

The format, and how a file is checked, are in fileformat.py (shared/contracts/referentiel.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "referentiel/1"
MAX_FILE_BYTES = 5 * 1024 * 1024
AXES = (1, 2, 3, 4)
AXIS_LABELS = {  # domain D-20
    1: "Actualiser ses connaissances et ses compétences",
    2: "Renforcer la qualité de ses pratiques professionnelles",
    3: "Améliorer la relation avec ses patients",
    4: "Mieux prendre en compte sa santé personnelle",
}
PRIVATE_AXIS = 4  # D-40: personal health; its content is the professional's alone
DECLARANTS: tuple[str, ...] = ("professional", "organism", "employer")
EVIDENCE_LEVELS = ("required", "optional", "none")
MULTI_AXIS_MODES = ("count_once", "count_in_each")
DEFAULT_MINIMUM_PER_AXIS = 2
MAX_VERSION_LENGTH = 40
MAX_TITLE_LENGTH = 200
CODE_PATTERN = re.compile(r"[A-Z0-9-]{2,40}")


@dataclass(frozen=True)
class Problem:
    path: str  # dotted, e.g. "action_types.2.axes"; "" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ReferentielFileError(Exception):
    def __init__(self, problems: list[Problem], *, filename: str = "") -> None:
        self.problems = problems
        self.filename = filename
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, as `FILE: path.to.field: message`."""
        prefix = f"{self.filename}: " if self.filename else ""
        return [f"{prefix}{problem}" for problem in self.problems]


@dataclass(frozen=True)
class ActionTypeSpec:
    code: str
    title: str
    axes: tuple[int, ...]
    declarable_by: tuple[str, ...] = DECLARANTS
    evidence: str = "optional"
    description: str = ""


@dataclass(frozen=True)
class ReferentielSpec:
    code: str
    version: str
    title: str
    profession: str
    specialties: tuple[str, ...]
    published_on: dt.date | None
    minimum_per_axis: int
    axis_minimums: dict[int, int] = field(hash=False)  # always the four axes, resolved
    multi_axis: str
    action_types: tuple[ActionTypeSpec, ...]

    def to_canonical_dict(self) -> dict[str, Any]:
        """Every value resolved; itself a valid référentiel document."""
        return {
            "format": FORMAT,
            "code": self.code,
            "version": self.version,
            "title": self.title,
            "profession": self.profession,
            "specialties": list(self.specialties),
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "minimum_per_axis": self.minimum_per_axis,
            "axes": {str(axis): {"minimum": self.axis_minimums[axis]} for axis in AXES},
            "multi_axis": self.multi_axis,
            # File order is kept: it is the order in which the types are shown.
            "action_types": [
                {
                    **asdict(action),
                    "axes": list(action.axes),
                    "declarable_by": list(action.declarable_by),
                }
                for action in self.action_types
            ],
        }

    def content_hash(self) -> str:
        canonical = json.dumps(
            self.to_canonical_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
