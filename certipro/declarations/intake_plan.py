"""What becomes of each declaration of a batch that passed the checks, decided on what the
batch read before writing anything (no query here): a replay (D-32, nothing to write), a
correction (D-32, through `record_action`), a merge with a self-declared action (D-33) or new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from certipro.actions.checks import ExerciseRow
from certipro.actions.models import ActionState
from certipro.declarations.intake_merge import pick
from certipro.declarations.intake_sql import Candidate
from certipro.declarations.schemas import DeclarationIn


@dataclass
class Checked:
    """A declaration that passed the checks: `exercise` is the account it counts for."""

    index: int
    declaration: DeclarationIn
    professional_id: int
    exercise: ExerciseRow


# What a replay must repeat to be a duplicate (D-32), as `record_action` compares it.
CONTENT = ("type_code", "title", "start_date", "end_date", "hours", "axis", "profession_id")


def content(c: Checked) -> tuple[Any, ...]:
    d = c.declaration
    return (d.action_type, d.title, d.start_date, d.end_date, d.hours, d.axis, c.exercise.profession_id)


@dataclass(frozen=True)
class Sent:
    """An action the declarant sent before under an external_id of the batch."""

    pk: int
    professional_id: int
    state: str
    content: tuple[Any, ...]  # as CONTENT

    def replayed_by(self, c: Checked) -> bool:
        """The same declaration again (D-32): nothing to change, as `record_action` judges it."""
        return (
            self.professional_id == c.professional_id
            and self.state != ActionState.WITHDRAWN
            and self.content == content(c)
        )


@dataclass
class Plan:
    duplicates: list[tuple[Checked, int]] = field(default_factory=list)  # D-32 replays, their action
    corrections: list[Checked] = field(default_factory=list)  # D-32: through record_action
    merges: list[tuple[Checked, Candidate]] = field(default_factory=list)  # D-33
    new: list[Checked] = field(default_factory=list)


def plan(checked: Sequence[Checked], sent: dict[str, Sent], candidates: dict[int, list[Candidate]]) -> Plan:
    """`sent`: the actions already sent under the batch's external_ids; `candidates`: by
    position, the self-declared actions each declaration overlaps (`intake_sql.around`)."""
    planned, wanted = Plan(), list[Checked]()
    for c in checked:
        before = sent.get(c.declaration.external_id)
        if before is None:
            (wanted if c.index in candidates else planned.new).append(c)
        elif before.replayed_by(c):
            planned.duplicates.append((c, before.pk))
        else:
            planned.corrections.append(c)
    picked = pick((c.index, candidates[c.index]) for c in wanted)
    planned.merges = [(c, picked[c.index]) for c in wanted if c.index in picked]
    # Those whose actions earlier declarations of the batch took are new, as in record_action.
    unmatched = [c for c in wanted if c.index not in picked]
    planned.new = sorted(planned.new + unmatched, key=lambda c: c.index)
    return planned
