"""Judges a batch of declarations, each on its own (contracts/declarations.md).

The declarations app only reads the API's and the CSV's formats: each declaration is parsed
field by field (`schemas.parse_declaration`), an external_id sent twice in the request is
refused, and the rest go, as claims of the declarant, to the one entry point that records claims
(`entrypoints.claims.record_claims`): the checks, D-32 replays and corrections, D-33 merges, D-34
flags, the snapshot refresh and the notices are its, for a form's claim as for 5,000 of these.

The whole batch runs in one transaction: one bad declaration never blocks the others, and after
a crash or a lost connection nothing of the batch is half-written, so replaying the whole request
is always safe (D-32 makes the replay a no-op for what was recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from certipro.actions.models import Channel, Declarant, DeclarantKind, Outcome, Source
from certipro.audit.journal import Actor
from certipro.declarations.schemas import parse_declaration
from certipro.entrypoints.claims import Claim, ClaimResult, record_claims

MAX_DECLARATIONS = 5000
SOURCES = {DeclarantKind.ORGANISM: Source.ORGANISM, DeclarantKind.EMPLOYER: Source.EMPLOYER}
STATUSES = {
    Outcome.ACCEPTED: "accepted",
    Outcome.MERGED: "accepted",  # D-33: for the declarant, its declaration was accepted
    Outcome.UPDATED: "updated",
    Outcome.DUPLICATE: "duplicate",
}


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


def _result(external_id: str, recorded: ClaimResult) -> dict[str, Any]:
    if recorded.outcome is None:
        return _rejected(external_id, [(e.code, e.message) for e in recorded.errors])
    return {
        "external_id": external_id,
        "status": STATUSES[recorded.outcome],
        "action_id": str(recorded.action_id),
    }


@transaction.atomic
def judge_batch(
    items: Sequence[Any], *, declarant: Declarant, actor: Actor, today: date, channel: Channel
) -> BatchResult:
    """Judges and records `items` for `declarant`; `actor` is who sent them (a token, a user)."""
    results: list[dict[str, Any] | None] = []
    claims: list[tuple[int, Claim]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        declaration, invalid = parse_declaration(item)
        external_id = item.get("external_id") if isinstance(item, dict) else None
        errors = [("invalid", message) for message in invalid]
        if isinstance(external_id, str):
            if external_id in seen:
                errors.append(
                    ("duplicate_in_request", f"external_id {external_id} appears earlier in this request")
                )
            seen.add(external_id)
        if errors or declaration is None:
            results.append(_rejected(external_id, errors))
            continue
        results.append(None)  # once recorded
        claim = Claim(
            rpps=declaration.rpps,
            type_code=declaration.action_type,
            end_date=declaration.end_date,
            start_date=declaration.start_date,
            title=declaration.title,
            hours=declaration.hours,
            axis=declaration.axis,
            external_id=declaration.external_id,
        )
        claims.append((index, claim))
    recorded = record_claims(
        [c for _, c in claims],
        source=SOURCES[DeclarantKind(declarant.kind)],
        channel=channel,
        actor=actor,
        today=today,
        declarant_id=declarant.pk,
        declarant_name=declarant.name,
    )
    for (index, claim), result in zip(claims, recorded, strict=True):
        results[index] = _result(claim.external_id, result)
    return BatchResult(results=[r for r in results if r is not None])
