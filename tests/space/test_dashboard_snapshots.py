"""design.md: "dashboards read snapshots, never raw actions". The dashboard's figures are the
status snapshot's (certification/queries.py); a write through its entry point refreshes the
snapshot and so changes the kept page's version; a period without a snapshot is shown from the
engine, never an error, and the read writes nothing."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from certipro.accounts.models import User
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.space.dashboard_cache import read_visit, version
from tests.conftest import TODAY
from tests.space.test_dashboard import declare, text


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The visit's today is the tests' TODAY, the day the snapshots were written for."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def test_the_dashboard_shows_the_snapshots_figures(activated: Client, dr_martin: Professional) -> None:
    declare(dr_martin, "MG-DPC")
    # Figures no engine run on these actions would give: only the snapshot can have said them.
    StatusSnapshot.objects.filter(professional=dr_martin).update(
        counted_1=5, counted_3=2, progress=0.5, pace="behind"
    )
    page = text(activated.get("/mon-espace/"))
    assert "1. Actualiser ses connaissances et ses compétences 5/2 Complet" in page
    assert "3. Améliorer la relation avec ses patients 2/2 Complet" in page
    assert "Progression totale : 50 %" in page
    assert "En retard sur le rythme" in page  # the pace's state as of the last refresh


def test_a_write_through_the_entry_point_changes_the_pages_version(
    activated: Client, dr_martin: Professional
) -> None:
    user = User.objects.get(professional=dr_martin)
    before = version(read_visit(dr_martin.pk), user, TODAY)
    assert version(read_visit(dr_martin.pk), user, TODAY) == before
    activated.get("/mon-espace/")  # rendered and kept
    declare(dr_martin, "MG-DPC", title="Insuffisance cardiaque")
    assert version(read_visit(dr_martin.pk), user, TODAY) != before
    assert "Insuffisance cardiaque" in text(activated.get("/mon-espace/"))


def test_a_period_without_a_snapshot_is_shown_from_the_engine_and_nothing_is_written(
    activated: Client, dr_martin: Professional, today: None
) -> None:
    declare(dr_martin, "MG-DPC")
    declare(dr_martin, "MG-EPP")
    with_snapshot = text(activated.get("/mon-espace/"))
    StatusSnapshot.objects.all().delete()  # data written before snapshots existed
    response = activated.get("/mon-espace/")
    assert response.status_code == 200
    without = text(response)
    assert "1. Actualiser ses connaissances et ses compétences 1/2 En cours" in without
    assert re.sub(r"RPPS \d+", "", with_snapshot) == re.sub(r"RPPS \d+", "", without)
    assert not StatusSnapshot.objects.exists()


def test_the_days_left_are_written_in_the_pages_language(
    activated: Client, dr_martin: Professional, today: None
) -> None:
    left = (dr_martin.periods.get().end - TODAY).days + 1
    assert left > 999  # so that the thousands separator shows
    assert f"({left:,} jours".replace(",", " ") in text(activated.get("/mon-espace/"))
    activated.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert f"({left:,} days" in text(activated.get("/mon-espace/"))
