"""The professional's documents in a real browser: download the synthèse and read it, change référentiel
and see the dashboard follow, request a change of dates with a PDF. Accessible (axe-core), keyboard-usable."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from certipro.directory.models import Professional
from certipro.space.dashboard import AXIS_LABELS
from certipro.space.models_documents import DateChangeRequest

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Any, site: str, professional: Professional) -> None:
    page.goto(f"{site}/mon-espace/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name=f"{professional.first_name} {professional.last_name}").click()
    page.get_by_role("button", name="Je confirme et j'active mon compte").click()
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()


def test_synthese_referentiel_and_dates_in_the_browser(
    page: Any, check_accessibility: Any, screenshot: Any, demo_site: str
) -> None:
    first = Professional.objects.order_by("pk").first()
    assert first is not None
    sign_in(page, demo_site, first)
    check_accessibility("the dashboard with its document buttons")

    # 1. The synthèse: a PDF download whose text holds the identity, the axes and the title.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Télécharger une synthèse")).first.click()
    download = info.value
    assert download.suggested_filename == f"synthese-certification-{first.rpps}-10.pdf"
    content = Path(download.path()).read_bytes()
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    assert "Synthèse de certification périodique" in text
    assert f"{first.first_name} {first.last_name}" in text and first.rpps in text
    assert all(label in text for label in AXIS_LABELS.values())

    # 2. Changer de référentiel, with the keyboard: pick, confirm, see the dashboard follow.
    page.get_by_role("link", name="Changer de référentiel").first.click()
    page.get_by_role("heading", name="Changer de référentiel", level=1).wait_for()
    check_accessibility("the référentiel page")
    screenshot("space-referentiel")
    cardio = page.get_by_role("radio", name=re.compile(r"^Cardiologie et médecine cardiovasculaire"))
    cardio.focus()
    page.keyboard.press("Space")
    assert cardio.is_checked()
    page.get_by_role("button", name="Continuer").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Confirmer le changement de référentiel").wait_for()
    check_accessibility("the référentiel confirmation page")
    page.get_by_role("button", name="Confirmer le changement").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ma certification périodique", level=1).wait_for()
    section = re.sub(r"\s+", " ", page.locator("section").first.inner_text())
    assert "Cardiologie et médecine cardiovasculaire (exemple illustratif)" in section

    # 3. Modifier mes dates de certification: a request with its supporting PDF.
    page.get_by_role("link", name="Modifier mes dates de certification").first.click()
    page.get_by_role("heading", name="Modifier mes dates de certification", level=1).wait_for()
    check_accessibility("the date-change request page")
    page.get_by_label("Date de fin demandée").fill("2032-06-30")
    page.get_by_label("Motif de la demande").fill("Interruption d'exercice de six mois en 2024 (congé).")
    page.get_by_label("Justificatif").set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer ma demande à mon ordre").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Votre demande a été transmise à votre ordre").wait_for()
    assert page.get_by_text("Transmise à l'ordre").count() >= 1
    check_accessibility("the date-change request page with a pending request")
    screenshot("space-dates")
    request = DateChangeRequest.objects.get(professional=first)
    assert request.state == "submitted" and str(request.requested_end) == "2032-06-30"
