"""A batch refreshes the snapshot of every account it changes (certipro/entrypoints/claims.py),
whatever it holds: new declarations, a merge (D-33), a replay and corrections (D-32), one moving an
action to another profession (D-13), one moving it away from a person the batch does not name."""

from __future__ import annotations

from typing import Any

import pytest

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, Channel, Declarant, Source
from certipro.audit.journal import Actor
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import refresh_status
from certipro.declarations.intake import judge_batch
from certipro.directory.models import Exercise, Professional
from tests.certification.conftest import population  # noqa: F401 - `population` is a fixture
from tests.certification.test_bulk import FIELDS
from tests.conftest import TODAY
from tests.declarations.conftest import declaration

SENDER = Actor(label="ODPC Exemple (token:1)", role="organism")
GP, CARDIO, NURSE, BOTH = "10000000017", "10000000025", "10000000033", "10000000041"
LATECOMER, OUTSIDE, CHANGED = "10000000066", "10000000074", "10000000082"


def _judge(declarant: Declarant, items: list[dict[str, Any]]) -> dict[str, Any]:
    result = judge_batch(items, declarant=declarant, actor=SENDER, today=TODAY, channel=Channel.API)
    return result.as_response()


def _on(rpps: str, type_code: str, end: str, external_id: str) -> dict[str, Any]:
    return declaration(
        external_id=external_id, rpps=rpps, action_type=type_code, start_date=end, end_date=end
    )


@pytest.fixture
def sent(population: None) -> Declarant:  # noqa: F811
    """A training body, and what it sent before the batch: what the batch corrects and replays."""
    declarant = create_declarant(kind="organism", name="ODPC Exemple", actor=Actor.command("test"))[0]
    before = [
        _on(BOTH, "IDE-COM", "2026-09-01", "X-1"),  # the nursing exercise, since the resumption
        _on(OUTSIDE, "MG-DPC", "2025-05-01", "X-2"),
        _on(CARDIO, "CA-DPC", "2025-11-01", "X-3"),
    ]
    assert _judge(declarant, before)["accepted"] == 3
    return declarant


def _batch() -> list[dict[str, Any]]:
    return [
        _on(GP, "MG-DPC", "2023-04-01", "B-merge"),  # D-33: the GP self-declared it
        _on(NURSE, "IDE-FC", "2026-01-05", "B-1"),
        _on(CHANGED, "CA-COM", "2026-03-01", "B-2"),  # after the change of specialty (D-14)
        _on(CHANGED, "MG-DPC", "2024-03-01", "B-3"),  # before it
        _on(LATECOMER, "MG-DPC", "2026-10-15", "B-4"),
        _on(BOTH, "MG-DPC", "2024-03-01", "X-1"),  # D-32 correction to the other profession (D-13)
        _on(GP, "MG-DPC", "2025-05-02", "X-2"),  # D-32 correction away from OUTSIDE, not named here
        _on(CARDIO, "CA-DPC", "2025-11-01", "X-3"),  # D-32 replay
        _on("99999999999", "MG-DPC", "2025-05-01", "B-unknown"),
    ]


def _expected_statuses(body: dict[str, Any]) -> list[str]:
    return [r["status"] for r in body["results"]]


def _snapshots() -> set[tuple[Any, ...]]:
    return set(StatusSnapshot.objects.values_list(*FIELDS))


@pytest.mark.django_db
def test_d32_d33_d13_a_batch_refreshes_every_account_it_changes(sent: Declarant) -> None:
    """New declarations, a merge (D-33), corrections moving an action to the other profession
    (D-13) and away from someone the batch does not name (D-32), a replay: each account that
    gained or lost an action holds, after the batch, the snapshot a refresh of everyone writes."""
    body = _judge(sent, _batch())
    assert _expected_statuses(body) == ["accepted"] * 5 + ["updated", "updated", "duplicate", "rejected"]
    written = {s[0]: s for s in _snapshots()}
    StatusSnapshot.objects.all().delete()
    refresh_status(exercises=list(Exercise.objects.order_by("pk")), today=TODAY)
    reference = {s[0]: s for s in _snapshots()}  # the current periods (not those ended meanwhile)
    assert {period: written[period] for period in reference} == reference
    assert len(reference) >= 8


@pytest.mark.django_db
def test_d32_a_correction_moving_an_action_away_from_someone_outside_the_batch_refreshes_them(
    sent: Declarant,
) -> None:
    """Their account was not read with the batch's: the refresh reads it, and it loses the action."""
    outside = Exercise.objects.get(professional__rpps=OUTSIDE)
    assert StatusSnapshot.objects.get(professional_id=outside.professional_id).counted_1 == 1
    _judge(sent, _batch())
    assert Action.objects.get(external_id="X-2").professional.rpps == GP
    written = _snapshots()
    StatusSnapshot.objects.all().delete()
    refresh_status(exercises=list(Exercise.objects.order_by("pk")), today=TODAY)
    reference = _snapshots()
    assert {s for s in written if s[1] == outside.professional_id} == {
        s for s in reference if s[1] == outside.professional_id
    }
    assert StatusSnapshot.objects.get(professional_id=outside.professional_id).counted_1 == 0
    gp = Professional.objects.get(rpps=GP)
    assert {s for s in written if s[1] == gp.pk} == {s for s in reference if s[1] == gp.pk}
    assert Action.objects.filter(professional=gp, source=Source.ORGANISM, external_id="B-merge").exists()
