"""The kept dashboard (space/dashboard_cache.py): served again only while nothing it shows changed.

Each test visits once (the page is rendered and kept), changes one thing through the path that
really changes it — the entry point, the COPY path with its recompute, the order's tables with
the status refresh their callers run — and checks that the next visit shows the change at once. A
stale page here would tell a professional an axis is missing after they did the action.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.loader import Claim, record_actions_bulk
from certipro.accounts.models import User
from certipro.actions.models import ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.certification.bulk import recompute_all
from certipro.certification.catalogue import load_catalogue
from certipro.certification.models import Exemption, Period, PeriodState
from certipro.certification.status import refresh_status
from certipro.directory.models import Professional
from certipro.entrypoints.actions import change_action_state
from certipro.entrypoints.exercises import choose_referentiel
from certipro.entrypoints.periods import end_period
from certipro.notifications.services import mark_read
from certipro.space.models import Activation
from certipro.space.services import report_exercise_error
from tests.conftest import TODAY
from tests.space.test_dashboard import declare, text

ACTOR = Actor.command("test")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page(activated: Client) -> Any:
    """The dashboard's words at each call; the first call renders and keeps the page."""

    def visit() -> str:
        response = activated.get("/mon-espace/")
        assert response.status_code == 200
        return text(response)

    visit()
    return visit


