"""A professional's first visit, in a real browser: sign in with (the built-in) Pro Santé Connect,
activate the account, read "Ma certification périodique", sign out of both. Accessible (axe-core)
and keyboard-usable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.status import status_object
from certipro.devidp.identities import UNKNOWN_ID_NAT
from certipro.directory.models import Professional
from certipro.space.dashboard import AXIS_LABELS, AXIS_STATUS

pytestmark = pytest.mark.django_db(transaction=True)


def expected_status(professional: Professional) -> dict[str, Any]:
    exercises = list(professional.exercises.order_by("profession_id"))
    statuses = evaluate_exercises(exercises, as_of=timezone.localdate(), catalogue=load_catalogue())
    return status_object(statuses[0])


def test_first_sign_in_activation_and_dashboard(
    page: Any,
    check_accessibility: Any,
    screenshot: Any,
    demo_site: str,
) -> None:
    page.goto(f"{demo_site}/")
    page.get_by_role("link", name="Se connecter", exact=True).click()
    check_accessibility("the sign-in page")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    assert "/dev-psc/auth?" in page.url
    check_accessibility("the built-in provider's page")
    first = Professional.objects.order_by("pk").first()
    assert first is not None
    page.get_by_role("button", name=f"{first.first_name} {first.last_name}").click()

    page.get_by_role("heading", name="Activer mon compte").wait_for()
    assert page.url.endswith("/mon-espace/activation/")
    check_accessibility("the activation page")
    screenshot("space-activation")
    # The report form opens with the keyboard, then the professional confirms, with the keyboard too.
    page.get_by_role("button", name=re.compile("le signaler à mon ordre")).focus()
    page.keyboard.press("Enter")
    page.get_by_label("Ce qui est inexact").wait_for(state="visible")
    page.get_by_role("button", name="Je confirme et j'active mon compte").focus()
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()
    assert page.url.endswith("/mon-espace/")
    status = expected_status(first)
    section = page.locator("section").first
    assert f"Progression totale : {round(status['progress'] * 100)} %" in re.sub(
        r"\s+", " ", section.inner_text()
    )
    rows = section.get_by_role("table", name="Avancement par axe").locator("tbody tr")
    assert rows.count() == 4
    for row, axis in zip(rows.all(), status["axes"], strict=True):
        cells = [re.sub(r"\s+", " ", c).strip() for c in row.locator("th, td").all_text_contents()]
        counted = "—" if axis["status"] == "exempt" else f"{axis['counted']}/{axis['required']}"
        assert cells == [
            f"{axis['axis']}. {AXIS_LABELS[axis['axis']]}",
            counted,
            AXIS_STATUS[axis["status"]][0],
        ]
    check_accessibility("the dashboard")
    screenshot("space-dashboard")

    # Signing out ends the Pro Santé Connect session too (P12): the next sign-in asks again.
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Votre session Pro Santé Connect est fermée, elle aussi.").wait_for()
    assert page.url.startswith(f"{demo_site}/?state=")
    check_accessibility("the home page after signing out")
    page.get_by_role("link", name="Se connecter", exact=True).click()
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name=f"{first.first_name} {first.last_name}").wait_for()
    assert "/dev-psc/auth?" in page.url


def test_an_unknown_identity_sees_an_accessible_refusal(
    page: Any,
    check_accessibility: Any,
    demo_site: str,
) -> None:
    page.goto(f"{demo_site}/mon-espace/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.locator(f"button[value='{UNKNOWN_ID_NAT}']").click()
    page.get_by_role("heading", name="Votre identifiant n'est pas connu de l'annuaire").wait_for()
    check_accessibility("the refusal page")
