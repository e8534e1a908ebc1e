"""Plans partagés in a real browser: an employer's staff signs in, opens the list and one plan with
the keyboard; axe-core on both pages; axis-4 content never shows (D-40)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import record_action
from certipro.space.plan import TypeOption, add_planned_action
from certipro.space.plan_sharing import share_plan
from tests.browser.test_portal_browser import PASSWORD, sign_in_with_the_keyboard

ACTOR = Actor.command("test")
ITEMS = [
    ("MG-FC", "Formation continue", 1),
    ("MG-EPP", "Audit clinique", 2),
    ("MG-COM", "Communication avec le patient", 3),
    ("MG-STRESS", "Gestion du stress", 4),
]


@pytest.fixture
def shared_plan(referentiels: None, import_rows: Any, live_server: Any) -> str:
    """Julien Bernard, salaried, shares a plan on the four axes with the hospital that declared an
    action for him; alice is a member of the hospital's staff."""
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,S,2010-06-01")
    bernard = Professional.objects.get(rpps="10000000025")
    user = User.objects.create_user(bernard.rpps, professional=bernard)
    hospital, _, _ = create_declarant(kind="employer", name="CH Exemple", actor=ACTOR)
    hospital.members.add(User.objects.create_user("alice", password=PASSWORD))
    today = timezone.localdate()
    record_action(
        professional=bernard, type_code="MG-FC", end_date=today, source=Source.EMPLOYER,
        channel=Channel.API, actor=ACTOR, today=today, declarant_id=hospital.pk, external_id="E-1",
    )  # fmt: skip
    exercise = Exercise.objects.get(professional=bernard)
    for code, title, axis in ITEMS:
        add_planned_action(
            professional=bernard, user=user, exercise=exercise, option=TypeOption(code, title, axis),
            target_date=date(2030, 6, 1), note="", period_end=date(2031, 12, 31), today=today,
        )  # fmt: skip
    share_plan(professional=bernard, user=user, exercise=exercise, employer=hospital)
    return str(live_server.url)


@pytest.mark.django_db(transaction=True)
def test_an_employer_reads_a_shared_plan(
    page: Any, shared_plan: str, check_accessibility: Any, screenshot: Any
) -> None:
    page.goto(f"{shared_plan}/declarants/")
    sign_in_with_the_keyboard(page)
    page.get_by_role("heading", name="Envois de fichiers", level=1).wait_for()

    page.get_by_role("link", name="Plans partagés").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Plans partagés", level=1).wait_for()
    row = page.locator("table tbody tr")
    assert row.count() == 1 and "10000000025" in row.inner_text()
    check_accessibility("the shared plans")
    screenshot("portal-plans")

    page.get_by_role("link", name="Julien Bernard").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Plan de Julien Bernard", level=1).wait_for()
    assert page.get_by_role("cell", name="Audit clinique").is_visible()
    assert "1 action prévue. Son contenu est privé" in page.content()
    assert "Gestion du stress" not in page.content()
    check_accessibility("a shared plan")
    screenshot("portal-plan")
    assert AuditEntry.objects.filter(verb="plan.viewed", role="employer").count() == 1