def kept(client: Client) -> bool:
    """Whether the next visit is served the kept page (3 queries: session, user, the visit)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/mon-espace/").status_code == 200
    return len(captured) == 3


def test_an_unchanged_account_is_served_its_kept_page(activated: Client) -> None:
    first = activated.get("/mon-espace/").content.decode()
    assert kept(activated)
    second = activated.get("/mon-espace/").content.decode()
    assert TOKEN.sub("", first) == TOKEN.sub("", second) and "Progression totale" in second


def test_an_action_recorded_through_the_entry_point_shows_at_once(page: Any, dr_martin: Professional) -> None:
    assert "Insuffisance cardiaque" not in page()
    declare(dr_martin, "MG-FC", title="Insuffisance cardiaque")
    assert "Insuffisance cardiaque 11 mars 2025 Le professionnel Déclarée" in page()


def test_actions_written_by_copy_show_at_once(page: Any, dr_martin: Professional) -> None:
    assert "1. Actualiser ses connaissances et ses compétences 0/2 En cours" in page()
    claims = [Claim(dr_martin.pk, "MG-DPC", date(2025, 3, d)) for d in (10, 11)]
    report = record_actions_bulk(
        claims, actor=ACTOR, today=TODAY, source=Source.PROFESSIONAL, channel=Channel.FILE,
        catalogue=load_catalogue(),
    )  # fmt: skip
    assert report.accepted == 2
    recompute_all(today=TODAY)  # the COPY path leaves the snapshots to its caller (bench/loader.py)
    assert "1. Actualiser ses connaissances et ses compétences 2/2 Complet" in page()


def test_a_contested_claim_changes_the_page_at_once(page: Any, dr_martin: Professional) -> None:
    action = declare(dr_martin, "MG-EPP", source=Source.EMPLOYER)
    assert "2. Renforcer la qualité de ses pratiques professionnelles 1/2 En cours" in page()
    change_action_state(action, to=ActionState.CONTESTED, actor=ACTOR, reason="pas moi", today=TODAY)
    now = page()
    assert "2. Renforcer la qualité de ses pratiques professionnelles 0/2 En cours" in now
    assert "Contestée" in now


def test_a_period_ended_early_changes_the_page_at_once(page: Any, dr_martin: Professional) -> None:
    mark_read(dr_martin.pk)  # so that the notice of the end is not what changes the page
    assert "31 décembre 2031" in page()
    period = Period.objects.get(professional=dr_martin)
    end_period(period, on=TODAY - timedelta(days=1), state=PeriodState.ENDED_INTERRUPTION, reason="test")
    refresh_status(exercises=[period.exercise], today=TODAY)  # as end_period's callers do
    mark_read(dr_martin.pk)
    assert "31 décembre 2031" not in page()


def test_a_new_name_from_the_directory_shows_at_once(page: Any, import_rows: Any) -> None:
    assert "Claire Martin" in page()
    import_rows("10000000017,Martin-Leroy,Claire,claire@example.org,10,SM54,75,L,2010-06-01")
    assert "Claire Martin-Leroy" in page()


def test_an_error_reported_to_the_order_shows_at_once(page: Any, dr_martin: Professional) -> None:
    assert "signalement d'erreur" not in page()
    report_exercise_error(
        professional=dr_martin,
        user=User.objects.get(professional=dr_martin),
        exercise=dr_martin.exercises.get(),
        message="Ma spécialité est fausse",
    )
    assert "signalement d'erreur" in page()


def test_a_referentiel_chosen_changes_the_page_at_once(page: Any, dr_martin: Professional) -> None:
    assert "Médecine générale (test)" in page()
    exercise = dr_martin.exercises.get()
    choose_referentiel(exercise=exercise, code="T-CARDIO", on=TODAY, actor=ACTOR, today=TODAY)
    assert "Cardiologie (test)" in page()


def test_an_exemption_set_by_the_order_changes_the_page_at_once(page: Any, dr_martin: Professional) -> None:
    assert "Dispensé" not in page()
    exercise = dr_martin.exercises.get()
    Exemption.objects.create(
        professional=dr_martin, exercise=exercise, axis=3, reason="test", start=date(2023, 1, 1)
    )
    # No entry point sets exemptions yet: the one that will refreshes the status, as every such write.
    refresh_status(exercises=[exercise], today=TODAY)
    assert "3. Améliorer la relation avec ses patients" in page() and "Dispensé" in page()


def test_notifications_read_elsewhere_leave_the_page_at_once(
    activated: Client, page: Any, dr_martin: Professional
) -> None:
    declare(dr_martin, "MG-EPP", source=Source.EMPLOYER)  # a third party's claim is announced
    assert "nouvelle notification" in page()
    mark_read(dr_martin.pk)
    assert "nouvelle notification" not in page()


def test_the_language_and_the_day_are_part_of_the_page(
    activated: Client, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counted from TODAY, not from the day the suite runs (around midnight they differ).
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    activated.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "My periodic certification" in page()
    activated.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    before = page()
    assert "Ma certification périodique" in before
    # The time left is counted from today (D-26): tomorrow's page is another page.
    days = re.search(r"Temps restant : .*? \(([\d ]+) jours", before)  # text() made \u202f a space
    assert days is not None
    tomorrow = TODAY + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    after = page()
    left = int(re.sub(r"\D", "", days.group(1)))
    assert f"({left - 1:,} jours".replace(",", " ") in after


def test_the_csrf_token_of_a_kept_page_is_each_browsers_own(
    dr_martin: Professional, activated: Client
) -> None:
    user = User.objects.get(professional=dr_martin)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(user)
    first.get("/mon-espace/")  # rendered and kept
    second.force_login(user)
    assert kept(second)
    token = TOKEN.search(second.get("/mon-espace/").content.decode())
    assert token is not None
    # The kept page's form signs the second browser out: its token matches that browser's cookie.
    response = second.post("/accounts/logout/", {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert second.get("/mon-espace/").status_code == 302
    assert first.get("/mon-espace/").status_code == 200  # the other browser is still signed in


def test_a_flash_message_is_shown_once_and_never_kept(owner: Client) -> None:
    response = owner.post("/mon-espace/activation/", {"action": "confirm"}, follow=True)
    assert "Votre compte est activé" in text(response)
    assert "Votre compte est activé" not in text(owner.get("/mon-espace/"))
    assert kept(owner)


def test_another_professional_is_never_served_someone_elses_page(
    activated: Client, dr_martin: Professional, import_rows: Any
) -> None:
    activated.get("/mon-espace/")
    import_rows("10000000025,Durand,Léa,,60,,69,S,2024-09-16")
    nurse = Professional.objects.get(rpps="10000000025")
    Activation.objects.create(professional=nurse)
    other = Client()
    other.force_login(User.objects.create_user(nurse.rpps, professional=nurse))
    page = text(other.get("/mon-espace/"))
    assert "RPPS 10000000025" in page and "10000000017" not in page


def test_without_a_lifetime_every_visit_renders(activated: Client, settings: Any) -> None:
    settings.CERTIPRO_DASHBOARD_CACHE_SECONDS = 0
    activated.get("/mon-espace/")
    assert not kept(activated)


def test_a_cache_that_fails_leaves_the_page_rendered_not_an_error(activated: Client, settings: Any) -> None:
    # Redis down (nothing listens on port 1): the kept page is an accelerator, never a 500.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    for _ in range(2):
        response = activated.get("/mon-espace/")
        assert response.status_code == 200 and "Progression totale" in text(response)


def test_a_new_release_is_another_page(activated: Client, settings: Any) -> None:
    # CERTIPRO_RELEASE (docs/environment.md): no page rendered by the previous code after a deploy.
    activated.get("/mon-espace/")
    assert kept(activated)
    settings.CERTIPRO_RELEASE = "next"
    assert not kept(activated)
    assert kept(activated)
