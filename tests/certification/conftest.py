"""The population of every situation the engine distinguishes, shared by the recompute tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.certification.models import Exemption
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import change_action_state, record_action
from certipro.entrypoints.exercises import record_interruption
from tests.conftest import TODAY

ACTOR = Actor.command("test")


def declare(
    rpps: str, type_code: str, end: date, source: Source = Source.PROFESSIONAL, **kwargs: Any
) -> Action:
    professional = Professional.objects.get(rpps=rpps)
    return record_action(
        professional=professional,
        type_code=type_code,
        end_date=end,
        source=source,
        channel=Channel.COMMAND,
        actor=ACTOR,
        today=TODAY,
        **kwargs,
    ).action


@pytest.fixture
def population(referentiels: None, import_rows: Callable[..., Any]) -> None:
    """Every situation the engine distinguishes, built through the real entry points."""
    import_rows(
        "10000000017,Martin,Claire,,10,SM54,75,L,2010-06-01",  # GP, initial period
        "10000000025,Bernard,Julien,,10,SM04,13,S,2024-09-16",  # cardiologist, standard period
        "10000000033,Petit,Anne,,60,,69,S,2001-03-01",  # nurse: count_in_each
        "10000000041,Roux,Paul,,60,,33,S,2015-01-01",  # nurse and GP (two professions)
        "10000000041,Roux,Paul,,10,SM54,33,S,2023-06-01",
        "10000000058,Morel,Lea,,10,SM42,59,L,2012-01-01",  # no référentiel of her specialty
        "10000000066,Simon,Marc,,10,SM54,75,L,2026-10-01",  # registered after the earlier as-of date
        "10000000074,Faure,Ines,,10,SM54,31,L,2005-01-01",  # no action at all
        "10000000082,David,Hugo,,10,SM54,44,L,2008-01-01",  # specialty change, actions on both sides
    )
    for end, code in [
        (date(2023, 3, 1), "MG-RMM"),
        (date(2023, 4, 1), "MG-DPC"),
        (date(2024, 2, 1), "MG-ETP"),
        (date(2024, 5, 1), "MG-ETP"),
        (date(2025, 1, 10), "MG-COM"),
        (date(2025, 6, 1), "MG-SANTE"),
        (date(2026, 2, 1), "MG-RMM"),
    ]:
        declare("10000000017", code, end)
    declare("10000000017", "MG-RMM", date(2026, 3, 1), axis=2)  # the declarant's chosen axis
    contested = declare("10000000017", "MG-FC", date(2026, 4, 1), source=Source.ORGANISM)
    change_action_state(contested, to=ActionState.CONTESTED, actor=ACTOR, reason="not me", today=TODAY)
    for end, code in [
        (date(2025, 1, 1), "CA-DPC"),
        (date(2025, 4, 1), "CA-COM"),
        (date(2026, 1, 1), "CA-COM"),
    ]:
        declare("10000000025", code, end)
    for end, code in [
        (date(2023, 5, 1), "IDE-FC"),
        (date(2024, 5, 1), "IDE-FC"),
        (date(2025, 5, 1), "IDE-SANTE"),
    ]:
        declare("10000000033", code, end)
    declare("10000000041", "IDE-COM", date(2024, 1, 1))
    declare("10000000041", "MG-DPC", date(2024, 1, 1))
    declare("10000000082", "MG-DPC", date(2024, 1, 1))
    declare("10000000082", "MG-EPP", date(2024, 2, 1))
    import_rows("10000000082,David,Hugo,,10,SM04,44,L,2008-01-01", effective_date=date(2025, 6, 1))
    declare("10000000082", "CA-COM", date(2025, 9, 1))
    # An exemption of axis 4 for the nurse; a long interruption for the GP-nurse's nursing.
    nurse = Exercise.objects.get(professional__rpps="10000000033")
    Exemption.objects.create(
        professional_id=nurse.professional_id, exercise=nurse, axis=4, reason="test", start=date(2024, 1, 1)
    )
    record_interruption(
        rpps="10000000041",
        start=date(2023, 2, 1),
        end=date(2026, 6, 30),
        profession="60",
        actor=ACTOR,
        today=TODAY,
    )
