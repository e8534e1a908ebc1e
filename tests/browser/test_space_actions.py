"""Mes actions in a real browser: declare an action with a PDF, see it counted, contest a claim;
axe-core on every page of the journey (serious or critical violations fail)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from certipro.actions.models import Action, ActionState, Source
from certipro.directory.models import Professional
from certipro.space.forms_actions import declarable_types
from certipro.space.models_actions import Evidence
from tests.browser.test_space_journey import expected_status

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def axis_counts(page: Any) -> list[str]:
    rows = page.locator("section").first.get_by_role("table", name="Avancement par axe").locator("tbody tr")
    return [re.sub(r"\s+", " ", r.locator("td").first.inner_text()).strip() for r in rows.all()]


def test_declare_with_evidence_then_contest_a_claim(
    page: Any, check_accessibility: Any, screenshot: Any, demo_site: str
) -> None:
    first = Professional.objects.order_by("pk").first()
    assert first is not None
    claim = (
        Action.objects.filter(professional=first, state=ActionState.ATTESTED)
        .exclude(source=Source.PROFESSIONAL)
        .order_by("pk")
        .first()
    )
    assert claim is not None, "the demo gives the first professional a third party's claim"
    today = timezone.localdate()
    status = expected_status(first)
    open_axes = [a["axis"] for a in status["axes"] if a["status"] == "in_progress"]
    choice = next(t for t in declarable_types(first, today) if t.axis in open_axes and t.evidence != "none")

    page.goto(f"{demo_site}/mon-espace/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name=f"{first.first_name} {first.last_name}").click()
    page.get_by_role("button", name="Je confirme et j'active mon compte").click()
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()
    before = axis_counts(page)

    page.get_by_role("link", name="Déclarer une action").first.click()
    page.get_by_role("heading", name="Déclarer une action", level=1).wait_for()
    check_accessibility("the declaration form")
    # An empty form: the errors are listed, linked to their fields, and accessible.
    page.get_by_role("button", name="Enregistrer l'action").click()
    page.get_by_role("heading", name="Le formulaire contient des erreurs").wait_for()
    assert page.get_by_label("Intitulé").get_attribute("aria-invalid") == "true"
    check_accessibility("the declaration form with errors")

    page.get_by_label("Type d'action").select_option(choice.value)
    page.get_by_label("Intitulé").fill("Formation au navigateur")
    page.get_by_label("Date de fin").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Justificatif").set_input_files(
        files=[{"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Enregistrer l'action").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Formation au navigateur", level=1).wait_for()
    assert page.get_by_role("link", name=re.compile("attestation.pdf")).count() == 1
    assert Evidence.objects.get(action__professional=first).content_type == "application/pdf"
    check_accessibility("an action's page")
    screenshot("space-action")

    page.get_by_role("link", name="Ma certification").click()
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()
    after = axis_counts(page)
    index = choice.axis - 1
    done, required = (int(n) for n in before[index].split("/"))
    assert after[index] == f"{done + 1}/{required}"

    page.get_by_role("link", name="Toutes mes actions et déclarations reçues").first.click()
    page.get_by_role("heading", name="Déclarations reçues").wait_for()
    check_accessibility("the actions list")
    screenshot("space-actions")
    page.locator(f"a[href='/mon-espace/actions/{claim.pk}/#contester']").click()
    page.get_by_label("Motif de la contestation").fill("Je n'ai jamais suivi cette formation.")
    page.get_by_role("button", name="Contester", exact=True).click()
    page.get_by_text("Votre contestation est enregistrée").wait_for()
    claim.refresh_from_db()
    assert claim.state == ActionState.CONTESTED
    check_accessibility("a contested action's page")

    page.get_by_role("link", name="Qui a consulté mon compte").first.click()
    page.get_by_role("heading", name="Qui a consulté mon compte", level=1).wait_for()
    check_accessibility("who viewed my account")
    page.get_by_role("link", name="Mes données").first.click()
    page.get_by_role("heading", name="Mes données", level=1).wait_for()
    check_accessibility("my data")
