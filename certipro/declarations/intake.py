"""Judges a batch of declarations, each on its own (contracts/declarations.md).

The whole batch runs in one transaction: one bad declaration never blocks the others, and after
a crash or a lost connection nothing of the batch is half-written, so replaying the whole request
is always safe (D-32 makes the replay a no-op for what was recorded).

It is set-based, because training bodies send thousands of declarations at once: the checks run
on data loaded once for the batch (`ClaimChecker`), new declarations are inserted together, and
the status snapshots of every account touched are refreshed once, at the end, in the same
transaction. Replays, corrections and merges with a self-declared action (D-32, D-33) — a few
per batch — go through `record_action` itself, each in its own savepoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from certipro.accounts.audit import Actor, record_many
from certipro.actions.anomalies import flag_claims
from certipro.actions.checks import ActionRefused, ClaimChecker
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Source
from certipro.actions.services import Outcome, record_action
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.status import refresh_status
from certipro.declarations.models import Declarant, DeclarantKind
from certipro.declarations.schemas import DeclarationIn, parse_declaration
from certipro.directory.models import Exercise, Professional

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
class _New:
    index: int
    declaration: DeclarationIn
    professional: Professional
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
    touched: dict[int, Exercise] = field(default_factory=dict)
    recorded: list[int] = field(default_factory=list)

    @property
    def source(self) -> Source:
        return SOURCES[DeclarantKind(self.declarant.kind)]

    def judge(self, items: Sequence[Any]) -> BatchResult:
        parsed = [parse_declaration(item) for item in items]
        valid = [d for d, _ in parsed if d is not None]
        people = {p.rpps: p for p in Professional.objects.filter(rpps__in={d.rpps for d in valid})}
        checker = ClaimChecker([p.pk for p in people.values()], catalogue=self.catalogue, today=self.today)
        existing = set(
            Action.objects.filter(
                declarant=self.declarant, external_id__in={d.external_id for d in valid}
            ).values_list("external_id", flat=True)
        )
        mergeable = self._self_declared({p.pk for p in people.values()}, {d.action_type for d in valid})
        results: list[dict[str, Any] | None] = []
        new: list[_New] = []
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
            professional = people[declaration.rpps]
            try:
                exercise = checker.check(
                    professional_id=professional.pk,
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
            if declaration.external_id in existing or self._merges(declaration, professional, mergeable):
                results.append(self._through_entry_point(declaration, professional))
            else:
                results.append(None)  # filled once inserted
                new.append(_New(index, declaration, professional, exercise))
        for index, result in self._insert(new).items():
            results[index] = result
        self._finish()
        return BatchResult(results=[r for r in results if r is not None])

    def _account_free_errors(
        self, declaration: DeclarationIn, people: dict[str, Professional]
    ) -> list[tuple[str, str]]:
        """The checks that need no account: several may apply at once."""
        errors = []
        if declaration.rpps not in people:
            errors.append(("unknown_rpps", f"no professional with RPPS {declaration.rpps}"))
        if declaration.action_type not in self.catalogue.action_type_codes():
            message = f"no published référentiel has action type {declaration.action_type}"
            errors.append(("unknown_action_type", message))
        if declaration.end_date > self.today:
            errors.append(("future_date", f"end_date {declaration.end_date} is after today ({self.today})"))
        return errors

    def _self_declared(
        self, professional_ids: set[int], types: set[str]
    ) -> dict[tuple[int, str], list[tuple[date, date]]]:
        """The dates of the self-declared actions a declaration may attest (D-33), loaded once for
        the batch as plain tuples: `record_action` makes the merge itself."""
        found: dict[tuple[int, str], list[tuple[date, date]]] = defaultdict(list)
        rows = Action.objects.filter(
            professional_id__in=professional_ids,
            type_code__in=types,
            source=Source.PROFESSIONAL,
            state=ActionState.DECLARED,
            declarant__isnull=True,
        ).values_list("professional_id", "type_code", "start_date", "end_date")
        for professional_id, type_code, start, end in rows:
            found[(professional_id, type_code)].append((start or end, end))
        return found

    @staticmethod
    def _merges(
        declaration: DeclarationIn,
        professional: Professional,
        mergeable: dict[tuple[int, str], list[tuple[date, date]]],
    ) -> bool:
        start = declaration.start_date or declaration.end_date
        return any(
            own_start <= declaration.end_date and start <= own_end
            for own_start, own_end in mergeable.get((professional.pk, declaration.action_type), [])
        )

    def _through_entry_point(self, declaration: DeclarationIn, professional: Professional) -> dict[str, Any]:
        """A replay, a correction or a merge: `record_action` decides, in its own savepoint."""
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
        self.touched.update((e.pk, e) for e in recorded.exercises)
        if recorded.outcome != Outcome.DUPLICATE:
            self.recorded.append(recorded.action.pk)
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

    def _insert(self, new: list[_New]) -> dict[int, dict[str, Any]]:
        """New declarations, inserted together with their transition and audit rows."""
        if not new:
            return {}
        try:
            with transaction.atomic():
                actions = Action.objects.bulk_create([self._action(n) for n in new], batch_size=1000)
        except IntegrityError:
            # A concurrent request sent some of the same external_ids: let the entry point replay.
            return {n.index: self._through_entry_point(n.declaration, n.professional) for n in new}
        ActionTransition.objects.bulk_create(
            [
                ActionTransition(
                    action=a,
                    professional_id=a.professional_id,
                    to_state=a.state,
                    actor_label=self.actor.label,
                    reason=Outcome.ACCEPTED.value,
                )
                for a in actions
            ],
            batch_size=1000,
        )
        record_many(
            (
                {
                    "verb": "action.accepted",
                    "professional_id": a.professional_id,
                    "obj": a,
                    "data": {
                        "type_code": a.type_code,
                        "end_date": a.end_date.isoformat(),
                        "source": a.source,
                    },
                }
                for a in actions
            ),
            actor=self.actor,
        )
        for n in new:
            self.touched[n.exercise.pk] = n.exercise
        self.recorded.extend(a.pk for a in actions)
        return {
            n.index: _accepted(n.declaration.external_id, "accepted", a.pk)
            for n, a in zip(new, actions, strict=True)
        }

    def _action(self, n: _New) -> Action:
        d = n.declaration
        return Action(
            professional=n.professional,
            profession_id=n.exercise.profession_id,
            type_code=d.action_type,
            title=d.title,
            start_date=d.start_date,
            end_date=d.end_date,
            hours=d.hours,
            axis=d.axis,
            state=ActionState.ATTESTED,
            source=self.source,
            channel=self.channel,
            declarant=self.declarant,
            external_id=d.external_id,
            declared_by=self.actor.user,
        )

    def _finish(self) -> None:
        if self.recorded:
            recorded = list(Action.objects.filter(pk__in=self.recorded))
            flag_claims(recorded, declarant_id=self.declarant.pk, actor=self.actor)
        if self.touched:
            refresh_status(exercises=list(self.touched.values()), today=self.today, catalogue=self.catalogue)
