"""The entry point that records an action: checks, provenance and states (domain D-22, D-30 to D-33)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.entrypoints.actions import ActionRefused, Outcome, change_action_state, record_action
from tests.conftest import TODAY

ACTOR = Actor.command("test")
ORG_A, ORG_B = 7001, 7002


@pytest.fixture(autouse=True)
def declarants(db: None) -> None:
    from certipro.actions.models import Declarant

    Declarant.objects.create(pk=ORG_A, kind="organism", name="Organisme A")
    Declarant.objects.create(pk=ORG_B, kind="organism", name="Organisme B")


def declare(
    professional: Professional, type_code: str = "MG-DPC", end: date = date(2025, 3, 11), **kw: Any
) -> Any:
    kw.setdefault("source", Source.PROFESSIONAL)
    return record_action(
        professional=professional,
        type_code=type_code,
        end_date=end,
        channel=Channel.COMMAND,
        actor=ACTOR,
        today=TODAY,
        **kw,
    )


def counted(professional: Professional) -> list[int]:
    s = StatusSnapshot.objects.get(professional=professional, period__state="open")
    return [s.counted_1, s.counted_2, s.counted_3, s.counted_4]


@pytest.mark.django_db
def test_recording_updates_the_snapshot_logs_and_audits(dr_martin: Professional) -> None:
    recorded = declare(dr_martin)
    assert recorded.outcome == Outcome.ACCEPTED
    assert recorded.action.state == ActionState.DECLARED
    assert counted(dr_martin) == [1, 0, 0, 0]
    assert recorded.action.transitions.get().to_state == "declared"
    assert AuditEntry.objects.filter(verb="action.accepted", professional_id=dr_martin.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"end": date(2026, 11, 23)}, "future_date"),
        ({"type_code": "NOPE-1"}, "unknown_action_type"),
        ({"type_code": "CA-DPC"}, "not_in_referentiel"),
        ({"type_code": "IDE-FC"}, "not_in_referentiel"),
        ({"end": date(2022, 12, 31)}, "outside_cycle"),
        ({"start_date": date(2025, 4, 1)}, "invalid"),
        ({"hours": Decimal(0)}, "invalid"),
        ({"hours": Decimal(2001)}, "invalid"),
        ({"axis": 3}, "invalid"),
        (
            {"type_code": "MG-SANTE", "source": Source.ORGANISM, "declarant_id": 1, "external_id": "X"},
            "not_declarable",
        ),
    ],
)
def test_refused_claims_name_their_reason_and_write_nothing(
    dr_martin: Professional, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ActionRefused) as refused:
        declare(dr_martin, **kwargs)
    assert refused.value.code == code
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_d22_action_on_the_first_and_last_day_of_the_period_counts(
    referentiels: None, import_rows: Callable[..., Any]
) -> None:
    import_rows("10000000025,Durand,Paul,,10,SM54,75,L,2024-09-15")
    durand = Professional.objects.get(rpps="10000000025")
    declare(durand, end=date(2024, 9, 15))
    with pytest.raises(ActionRefused) as refused:
        declare(durand, end=date(2024, 9, 14), type_code="MG-FC")
    assert refused.value.code == "outside_cycle"
    assert counted(durand)[0] == 1


@pytest.mark.django_db
def test_d32_the_same_declaration_again_changes_nothing(dr_martin: Professional) -> None:
    first = declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    again = declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    assert again.outcome == Outcome.DUPLICATE
    assert again.action.pk == first.action.pk
    assert Action.objects.count() == 1
    assert first.action.transitions.count() == 1


@pytest.mark.django_db
def test_d32_a_changed_declaration_is_a_correction(dr_martin: Professional) -> None:
    first = declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    corrected = declare(
        dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1", type_code="MG-EPP"
    )
    assert corrected.outcome == Outcome.UPDATED
    assert corrected.action.pk == first.action.pk
    assert Action.objects.get().type_code == "MG-EPP"
    assert counted(dr_martin) == [0, 1, 0, 0]


@pytest.mark.django_db
def test_d32_same_reference_from_another_declarant_is_another_action(dr_martin: Professional) -> None:
    declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_B, external_id="S-1", type_code="MG-FC")
    assert Action.objects.count() == 2


@pytest.mark.django_db
def test_d33_attestation_of_a_self_declared_action_merges_into_it(dr_martin: Professional) -> None:
    own = declare(dr_martin, start_date=date(2025, 3, 10), end=date(2025, 3, 11))
    attested = declare(
        dr_martin,
        start_date=date(2025, 3, 11),
        end=date(2025, 3, 12),
        source=Source.ORGANISM,
        declarant_id=ORG_A,
        external_id="S-1",
    )
    assert attested.outcome == Outcome.MERGED
    assert attested.action.pk == own.action.pk
    action = Action.objects.get()
    assert (action.state, action.source, action.external_id) == ("attested", "organism", "S-1")
    assert counted(dr_martin) == [1, 0, 0, 0]


@pytest.mark.django_db
def test_d33_no_merge_when_dates_do_not_overlap(dr_martin: Professional) -> None:
    declare(dr_martin, end=date(2025, 3, 11))
    declare(dr_martin, end=date(2025, 6, 1), source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    assert Action.objects.count() == 2
    assert counted(dr_martin) == [2, 0, 0, 0]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [ActionState.CONTESTED, ActionState.WITHDRAWN, ActionState.REJECTED])
def test_d31_contested_withdrawn_and_rejected_actions_do_not_count(
    dr_martin: Professional, state: ActionState
) -> None:
    recorded = declare(dr_martin, source=Source.ORGANISM, declarant_id=ORG_A, external_id="S-1")
    assert counted(dr_martin) == [1, 0, 0, 0]
    change_action_state(recorded.action, to=state, actor=ACTOR, reason="test", today=TODAY)
    assert counted(dr_martin) == [0, 0, 0, 0]
    assert [t.to_state for t in recorded.action.transitions.all()] == ["attested", state.value]
