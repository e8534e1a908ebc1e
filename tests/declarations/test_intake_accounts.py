"""A batch reads its professionals' accounts once (exercises, periods, holdings, timelines):
its checks and the refresh of its snapshots share them (certipro/declarations/intake.py). The
refresh must write what it writes when it reads them itself, whatever the batch holds: new
declarations, a merge (D-33), a replay and corrections (D-32), one moving an action to another
profession (D-13), one moving it away from a person the batch does not name."""

from __future__ import annotations

from typing import Any

import pytest

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, Channel, Declarant, Source
from certipro.audit.journal import Actor
from certipro.certification.bulk_io import read_accounts
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import refresh_status
from certipro.declarations import intake
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


class _Undo(Exception):
    def __init__(self, seen: Any) -> None:
        self.seen = seen


@pytest.mark.django_db
def test_nothing_a_batch_writes_changes_the_accounts_its_checks_and_refresh_share(
    sent: Declarant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the refresh may take the rows the checks read: in between, the batch writes actions,
    their transitions, audit entries, D-34 flags and notices, never an exercise, a period or a
    holding, which change only through the directory import, the period services
    (`record_interruption`, date requests, D-15, D-16) and a choice of référentiel (D-14), none of
    which a batch calls. So within its transaction a period cannot end nor a holding change
    between the check and the refresh. (Another transaction committing such a change meanwhile is
    seen by later statements under READ COMMITTED: the unshared refresh had that race too, for a
    change committed after its own read, and the nightly `recompute_status` corrects it.)"""
    refresh, seen = intake.refresh_exercises, []

    def compared(exercise_ids: Any, **kwargs: Any) -> int:
        shared = kwargs["accounts"]
        now = read_accounts(shared.professional_ids, catalogue=shared.catalogue, today=shared.today)
        assert (now.exercises, now.periods, now.holdings) == (
            shared.exercises,
            shared.periods,
            shared.holdings,
        )
        seen.append(set(exercise_ids))
        return refresh(exercise_ids, **kwargs)

    monkeypatch.setattr(intake, "refresh_exercises", compared)
    body = _judge(sent, _batch())
    assert _expected_statuses(body) == ["accepted"] * 5 + ["updated", "updated", "duplicate", "rejected"]
    outside = Exercise.objects.get(professional__rpps=OUTSIDE)
    both = set(Exercise.objects.filter(professional__rpps=BOTH).values_list("pk", flat=True))
    assert outside.pk in seen[0] and both <= seen[0]  # the accounts that lost an action too


@pytest.mark.django_db
def test_a_batch_writes_the_snapshots_its_refresh_writes_when_it_reads_the_accounts_itself(
    sent: Declarant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same batch judged twice from the same database, rolled back in between: sharing the
    accounts (the intake) and not (the refresh reading them itself) give the same snapshots,
    field by field, and the same answers."""

    def judged() -> tuple[list[str], set[tuple[Any, ...]]]:
        try:
            with intake.transaction.atomic():
                body = _judge(sent, _batch())
                raise _Undo((_expected_statuses(body), _snapshots()))
        except _Undo as undo:
            return undo.seen  # type: ignore[no-any-return]

    shared = judged()
    refresh = intake.refresh_exercises
    monkeypatch.setattr(
        intake, "refresh_exercises", lambda ids, *, accounts, **kwargs: refresh(ids, **kwargs)
    )
    assert judged() == shared
    assert len(shared[1]) >= 8


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
