"""`record_actions_bulk` decides as `record_action` does, and writes the same rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bench.loader import Claim, record_actions_bulk
from certipro.actions.models import Action, ActionTransition, Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import load_catalogue
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.entrypoints.actions import ActionRefused, record_action
from tests.conftest import TODAY

ACTOR = Actor.command("test")
ROW_FIELDS = [
    "professional_id",
    "profession_id",
    "type_code",
    "title",
    "start_date",
    "end_date",
    "hours",
    "axis",
]
ROW_FIELDS += ["state", "source", "channel", "external_id"]


@pytest.fixture
def people(referentiels: None, import_rows: Callable[..., Any]) -> dict[str, int]:
    import_rows(
        "10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01",
        "10000000025,Bernard,Julien,,10,SM04,13,S,2024-09-16",
        "10000000041,Roux,Paul,,60,,33,S,2015-01-01",
        "10000000041,Roux,Paul,,10,SM54,33,S,2023-06-01",
    )
    return dict(Professional.objects.values_list("rpps", "pk"))


def claims(people: dict[str, int]) -> list[Claim]:
    gp, cardio, both = people["10000000017"], people["10000000025"], people["10000000041"]
    return [
        Claim(gp, "MG-DPC", date(2024, 5, 1), title="DPC\tavec tabulation", hours=Decimal("7.5")),
        Claim(gp, "MG-RMM", date(2025, 5, 1), axis=2),  # accepted, with a chosen axis
        Claim(gp, "MG-RMM", date(2025, 5, 1), axis=3),  # invalid: not an axis of the type
        Claim(gp, "MG-DPC", date(2027, 1, 1)),  # future_date
        Claim(gp, "NOPE", date(2024, 1, 1)),  # unknown_action_type
        Claim(gp, "MG-DPC", date(2022, 6, 1)),  # outside_cycle
        Claim(gp, "CA-DPC", date(2024, 1, 1)),  # not_in_referentiel
        Claim(gp, "MG-DPC", date(2024, 2, 1), start_date=date(2024, 3, 1)),  # invalid dates
        Claim(gp, "MG-DPC", date(2024, 2, 1), hours=Decimal(0)),  # invalid hours
        Claim(cardio, "CA-DPC", date(2024, 1, 1)),  # before their period: outside_cycle
        Claim(cardio, "CA-COM", date(2025, 1, 1), external_id="ref-1"),
        Claim(both, "IDE-COM", date(2024, 1, 1)),  # the nursing exercise
        Claim(both, "MG-DPC", date(2024, 1, 1)),  # the medical one
        Claim(both, "MG-DPC", date(2024, 1, 1), profession="60"),  # not_in_referentiel there
        Claim(both, "MG-DPC", date(2023, 3, 1)),  # medicine starts later: not_in_referentiel
        Claim(both, "MG-SANTE", date(2024, 1, 1)),
    ]


def single(claim: Claim, source: Source) -> str:
    try:
        record_action(
            professional=Professional.objects.get(pk=claim.professional_id),
            type_code=claim.type_code,
            end_date=claim.end_date,
            source=source,
            channel=Channel.FILE,
            actor=ACTOR,
            today=TODAY,
            profession=claim.profession,
            start_date=claim.start_date,
            title=claim.title,
            hours=claim.hours,
            axis=claim.axis,
            declarant_id=claim.declarant_id,
            external_id=claim.external_id,
        )
    except ActionRefused as refused:
        return refused.code
    return "accepted"


def rows() -> list[tuple[Any, ...]]:
    return sorted(Action.objects.values_list(*ROW_FIELDS), key=repr)


@pytest.mark.django_db
@pytest.mark.parametrize("source", [Source.PROFESSIONAL, Source.ORGANISM, Source.EMPLOYER, Source.HAS])
def test_same_decisions_codes_and_rows_as_record_action(people: dict[str, int], source: Source) -> None:
    items = claims(people)
    expected = [single(c, source) for c in items]
    expected_rows = rows()
    assert "not_declarable" in expected or source in (Source.PROFESSIONAL, Source.HAS)
    Action.objects.all().delete()
    snapshots = list(StatusSnapshot.objects.values_list("period_id", "counted_1", "updated_at"))
    audits = AuditEntry.objects.count()

    report = record_actions_bulk(
        items, actor=ACTOR, today=TODAY, source=source, channel=Channel.FILE, catalogue=load_catalogue()
    )

    assert [r.outcome or r.code for r in report.results] == expected
    assert rows() == expected_rows
    assert ActionTransition.objects.filter(reason="accepted").count() >= report.accepted
    assert set(Action.objects.values_list("pk", flat=True)) == set(
        ActionTransition.objects.filter(action__isnull=False).values_list("action_id", flat=True)
    )
    assert AuditEntry.objects.count() == audits + 1  # one entry for the batch
    # Snapshots are the caller's job (the bulk recompute), not refreshed per action.
    assert list(StatusSnapshot.objects.values_list("period_id", "counted_1", "updated_at")) == snapshots


@pytest.mark.django_db
def test_batches_and_unknown_professionals(people: dict[str, int]) -> None:
    gp = people["10000000017"]
    items = [Claim(gp, "MG-DPC", date(2024, 1, d)) for d in range(1, 11)] + [
        Claim(999_999, "MG-DPC", date(2024, 1, 1))
    ]
    audits = AuditEntry.objects.count()
    report = record_actions_bulk(
        items,
        actor=ACTOR,
        today=TODAY,
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        catalogue=load_catalogue(),
        batch_size=4,
    )
    assert report.accepted == 10
    assert report.error_codes() == {"unknown_rpps": 1}
    assert AuditEntry.objects.count() == audits + 3  # three batches wrote actions
    assert Action.objects.filter(professional_id=gp).count() == 10


@pytest.mark.django_db
def test_declarant_references_replay_as_in_record_action(people: dict[str, int]) -> None:
    from certipro.actions.models import Declarant

    gp = people["10000000017"]
    body = Declarant.objects.create(kind="organism", name="Organisme")
    first = Claim(gp, "MG-FC", date(2024, 1, 1), declarant_id=body.pk, external_id="X-1")
    changed = Claim(gp, "MG-FC", date(2024, 1, 2), declarant_id=body.pk, external_id="X-1")
    report = record_actions_bulk(
        [first, first, changed],
        actor=ACTOR,
        today=TODAY,
        source=Source.ORGANISM,
        channel=Channel.API,
        catalogue=load_catalogue(),
    )
    assert [r.outcome for r in report.results] == ["accepted", "duplicate", "updated"]
    assert Action.objects.get(declarant_id=body.pk).end_date == date(2024, 1, 2)
