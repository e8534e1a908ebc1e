"""Judges a batch of declarations, each on its own (contracts/declarations.md).

The whole batch runs in one transaction: one bad declaration never blocks the others, and after
a crash or a lost connection nothing of the batch is half-written, so replaying the whole request
is always safe (D-32 makes the replay a no-op for what was recorded).

It is the set-based form of `record_action`, because training bodies send thousands of
declarations at once, with a fixed number of queries per batch whatever its size:

- the batch's accounts (exercises, periods, holdings, référentiel timelines) are read once
  (`certification.bulk_io.read_accounts`): the checks run on them (`ClaimChecker`), and the
  refresh of the snapshots at the end takes them again instead of reading and building them twice;
- the actions already sent under the batch's external_ids are read with their content, so that a
  replay of the same declaration (D-32) is answered `duplicate` without writing anything;
- the declarations that may merge with a self-declared action (D-33), and the actions whose hours
  add up with theirs (D-34), are found by one read around the batch (`intake_sql.around`);
- the merges (D-33) are made together (`intake_merge`), and the new declarations inserted together
  (`actions.bulk_write.insert_actions`: COPY on PostgreSQL), each with the transition, the audit entry
  and the notice `record_action` writes;
- the D-34 flags are raised for the batch at once, and the status snapshots of every account
  touched refreshed once, at the end, in the same transaction (`certification.bulk.refresh_exercises`).

Corrections (D-32) — a few per batch — and the merges whose action changed since it was read go
through `record_action` itself, each in its own savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from certipro.actions.anomalies import Claimed, Hours, claimed, flag_claims
from certipro.actions.bulk_write import NewAction, insert_actions
from certipro.actions.checks import ActionRefused, ClaimChecker, among
from certipro.actions.models import ActionState, Channel, Declarant, DeclarantKind, Source
from certipro.actions.services import Outcome, record_action
from certipro.audit.journal import Actor
from certipro.certification.bulk import refresh_exercises
from certipro.certification.bulk_io import Accounts, read_accounts
from certipro.certification.catalogue import Catalogue, current_catalogue
from certipro.declarations.intake_merge import Merge, merge_actions
from certipro.declarations.intake_plan import CONTENT, Checked, Plan, Sent, plan
from certipro.declarations.intake_sql import Candidate, Span, around
from certipro.declarations.schemas import DeclarationIn, parse_declaration
from certipro.directory.models import Professional
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


@transaction.atomic
def judge_batch(
    items: Sequence[Any], *, declarant: Declarant, actor: Actor, today: date, channel: Channel
) -> BatchResult:
    """Judges and records `items` for `declarant`; `actor` is who sent them (a token, a user)."""
    run = _Run(declarant=declarant, actor=actor, today=today, channel=channel, catalogue=current_catalogue())
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
    accounts: Accounts = field(init=False)  # the batch's accounts, read once (checks and refresh)
    checker: ClaimChecker = field(init=False)

    def __post_init__(self) -> None:
        self.type_codes = self.catalogue.action_type_codes()  # built once, asked a thousand times

    @property
    def source(self) -> Source:
        return SOURCES[DeclarantKind(self.declarant.kind)]

    def judge(self, items: Sequence[Any]) -> BatchResult:
        results, checked = self._check(items)
        planned = self._split(checked)
        for c, pk in planned.duplicates:  # D-32: the same declaration again, nothing to write
            results[c.index] = _accepted(c.declaration.external_id, "duplicate", pk)
        # The merges first, then the corrections in request order (with the merges whose action
        # changed meanwhile), then the new ones together: all were judged against the database
        # as it stood before the batch.
        merged, left = self._merge(planned.merges)
        through = sorted(planned.corrections + left, key=lambda c: c.index)
        recorded = dict(merged)
        recorded.update(zip([c.index for c in through], self._through_entry_point(through), strict=True))
        recorded.update(self._insert(planned.new))
        for index, result in recorded.items():
            results[index] = result
        self._finish()
        return BatchResult(results=[r for r in results if r is not None])

    def _check(self, items: Sequence[Any]) -> tuple[list[dict[str, Any] | None], list[Checked]]:
        """Each declaration's result when it is rejected (None for now when it passes the
        checks), and those that pass, with the account each counts for."""
        parsed = [parse_declaration(item) for item in items]
        valid = [d for d, _ in parsed if d is not None]
        people: dict[str, int] = dict(
            Professional.objects.filter(among("rpps", {d.rpps for d in valid}, "text"))
            .order_by()
            .values_list("rpps", "pk")
        )
        self.accounts = read_accounts(people.values(), catalogue=self.catalogue, today=self.today)
        checker = self.checker = ClaimChecker(
            people.values(), catalogue=self.catalogue, today=self.today, accounts=self.accounts
        )
        results: list[dict[str, Any] | None] = []
        checked: list[Checked] = []
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
                exercise = checker.check_row(
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
            checked.append(Checked(index, declaration, professional_id, exercise))
        return results, checked

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

    def _split(self, checked: list[Checked]) -> Plan:
        """An external_id already sent is a replay or a correction (D-32); one overlapping an
        action the professional self-declared is a merge (D-33); the rest are new."""
        sent = self._sent({c.declaration.external_id for c in checked})
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
        return plan(checked, sent, found.candidates)

    def _sent(self, external_ids: set[str]) -> dict[str, Sent]:
        rows = (
            self.declarant.actions.filter(among("external_id", external_ids, "text"))
            .order_by()
            .values_list("external_id", "pk", "professional_id", "state", *CONTENT)
        )
        return {row[0]: Sent(row[1], row[2], row[3], tuple(row[4:])) for row in rows}

    def _merge(
        self, merges: list[tuple[Checked, Candidate]]
    ) -> tuple[dict[int, dict[str, Any]], list[Checked]]:
        """D-33, set-based (`intake_merge`): the results of the merges made, and the declarations
        left to `record_action`: those whose action changed since it was read, or all of them
        when a concurrent request recorded one of the same external_ids meanwhile."""
        ready = [(c, k) for c, k in merges if self._former_exercise(c, k) is not None]
        if not ready:
            return {}, [c for c, _ in merges]
        try:
            with transaction.atomic():
                done = merge_actions(
                    [
                        Merge(k.action_id, c.professional_id, c.exercise.profession_id, c.declaration)
                        for c, k in ready
                    ],
                    source=self.source,
                    channel=self.channel,
                    declarant_id=self.declarant.pk,
                    actor=self.actor,
                )
                merged = [(c, k) for c, k in ready if k.action_id in done]
                self._announce([(c, k.action_id) for c, k in merged])
        except IntegrityError:
            return {}, [c for c, _ in merges]
        for c, k in merged:
            # The account the action counted for loses it when that was another profession (D-13).
            self._recorded(c, k.action_id, self._former_exercise(c, k) or c.exercise.pk)
        made = {c.index for c, _ in merged}
        results = {c.index: _accepted(c.declaration.external_id, "accepted", k.action_id) for c, k in merged}
        return results, [c for c, _ in merges if c.index not in made]

    def _recorded(self, c: Checked, action_id: int, *former: int) -> None:
        """What the end of the batch must know of a declaration recorded by the set-based paths:
        the accounts whose snapshot changes, and the claim for the D-34 checks."""
        self.touched.update((c.exercise.pk, *former))
        d = c.declaration
        self.recorded.append(Claimed(action_id, c.professional_id, d.start_date, d.end_date, d.hours))

    def _former_exercise(self, c: Checked, candidate: Candidate) -> int | None:
        """The exercise the self-declared action counted for (a person may hold two professions,
        D-13); None when the batch's accounts do not hold it."""
        if candidate.profession_id == c.exercise.profession_id:
            return c.exercise.pk
        held = self.checker.held.get(c.professional_id, [])
        return next(
            (h.exercise.pk for h in held if h.exercise.profession_id == candidate.profession_id), None
        )

    def _announce(self, recorded: list[tuple[Checked, int]]) -> None:
        # Each professional is told of the claim, to check it and contest it if wrong (domain §7).
        actions_received(
            (c.professional_id, pk, self.declarant.name, c.declaration.end_date.isoformat())
            for c, pk in recorded
        )

    def _through_entry_point(self, checked: list[Checked]) -> list[dict[str, Any]]:
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

    def _insert(self, new: list[Checked]) -> dict[int, dict[str, Any]]:
        if not new:
            return {}
        try:
            with transaction.atomic():
                inserted = self._insert_new(new)
        except IntegrityError:
            # A concurrent request sent some of the same external_ids: let the entry point replay.
            return {c.index: r for c, r in zip(new, self._through_entry_point(new), strict=True)}
        for (pk, _), c in zip(inserted, new, strict=True):
            self._recorded(c, pk)
        return {
            c.index: _accepted(c.declaration.external_id, "accepted", pk)
            for (pk, _), c in zip(inserted, new, strict=True)
        }

    def _insert_new(self, new: list[Checked]) -> list[tuple[int, int]]:
        """Records the new declarations: each action with the transition, the audit entry and the
        notice `record_action` would write for it. Returns (action id, professional id) of each, in order.
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
        self._announce(list(zip(new, pks, strict=True)))
        return [(pk, c.professional_id) for pk, c in zip(pks, new, strict=True)]

    def _finish(self) -> None:
        if self.recorded:
            flag_claims(
                self.recorded, before=self.neighbours, declarant_id=self.declarant.pk, actor=self.actor
            )
        if self.touched:
            # The accounts read for the checks, not read again: nothing the batch wrote since is
            # an exercise, a period or a holding (bulk_io.Accounts says why, and what it leaves).
            refresh_exercises(
                self.touched, today=self.today, catalogue=self.catalogue, accounts=self.accounts
            )
