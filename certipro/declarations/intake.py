"""Judges a batch of declarations, each on its own (contracts/declarations.md).

The whole batch runs in one transaction: one bad declaration never blocks the others, and after
a crash or a lost connection nothing of the batch is half-written, so replaying the whole request
is always safe (D-32 makes the replay a no-op for what was recorded).

It is the set-based form of `record_action`, because training bodies send thousands of
declarations at once, with a fixed number of queries per batch whatever its size: the checks run
on data loaded once for the batch (`ClaimChecker`); the declarations that may merge with a
self-declared action (D-33), and the actions whose hours add up with theirs (D-34), are found by
one read around the batch (`intake_sql.around`); new declarations are inserted together
(`actions.bulk.insert_actions`: COPY on PostgreSQL), each with the transition and the audit entry
`record_action` would write; the D-34 flags are raised for the batch at once; the status snapshots
of every account touched are refreshed once, at the end, in the same transaction
(`certification.bulk.refresh_exercises`). Replays, corrections and merges (D-32,
D-33) — a few per batch — go through `record_action` itself, each in its own savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from certipro.accounts.audit import Actor
from certipro.actions.anomalies import Claimed, Hours, claimed, flag_claims
from certipro.actions.bulk import NewAction, insert_actions
from certipro.actions.checks import ActionRefused, ClaimChecker, among
from certipro.actions.models import ActionState, Channel, Source
from certipro.actions.services import Outcome, record_action
from certipro.certification.bulk import refresh_exercises
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.declarations.intake_sql import Span, around
from certipro.declarations.models import Declarant, DeclarantKind
from certipro.declarations.schemas import DeclarationIn, parse_declaration
from certipro.directory.models import Exercise, Professional
from certipro.notifications.events import actions_received

MAX_DECLARATIONS = 5000
SOURCES = {DeclarantKind.ORGANISM: Source.ORGANISM, DeclarantKind.EMPLOYER: Source.EMPLOYER}


@dataclass
class BatchResult:
    results: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        statuses = [r["status"] for r in self.results]
        return {
            "accepted": statuses.count("accepted"),
            "updated": statuses.count("updated"),
            "duplicates": statuses.count("duplicate"),
            "rejected": statuses.count("rejected"),
        }

    def as_response(self) -> dict[str, Any]:
        return {**self.counts(), "results": self.results}


def _rejected(external_id: Any, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "external_id": external_id if isinstance(external_id, str) else None,
        "status": "rejected",
        "errors": [{"code": code, "message": message} for code, message in errors],
    }


def _accepted(external_id: str, status: str, action_id: int) -> dict[str, Any]:
    return {"external_id": external_id, "status": status, "action_id": str(action_id)}


@dataclass
class _Checked:
    """A declaration that passed the checks: `exercise` is the account it counts for."""

    index: int
    declaration: DeclarationIn
    professional_id: int
    exercise: Exercise


@transaction.atomic
def judge_batch(
    items: Sequence[Any], *, declarant: Declarant, actor: Actor, today: date, channel: Channel
) -> BatchResult:
    """Judges and records `items` for `declarant`; `actor` is who sent them (a token, a user)."""
    run = _Run(declarant=declarant, actor=actor, today=today, channel=channel, catalogue=load_catalogue())
    return run.judge(items)


@dataclass
class _Run:
    declarant: Declarant
    actor: Actor
    today: date
    channel: Channel
    catalogue: Catalogue
    touched: set[int] = field(default_factory=set)  # exercise ids whose snapshot must be refreshed
    recorded: list[Claimed] = field(default_factory=list)  # what the D-34 checks look at
    neighbours: list[Hours] = field(default_factory=list)  # and what they add up with

    def __post_init__(self) -> None:
        self.type_codes = self.catalogue.action_type_codes()  # built once, asked a thousand times

    @property
    def source(self) -> Source:
        return SOURCES[DeclarantKind(self.declarant.kind)]

    def judge(self, items: Sequence[Any]) -> BatchResult:
        parsed = [parse_declaration(item) for item in items]
        valid = [d for d, _ in parsed if d is not None]
        people: dict[str, int] = dict(
            Professional.objects.filter(among("rpps", {d.rpps for d in valid}, "text"))
            .order_by()
            .values_list("rpps", "pk")
        )
        checker = ClaimChecker(people.values(), catalogue=self.catalogue, today=self.today, existing=True)
        results: list[dict[str, Any] | None] = []
        checked: list[_Checked] = []
        seen: set[str] = set()
        for index, (item, (declaration, invalid)) in enumerate(zip(items, parsed, strict=True)):
            external_id = item.get("external_id") if isinstance(item, dict) else None
            errors = [("invalid", message) for message in invalid]
            if isinstance(external_id, str):
                if external_id in seen:
                    message = f"external_id {external_id} appears earlier in this request"
                    errors.append(("duplicate_in_request", message))
                seen.add(external_id)
            if declaration is not None:
                errors.extend(self._account_free_errors(declaration, people))
            if errors or declaration is None:
                results.append(_rejected(external_id, errors))
                continue
            professional_id = people[declaration.rpps]
            try:
                exercise = checker.check(
                    professional_id=professional_id,
                    type_code=declaration.action_type,
                    end_date=declaration.end_date,
                    source=self.source,
                    start_date=declaration.start_date,
                    hours=declaration.hours,
                    axis=declaration.axis,
                )
            except ActionRefused as refused:
                results.append(_rejected(external_id, [(refused.code, refused.message)]))
                continue
            results.append(None)  # filled below, once recorded
            checked.append(_Checked(index, declaration, professional_id, exercise))
        through, new = self._split(checked)
        # Replays, corrections and merges first, in request order, then the new ones together:
        # all were judged against the database as it stood before the batch.
        for c, result in zip(through, self._through_entry_point(through), strict=True):
            results[c.index] = result
        for index, result in self._insert(new).items():
            results[index] = result
        self._finish()
        return BatchResult(results=[r for r in results if r is not None])

    def _account_free_errors(
        self, declaration: DeclarationIn, people: dict[str, int]
    ) -> list[tuple[str, str]]:
        """The checks that need no account: several may apply at once."""
        errors = []
        if declaration.rpps not in people:
            errors.append(("unknown_rpps", f"no professional with RPPS {declaration.rpps}"))
        if declaration.action_type not in self.type_codes:
            message = f"no published référentiel has action type {declaration.action_type}"
            errors.append(("unknown_action_type", message))
        if declaration.end_date > self.today:
            errors.append(("future_date", f"end_date {declaration.end_date} is after today ({self.today})"))
        return errors

    def _split(self, checked: list[_Checked]) -> tuple[list[_Checked], list[_Checked]]:
        """(for `record_action`, new): an external_id already sent is a replay or a correction
        (D-32), one overlapping a self-declared action a merge (D-33); the rest are new."""
        sent = set(
            self.declarant.actions.filter(
                among("external_id", {c.declaration.external_id for c in checked}, "text")
            )
            .order_by()
            .values_list("external_id", flat=True)
        )
        found = around(
            [
                Span(
                    c.index,
                    c.professional_id,
                    c.declaration.action_type,
                    c.declaration.start_date or c.declaration.end_date,
                    c.declaration.end_date,
                )
                for c in checked
            ]
        )
        self.neighbours = found.hours
        through = [c for c in checked if c.declaration.external_id in sent or c.index in found.merges]
        return through, [
            c for c in checked if not (c.declaration.external_id in sent or c.index in found.merges)
        ]

    def _through_entry_point(self, checked: list[_Checked]) -> list[dict[str, Any]]:
        """Each through `record_action`, which decides, in its own savepoint."""
        if not checked:
            return []
        professionals = Professional.objects.in_bulk({c.professional_id for c in checked})
        return [self._single(c.declaration, professionals[c.professional_id]) for c in checked]

    def _single(self, declaration: DeclarationIn, professional: Professional) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    recorded = record_action(**self._kwargs(declaration, professional), refresh=False)
                break
            except IntegrityError:
                if attempt == 2:  # another request recorded the same external_id meanwhile
                    raise
            except ActionRefused as refused:
                return _rejected(declaration.external_id, [(refused.code, refused.message)])
        self.touched.update(e.pk for e in recorded.exercises)
        if recorded.outcome != Outcome.DUPLICATE:
            self.recorded.append(claimed(recorded.action))
        status = (
            "accepted" if recorded.outcome in (Outcome.ACCEPTED, Outcome.MERGED) else recorded.outcome.value
        )
        return _accepted(declaration.external_id, status, recorded.action.pk)

    def _kwargs(self, declaration: DeclarationIn, professional: Professional) -> dict[str, Any]:
        return {
            "professional": professional,
            "type_code": declaration.action_type,
            "end_date": declaration.end_date,
            "start_date": declaration.start_date,
            "title": declaration.title,
            "hours": declaration.hours,
            "axis": declaration.axis,
            "source": self.source,
            "channel": self.channel,
            "actor": self.actor,
            "today": self.today,
            "declarant_id": self.declarant.pk,
            "external_id": declaration.external_id,
            "catalogue": self.catalogue,
        }

    def _insert(self, new: list[_Checked]) -> dict[int, dict[str, Any]]:
        if not new:
            return {}
        try:
            with transaction.atomic():
                inserted = self._insert_new(new)
        except IntegrityError:
            # A concurrent request sent some of the same external_ids: let the entry point replay.
            return {c.index: r for c, r in zip(new, self._through_entry_point(new), strict=True)}
        self.touched.update(c.exercise.pk for c in new)
        self.recorded.extend(
            Claimed(
                pk, c.professional_id, c.declaration.start_date, c.declaration.end_date, c.declaration.hours
            )
            for (pk, _), c in zip(inserted, new, strict=True)
        )
        return {
            c.index: _accepted(c.declaration.external_id, "accepted", pk)
            for (pk, _), c in zip(inserted, new, strict=True)
        }

    def _insert_new(self, new: list[_Checked]) -> list[tuple[int, int]]:
        """Records the new declarations: each action with the transition and the audit entry
        `record_action` would write for it. Returns (action id, professional id) of each, in order.
        Raises IntegrityError when a concurrent request recorded one of the same external_ids."""
        pks = insert_actions(
            [
                NewAction(
                    c.professional_id,
                    c.exercise.profession_id,
                    c.declaration.action_type,
                    c.declaration.title,
                    c.declaration.start_date,
                    c.declaration.end_date,
                    c.declaration.hours,
                    c.declaration.axis,
                    c.declaration.external_id,
                )
                for c in new
            ],
            state=ActionState.ATTESTED,  # a third party's claim (D-31), as record_action decides
            source=self.source,
            channel=self.channel,
            declarant_id=self.declarant.pk,
            actor=self.actor,
            audit_each=True,
        )
        # Each professional is told of the claim, to check it and contest it if wrong (domain §7).
        actions_received(
            (c.professional_id, pk, self.declarant.name, c.declaration.end_date.isoformat())
            for pk, c in zip(pks, new, strict=True)
        )
        return [(pk, c.professional_id) for pk, c in zip(pks, new, strict=True)]

    def _finish(self) -> None:
        if self.recorded:
            flag_claims(
                self.recorded, before=self.neighbours, declarant_id=self.declarant.pk, actor=self.actor
            )
        if self.touched:
            refresh_exercises(self.touched, today=self.today, catalogue=self.catalogue)
