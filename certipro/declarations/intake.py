"""Judges a batch of declarations, each on its own (contracts/declarations.md).

The whole batch runs in one transaction, each declaration in its own savepoint: one bad
declaration never blocks the others, and after a crash or a lost connection nothing of the
batch is half-written, so replaying the whole request is always safe (D-32 makes the replay a
no-op for what was recorded). The status snapshots of every account touched are refreshed
once, at the end, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from certipro.accounts.audit import Actor
from certipro.actions.anomalies import flag_claims
from certipro.actions.models import Action, Channel, Source
from certipro.actions.services import ActionRefused, Outcome, record_action
from certipro.certification.catalogue import load_catalogue
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


@transaction.atomic
def judge_batch(
    items: Sequence[Any], *, declarant: Declarant, actor: Actor, today: date, channel: Channel
) -> BatchResult:
    """Judges and records `items` for `declarant`; `actor` is who sent them (a token, a user)."""
    source = SOURCES[DeclarantKind(declarant.kind)]
    catalogue = load_catalogue()
    known_types = catalogue.action_type_codes()
    parsed = [parse_declaration(item) for item in items]
    rpps = {d.rpps for d, _ in parsed if d is not None}
    people = {p.rpps: p for p in Professional.objects.filter(rpps__in=rpps)}
    result = BatchResult()
    seen: set[str] = set()
    touched: dict[int, Exercise] = {}
    recorded: list[int] = []
    for item, (declaration, invalid) in zip(items, parsed, strict=True):
        external_id = item.get("external_id") if isinstance(item, dict) else None
        errors = [("invalid", message) for message in invalid]
        if isinstance(external_id, str):
            if external_id in seen:
                errors.append(
                    ("duplicate_in_request", f"external_id {external_id} appears earlier in this request")
                )
            seen.add(external_id)
        if declaration is not None:
            errors.extend(_claim_errors(declaration, people, known_types, today))
        if errors or declaration is None:
            result.results.append(_rejected(external_id, errors))
            continue
        try:
            outcome, action_id, exercises = _record(
                declaration, people[declaration.rpps], declarant, source, actor, today, channel, catalogue
            )
        except ActionRefused as refused:
            result.results.append(_rejected(external_id, [(refused.code, refused.message)]))
            continue
        touched.update((e.pk, e) for e in exercises)
        if outcome != Outcome.DUPLICATE:
            recorded.append(action_id)
        status = "accepted" if outcome in (Outcome.ACCEPTED, Outcome.MERGED) else outcome.value
        result.results.append(
            {"external_id": declaration.external_id, "status": status, "action_id": str(action_id)}
        )
    if recorded:
        flag_claims(list(Action.objects.filter(pk__in=recorded)), declarant_id=declarant.pk, actor=actor)
    if touched:
        refresh_status(exercises=list(touched.values()), today=today, catalogue=catalogue)
    return result


def _claim_errors(
    declaration: DeclarationIn, people: dict[str, Professional], known_types: frozenset[str], today: date
) -> list[tuple[str, str]]:
    """The checks that need no account (several may apply at once)."""
    errors = []
    if declaration.rpps not in people:
        errors.append(("unknown_rpps", f"no professional with RPPS {declaration.rpps}"))
    if declaration.action_type not in known_types:
        errors.append(
            ("unknown_action_type", f"no published référentiel has action type {declaration.action_type}")
        )
    if declaration.end_date > today:
        errors.append(("future_date", f"end_date {declaration.end_date} is after today ({today})"))
    return errors


def _record(
    declaration: DeclarationIn,
    professional: Professional,
    declarant: Declarant,
    source: Source,
    actor: Actor,
    today: date,
    channel: Channel,
    catalogue: Any,
) -> tuple[Outcome, int, tuple[Exercise, ...]]:
    kwargs = {
        "professional": professional,
        "type_code": declaration.action_type,
        "end_date": declaration.end_date,
        "start_date": declaration.start_date,
        "title": declaration.title,
        "hours": declaration.hours,
        "axis": declaration.axis,
        "source": source,
        "channel": channel,
        "actor": actor,
        "today": today,
        "declarant_id": declarant.pk,
        "external_id": declaration.external_id,
        "catalogue": catalogue,
        "refresh": False,
    }
    for attempt in (1, 2):
        try:
            with transaction.atomic():  # a savepoint: this declaration, whole or not at all
                recorded = record_action(**kwargs)
            return recorded.outcome, recorded.action.pk, recorded.exercises
        except IntegrityError:
            # Another request recorded the same (declarant, external_id) meanwhile: replay it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
