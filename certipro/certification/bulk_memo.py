"""What the set-based refresh (`bulk._Recompute`) derives from an exercise's facts but for ids,
kept by a process across the declaration API's batches (`bulk.refresh_exercises`).

Why: each batch of a thousand accounts computed again, for each account, what its facts give —
the period as of today and the référentiels in force (a context), the axes of each type (masks),
statuses and progress for capped counts, the pace — although most accounts share them with
accounts of earlier batches: the same period dates, the same référentiels. Nationally that
Python was the largest part of a batch's refresh. The counts per axis (D-23) are not kept: on
the 3,000-professional database, 2,978 accounts of 3,010 had their own.

All of it depends on nothing else than the date, the catalogue and the rules' configuration: a
memo serves only the three it was made for, and a new one replaces it when any differs. Bounded:
past `LIMIT` entries (under 1 KB each, measured with tracemalloc) it starts again empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from certipro.certification.catalogue import Catalogue
from certipro.certification.rules import RulesConfig

LIMIT = 50_000  # entries in all: at most ~40 MB per process


@dataclass
class Memo:
    today: date
    catalogue: Catalogue
    config: RulesConfig
    contexts: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    shapes: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    masks: dict[tuple[Any, ...], int] = field(default_factory=dict)
    tails: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    paces: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def serves(self, today: date, catalogue: Catalogue, config: RulesConfig) -> bool:
        # A batch reads its catalogue afresh: equal contents (0.1 ms to compare), not the same object.
        return (
            self.today == today
            and self.config == config
            and (self.catalogue is catalogue or self.catalogue == catalogue)
        )

    def size(self) -> int:
        return sum(len(d) for d in (self.contexts, self.shapes, self.masks, self.tails, self.paces))


_KEPT: Memo | None = None


def kept_memo(today: date, catalogue: Catalogue, config: RulesConfig) -> Memo:
    """This process's memo for (today, catalogue, config); a new one if it served others or grew
    past `LIMIT`. Threads of a process may share it: each entry is a pure function of its key, so
    two threads computing one entry at once only compute it twice."""
    global _KEPT
    memo = _KEPT
    if memo is None or not memo.serves(today, catalogue, config) or memo.size() > LIMIT:
        memo = _KEPT = Memo(today, catalogue, config)
    return memo
