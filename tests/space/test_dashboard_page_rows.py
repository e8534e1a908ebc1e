"""The owner's dashboard is built from the rows `page_facts` read with the page's version
(space/dashboard_cache.py), not read again: those rows, turned back into model instances, must
give the very page that reading each table gives (the path of staff's view of an account).

A date parsed wrongly, a missing end, a specialty list or a chosen référentiel lost on the way
would show a professional the wrong period, référentiel or axes: each is exercised here, on
PostgreSQL and SQLite (their texts of dates, JSON and nulls differ).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from certipro.actions.models import ActionState, Source
from certipro.actions.services import change_action_state
from certipro.certification.models import Exemption, Period, PeriodState
from certipro.certification.periods import end_period
from certipro.directory.models import Professional
from certipro.directory.services import choose_referentiel
from certipro.space.dashboard import build_dashboard
from certipro.space.dashboard_cache import page_facts
from tests.conftest import TODAY
from tests.space.test_dashboard import declare, text
from tests.space.test_dashboard_cache import ACTOR


def both_ways(professional: Professional, today: date = TODAY) -> list[Any]:
    from_rows = build_dashboard(professional, today=today, owner=True, page=page_facts(professional.pk))
    read = build_dashboard(professional, today=today, owner=True)
    assert from_rows == read
    return from_rows


def test_the_page_from_its_facts_rows_equals_the_page_read_table_by_table(
    dr_martin: Professional, import_rows: Any
) -> None:
    # Two professions, one with a specialty; a chosen référentiel; an exemption with an end and
    # one without; actions counted, contested, by a third party; a period ended early.
    import_rows(
        "10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,claire@example.org,60,,75,S,2024-09-16",
    )
    gp = dr_martin.exercises.get(profession_id="10")
    nurse = dr_martin.exercises.get(profession_id="60")
    choose_referentiel(exercise=gp, code="T-CARDIO", on=date(2025, 1, 1), actor=ACTOR, today=TODAY)
    Exemption.objects.create(
        professional=dr_martin, exercise=gp, axis=3, reason="t", start=date(2023, 1, 1), end=date(2027, 1, 1)
    )
    Exemption.objects.create(
        professional=dr_martin, exercise=nurse, axis=4, reason="t", start=date(2025, 1, 1)
    )
    # Judged against the référentiel of their end date (D-14): T-MG before 2025, T-CARDIO after.
    declare(dr_martin, "CA-DPC", profession="10", title="Insuffisance cardiaque")
    declare(dr_martin, "MG-EPP", date(2024, 5, 2), profession="10", source=Source.EMPLOYER)
    contested = declare(dr_martin, "MG-FC", date(2024, 6, 3), profession="10", source=Source.EMPLOYER)
    change_action_state(contested, to=ActionState.CONTESTED, actor=ACTOR, reason="pas moi", today=TODAY)
    declare(dr_martin, "IDE-FC", date(2025, 3, 11), profession="60")

    sections = both_ways(dr_martin)
    assert [s.profession_code for s in sections] == ["10", "60"]
    gp_section = sections[0]
    assert gp_section.specialties and gp_section.referentiels[0][1].startswith("T-CARDIO@")
    assert [a.status for a in gp_section.axes][2] == "exempt"
    assert [a.status for a in sections[1].axes][3] == "exempt"

    period = Period.objects.get(exercise=gp)
    end_period(period, on=TODAY - timedelta(days=1), state=PeriodState.ENDED_INTERRUPTION, reason="test")
    ended = both_ways(dr_martin)[0]
    assert ended.end == TODAY - timedelta(days=1)
    # Before the early end was recorded, the period ran to its scheduled end (evaluation.period_as_of).
    assert both_ways(dr_martin, today=TODAY - timedelta(days=30))[0].end == period.scheduled_end


def test_an_account_without_exercise_shows_no_period(activated: Any, dr_martin: Professional) -> None:
    dr_martin.exercises.all().delete()
    assert "Aucune période de certification n'est ouverte pour vous aujourd'hui." in text(
        activated.get("/mon-espace/")
    )
