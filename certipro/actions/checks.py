"""The checks a claim passes before it is recorded (contracts/declarations.md error codes).

One implementation, for the one entry point that records claims (`entrypoints.claims.record_claims`,
a form's claim being a batch of one), the admin's form and the benchmark's loader: a
`ClaimChecker` reads what the checks need for a set of professionals with four queries, as plain
values (`certification.bulk_io.read_accounts`), or takes the accounts a batch already read, then
judges any number of claims in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.base import DEFERRED
from django.db.models.expressions import RawSQL

from certipro.actions.models import Source
from certipro.certification.bulk_io import Accounts, PeriodFacts, holding_fact, period_facts, read_accounts
from certipro.certification.catalogue import Catalogue
from certipro.certification.evaluation import period_as_of
from certipro.certification.rules import ReferentielRules, Segment, codes_on
from certipro.core.sql import array_literal
from certipro.directory.models import Exercise, Professional

__all__ = ["ActionRefused", "ClaimChecker", "ExerciseRow", "Held", "PeriodFacts", "among"]

# Who may declare, as référentiels name them (declarable_by); the other sources are not limited.
DECLARANT_KINDS = {
    Source.PROFESSIONAL: "professional",
    Source.ORGANISM: "organism",
    Source.EMPLOYER: "employer",
}


class ActionRefused(Exception):
    """A claim that cannot be recorded; `code` is one of contracts/declarations.md's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ExerciseRow(NamedTuple):
    """An exercise as the checks and their callers use it: plain values, not a model instance
    (building a thousand of those cost a batch of the declaration API more than its checks)."""

    pk: int
    professional_id: int
    profession_id: str


@dataclass(frozen=True)
class Held:
    """An exercise with what the checks need: its periods and its référentiel timeline."""

    exercise: ExerciseRow
    periods: list[PeriodFacts]
    timeline: tuple[Segment, ...]


def among(column: str, values: Collection[Any], kind: str) -> Q | RawSQL:
    """`column IN values`, on PostgreSQL as `column = ANY(array)`: one parameter, where a thousand
    placeholders would cost more to build, bind and parse than the query itself, and an index
    condition, never a join the planner might turn into a scan. For querysets without joins."""
    if connection.vendor == "postgresql":
        return RawSQL(f"{column} = ANY(%s::{kind}[])", (array_literal(values),), output_field=BooleanField())
    return Q(**{f"{column}__in": values})


