"""`record_actions_bulk`: the bulk twin of `record_action` for the benchmark generator (bench.generate).

The same checks as `record_action`, in the same order so that a refused item gets the same error
code, but made per batch of items with a fixed number of queries, and written with COPY on
PostgreSQL (bulk_create elsewhere): one ActionTransition per action, one audit entry per batch.
It does NOT refresh status snapshots: the caller runs the bulk recompute
(`certipro.certification.bulk.recompute_all`) once it is done.

Items carrying a declarant reference may replay (D-32) or merge with a self-declared action
(D-33): those are passed, in their place in the sequence, to `record_action` itself, so the
semantics stay those of the single entry point. The fast path is for new claims.

The rows themselves are written by `bulk_write.insert_actions`, shared with the declaration
intake (`declarations/intake.py`); `rows_cte` lets the intake join a batch with a table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction

from certipro.actions.bulk_write import NewAction, insert_actions
from certipro.actions.checks import ActionRefused, ClaimChecker
from certipro.actions.models import ActionState, Channel, Source
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import Catalogue
from certipro.core.iterables import chunks
from certipro.directory.models import Professional
from certipro.entrypoints.actions import Outcome, record_action

BATCH = 20_000


@dataclass(frozen=True)
class Claim:
    """One claim, as `record_action` takes it (the professional by primary key)."""

    professional_id: int
    type_code: str
    end_date: date
    profession: str | None = None
    start_date: date | None = None
    title: str = ""
    hours: Decimal | None = None
    axis: int | None = None
    declarant_id: int | None = None
    external_id: str = ""


@dataclass(frozen=True)
class ItemResult:
    outcome: str | None  # an Outcome value when recorded
    code: str | None = None  # the contract error code when refused
    message: str = ""


@dataclass
class BulkReport:
    results: list[ItemResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.outcome is not None)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.results if r.code is not None)

    def error_codes(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.results:
            if r.code is not None:
                counts[r.code] += 1
        return dict(counts)


def record_actions_bulk(
    items: Iterable[Claim],
    *,
    actor: Actor,
    today: date,
    source: Source,
    channel: Channel,
    catalogue: Catalogue,
    batch_size: int = BATCH,
) -> BulkReport:
    """Records every claim that passes `record_action`'s checks; each batch is one transaction."""
    report = BulkReport()
    for batch in chunks(items, batch_size):
        report.results.extend(_Batch(batch, actor, today, source, channel, catalogue).run())
    return report


class _Accepted(NamedTuple):
    claim: Claim
    profession_id: str


class _Batch:
    def __init__(
        self,
        items: Sequence[Claim],
        actor: Actor,
        today: date,
        source: Source,
        channel: Channel,
        catalogue: Catalogue,
    ) -> None:
        self.items, self.actor, self.today = items, actor, today
        self.source, self.channel, self.catalogue = source, channel, catalogue
        self.state = ActionState.DECLARED if source == Source.PROFESSIONAL else ActionState.ATTESTED

    @transaction.atomic
    def run(self) -> list[ItemResult]:
        # record_action's own checks, on data loaded once for the batch (four queries).
        checker = ClaimChecker(
            {i.professional_id for i in self.items}, catalogue=self.catalogue, today=self.today
        )
        results: list[ItemResult] = []
        pending: list[_Accepted] = []  # checked, not yet written
        for item in self.items:
            if item.declarant_id is not None:
                # Replays and merges depend on what is already written, this batch included.
                self._write(pending)
                pending = []
                results.append(self._single(item))
                continue
            try:
                exercise = checker.check_row(
                    professional_id=item.professional_id,
                    type_code=item.type_code,
                    end_date=item.end_date,
                    source=self.source,
                    profession=item.profession,
                    start_date=item.start_date,
                    hours=item.hours,
                    axis=item.axis,
                )
            except ActionRefused as refused:
                results.append(ItemResult(outcome=None, code=refused.code, message=refused.message))
            else:
                # A plain pair: the checks give the exercise as plain values (no model instance).
                pending.append(_Accepted(item, exercise.profession_id))
                results.append(ItemResult(outcome=Outcome.ACCEPTED.value))
        self._write(pending)
        return results

    def _single(self, item: Claim) -> ItemResult:
        professional = Professional.objects.filter(pk=item.professional_id).first()
        if professional is None:
            return ItemResult(None, "unknown_rpps", "no such professional")
        try:
            recorded = record_action(
                professional=professional,
                type_code=item.type_code,
                end_date=item.end_date,
                source=self.source,
                channel=self.channel,
                actor=self.actor,
                today=self.today,
                profession=item.profession,
                start_date=item.start_date,
                title=item.title,
                hours=item.hours,
                axis=item.axis,
                declarant_id=item.declarant_id,
                external_id=item.external_id,
                catalogue=self.catalogue,
            )
        except ActionRefused as refused:
            return ItemResult(None, refused.code, refused.message)
        return ItemResult(recorded.outcome.value)

    def _write(self, accepted: list[_Accepted]) -> None:
        if not accepted:
            return
        pks = insert_actions(
            [
                NewAction(
                    a.claim.professional_id,
                    a.profession_id,
                    a.claim.type_code,
                    a.claim.title,
                    a.claim.start_date,
                    a.claim.end_date,
                    a.claim.hours,
                    a.claim.axis,
                    a.claim.external_id,
                )
                for a in accepted
            ],
            state=self.state,
            source=self.source,
            channel=self.channel,
            declarant_id=None,
            actor=self.actor,
            audit_each=False,
        )
        # One entry per batch: a loader's batch is one decision, not thousands (D-41 keeps who/when).
        record(
            actor=self.actor,
            verb="action.bulk_accepted",
            data={
                "count": len(accepted),
                "source": self.source.value,
                "professionals": len({a.claim.professional_id for a in accepted}),
                "first_id": pks[0],
                "last_id": pks[-1],
            },
        )
