"""Mon plan in a real browser: from the dashboard to the plan, a refused date, an item added with
the keyboard, the plan shared with an employer and no longer; axe-core on every page (serious or
critical violations fail)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Channel, Source
from certipro.audit.journal import Actor
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.directory.models import Professional
from certipro.entrypoints.actions import ActionRefused, record_action
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan import plannable_types
from certipro.space.plan_sharing import EMPLOYED_MODES

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor.command("test")


def test_plan_an_action_with_the_keyboard(
    page: Any, check_accessibility: Any, screenshot: Any, demo_site: str
) -> None:
    first = Professional.objects.order_by("pk").first()
    assert first is not None
    page.goto(f"{demo_site}/mon-espace/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name=f"{first.first_name} {first.last_name}").click()
    page.get_by_role("button", name="Je confirme et j'active mon compte").click()
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()

    page.get_by_role("link", name="Mon plan d'actions").first.click()
    page.get_by_role("heading", name="Mon plan d'actions", level=1).wait_for()
    check_accessibility("the plan")
    page.get_by_role("link", name="Ajouter une action à mon plan").click()
    page.get_by_role("heading", name="Ajouter une action à mon plan", level=1).wait_for()
    check_accessibility("the plan's form")

    select = page.get_by_label("Action prévue")
    value = select.locator("option[value*='|']").first.get_attribute("value")
    select.select_option(value)
    page.get_by_label("Date prévue").fill("2099-01-01")
    page.get_by_role("button", name="Ajouter à mon plan").click()
    page.get_by_role("heading", name="Le formulaire contient des erreurs").wait_for()
    assert page.get_by_label("Date prévue").get_attribute("aria-invalid") == "true"
    check_accessibility("the plan's form with errors")

    target = timezone.localdate().replace(day=1).replace(year=timezone.localdate().year + 1)
    page.get_by_label("Date prévue").fill(target.isoformat())
    page.get_by_role("button", name="Ajouter à mon plan").focus()
    page.keyboard.press("Enter")
    page.get_by_text("L'action est ajoutée à votre plan.").wait_for()
    assert PlannedAction.objects.filter(professional=first, target_date=target).count() == 1
    check_accessibility("the plan with an item")
    screenshot("space-plan")
    page.get_by_role("button", name="Retirer").first.focus()
    page.keyboard.press("Enter")
    page.get_by_text("L'action est retirée de votre plan.").wait_for()
    assert not PlannedAction.objects.filter(professional=first).exists()


def test_share_the_plan_with_an_employer_with_the_keyboard(
    page: Any, check_accessibility: Any, demo_site: str
) -> None:
    """Decision 0004: the select offers the employers that declared an action for the professional."""
    first = Professional.objects.order_by("pk").first()
    assert first is not None and first.exercises.get().practice_mode_id in EMPLOYED_MODES
    employer, _, _ = create_declarant(kind="employer", name="CH de démonstration", actor=ACTOR)
    today = timezone.localdate()
    for option in plannable_types(_labels(first, today)):  # the first type an employer may declare
        try:
            record_action(
                professional=first, type_code=option.code, end_date=today, source=Source.EMPLOYER,
                channel=Channel.API, actor=ACTOR, today=today, declarant_id=employer.pk, external_id="DEMO-1",
            )  # fmt: skip
        except ActionRefused:
            continue
        break
    page.goto(f"{demo_site}/mon-espace/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name=f"{first.first_name} {first.last_name}").click()
    page.get_by_role("button", name="Je confirme et j'active mon compte").click()
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()
    page.get_by_role("link", name="Mon plan d'actions").first.click()
    page.get_by_role("heading", name="Partager mon plan avec mon employeur").wait_for()

    page.get_by_label("Employeur").select_option(str(employer.pk))
    page.get_by_role("button", name="Partager mon plan").focus()
    page.keyboard.press("Enter")
    page.locator("#plan-shared").get_by_text(
        "Votre plan est partagé avec « CH de démonstration »."
    ).wait_for()
    assert Plan.objects.get(professional=first).employer == employer
    check_accessibility("the plan, shared")
    page.get_by_role("button", name="Ne plus partager").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Votre plan n'est plus partagé").wait_for()
    assert Plan.objects.get(professional=first).employer is None
    check_accessibility("the plan, no longer shared")


def _labels(professional: Professional, today: Any) -> list[str]:
    """The référentiels that apply to the professional today, as the engine names them."""
    statuses = evaluate_exercises(list(professional.exercises.all()), as_of=today, catalogue=load_catalogue())
    return [label for s in statuses for label in s.evaluation.referentiels]