class ClaimChecker:
    def __init__(
        self,
        professional_ids: Iterable[int],
        *,
        catalogue: Catalogue,
        today: date,
        accounts: Accounts | None = None,
    ) -> None:
        """Reads what the checks of these professionals' claims need (four queries), or takes it
        from `accounts`, read for them with the same catalogue and date (no query then)."""
        self.catalogue, self.today = catalogue, today
        self.rules_by_code = catalogue.rules_by_code(today)
        self.known_types = frozenset(t for r in self.rules_by_code.values() for t in r.action_axes)
        ids = set(professional_ids)
        if accounts is None:
            accounts = read_accounts(_existing(ids), catalogue=catalogue, today=today)
        elif not (accounts.serves(catalogue, today) and ids <= accounts.professional_ids):
            raise ValueError("these accounts were read for other professionals, catalogue or date")
        self.accounts = accounts
        self.held = _held(accounts)

    def check(
        self,
        *,
        professional_id: int,
        type_code: str,
        end_date: date,
        source: Source,
        profession: str | None = None,
        start_date: date | None = None,
        hours: Decimal | None = None,
        axis: int | None = None,
    ) -> Exercise:
        """`check_row`, for the callers that want the model (the admin's form): its other fields
        are deferred, read if ever asked (no query here)."""
        row = self.check_row(
            professional_id=professional_id,
            type_code=type_code,
            end_date=end_date,
            source=source,
            profession=profession,
            start_date=start_date,
            hours=hours,
            axis=axis,
        )
        names = {"id": row.pk, "professional_id": row.professional_id, "profession_id": row.profession_id}
        values = [names.get(f.attname, DEFERRED) for f in Exercise._meta.concrete_fields]
        return Exercise.from_db(connection.alias, list(names), values)

    def check_row(
        self,
        *,
        professional_id: int | None,
        type_code: str,
        end_date: date,
        source: Source,
        profession: str | None = None,
        start_date: date | None = None,
        hours: Decimal | None = None,
        axis: int | None = None,
        rpps: str = "",
    ) -> ExerciseRow:
        """The exercise the claim counts for; raises ActionRefused with the first problem found."""
        judged = self.judge(
            professional_id=professional_id,
            type_code=type_code,
            end_date=end_date,
            source=source,
            profession=profession,
            start_date=start_date,
            hours=hours,
            axis=axis,
            rpps=rpps,
        )
        if isinstance(judged, list):
            raise judged[0]
        return judged

    def judge(
        self,
        *,
        professional_id: int | None,
        type_code: str,
        end_date: date,
        source: Source,
        profession: str | None = None,
        start_date: date | None = None,
        hours: Decimal | None = None,
        axis: int | None = None,
        rpps: str = "",
    ) -> ExerciseRow | list[ActionRefused]:
        """The exercise the claim counts for, or its problems: all those that need no account at
        once (contracts/declarations.md: several codes may apply), else the first of the others.
        `professional_id` None: no professional was found (by `rpps`, named in the message)."""
        problems: list[ActionRefused] = []
        if start_date is not None and start_date > end_date:
            problems.append(ActionRefused("invalid", "start_date: must be on or before end_date"))
        if hours is not None and not (Decimal(0) < hours <= Decimal(2000)):
            problems.append(ActionRefused("invalid", "hours: must be greater than 0 and at most 2000"))
        if end_date > self.today:
            problems.append(
                ActionRefused("future_date", f"end_date {end_date} is after today ({self.today})")
            )
        if type_code not in self.known_types:
            problems.append(
                ActionRefused("unknown_action_type", f"no published référentiel has action type {type_code}")
            )
        held = self.held.get(professional_id) if professional_id is not None else None
        if held is None:
            named = f"no professional with RPPS {rpps}" if rpps else "no such professional"
            problems.append(ActionRefused("unknown_rpps", named))
        if problems or held is None:
            return problems
        try:
            exercise, axes, declarable = self._listing(held, type_code, end_date, profession)
            kind = DECLARANT_KINDS.get(source)
            if kind is not None and kind not in declarable:
                raise ActionRefused(
                    "not_declarable", f"the référentiel does not let a {kind} declare {type_code}"
                )
            if axis is not None and axis not in axes:
                raise ActionRefused("invalid", f"axis: {axis} is not an axis of {type_code} ({sorted(axes)})")
        except ActionRefused as refused:
            return [refused]
        return exercise

    def _listing(
        self, held: list[Held], type_code: str, end_date: date, profession: str | None
    ) -> tuple[ExerciseRow, frozenset[int], set[str]]:
        """D-14, D-22: the référentiels assigned on the end date, in their current version, must
        list the type (contracts/referentiel.md)."""
        in_period = False
        for x in held:
            if profession is not None and x.exercise.profession_id != profession:
                continue
            view = period_as_of(x.periods, end_date)
            if view is None or not (view.start <= end_date <= view.end):
                continue
            in_period = True
            listing: list[ReferentielRules] = [
                self.rules_by_code[c]
                for c in sorted(codes_on(x.timeline, end_date))
                if c in self.rules_by_code
            ]
            axes = frozenset[int]().union(*(r.action_axes.get(type_code, frozenset()) for r in listing))
            if axes:
                declarable: set[str] = set()
                for r in listing:
                    declarable.update(self.catalogue.declarable_by.get((r.code, r.version, type_code), ()))
                return x.exercise, axes, declarable
        if not in_period:
            raise ActionRefused(
                "outside_cycle", f"end_date {end_date} is not inside a period of this professional"
            )
        raise ActionRefused(
            "not_in_referentiel",
            f"action type {type_code} is not in the référentiels assigned to this professional on {end_date}",
        )


def _existing(professional_ids: set[int]) -> list[int]:
    # An unknown professional is refused as such (unknown_rpps), not as one without a period.
    rows = Professional.objects.filter(among("id", professional_ids, "bigint")).values_list("pk", flat=True)
    return list(rows)


def _held(accounts: Accounts) -> dict[int, list[Held]]:
    """Each professional's exercises (by id, as `_listing` tries them) with their facts."""
    periods: dict[int, list[PeriodFacts]] = defaultdict(list)
    for row in accounts.periods:
        periods[row[1]].append(period_facts(row))
    holdings: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in accounts.holdings:
        holdings[row[1]].append(row)
    held: dict[int, list[Held]] = {pk: [] for pk in accounts.professional_ids}
    for professional_id, pk, profession_id in accounts.exercises:
        facts = tuple(holding_fact(r) for r in holdings[pk])
        timeline = accounts.timelines.of(profession_id, facts)
        held[professional_id].append(
            Held(ExerciseRow(pk, professional_id, profession_id), periods[pk], timeline)
        )
    return held
