"""The refusals of the professional's space (date requests, evidence, the plan, CNP grants) read
French by default and English once the person chose English in the header's selector; what the
transition log and the journal keep stays French, whatever the language of the page."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from certipro.accounts.grants import GrantRefused, grant_support
from certipro.accounts.models import User
from certipro.accounts.models_grants import Cnp
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.space.evidence import EvidenceRefused, check_file
from certipro.space.models import Activation
from certipro.space.models_documents import DateChangeRequest, DateChangeTransition
from tests.conftest import TODAY

DATES_URL, PLAN_URL = "/mon-espace/dates/10/", "/mon-espace/plan/10/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOT_A_DOCUMENT = (
    "Le justificatif doit être un fichier PDF, JPEG ou PNG.",
    "The supporting document must be a PDF, JPEG or PNG file.",
)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def choose(client: Client, language: str, page: str) -> None:
    """What the header's language selector does (tests/web/test_i18n.py): a cookie, then back."""
    response = client.post("/i18n/setlang/", {"language": language, "next": page})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


@pytest.fixture(autouse=True)
def _today_and_media(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    return client


def request_dates(client: Client, content: bytes, **headers: str) -> Any:
    document = SimpleUploadedFile("attestation.pdf", content)
    data = {"requested_start": "2024-03-03", "reason": "Inscrit à l'ordre le 3 mars 2024."}
    return client.post(DATES_URL, {**data, "document": document}, **headers)


def test_a_refused_document_is_french_by_default_and_english_with_the_english_cookie(owner: Client) -> None:
    french, english = NOT_A_DOCUMENT
    response = request_dates(owner, b"MZ\x90\x00not a pdf", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    # An English browser alone does not switch: French first, whatever Accept-Language says.
    assert french in text(response) and english not in text(response)
    choose(owner, "en", DATES_URL)
    page = text(request_dates(owner, b"MZ\x90\x00not a pdf"))
    assert english in page and french not in page
    choose(owner, "fr", DATES_URL)
    assert french in text(request_dates(owner, b"MZ\x90\x00not a pdf"))
    assert not DateChangeRequest.objects.exists()


def test_a_state_machine_refusal_is_shown_in_english_but_the_log_stays_french(owner: Client) -> None:
    assert request_dates(owner, PDF).status_code == 302
    request = DateChangeRequest.objects.get()
    url = f"{DATES_URL}{request.pk}/retrait/"
    choose(owner, "en", DATES_URL)
    owner.post(url)  # withdrawn
    page = text(owner.post(url, follow=True))  # once more: the state machine refuses
    assert "A request marked “Withdrawn” can no longer change state." in page
    assert "ne peut plus changer d'état" not in page
    # Stored data are written in French, whatever the language of the page that wrote them.
    withdrawn = DateChangeTransition.objects.get(request=request, to_state="withdrawn")
    assert withdrawn.reason == "retirée par le professionnel"
    assert AuditEntry.objects.get(verb="date_request.withdrawn").reason == "retirée par le professionnel"


def test_a_plan_date_refusal_names_the_end_in_the_pages_language(owner: Client) -> None:
    late = {"type": "MG-FC|1", "target_date": "2032-01-01"}
    french = text(owner.post(f"{PLAN_URL}ajouter/", late))
    assert "La date prévue doit tomber au plus tard le 31 décembre 2031" in french
    choose(owner, "en", PLAN_URL)
    english = text(owner.post(f"{PLAN_URL}ajouter/", late))
    assert "The planned date must be on 31 December 2031 at the latest" in english
    assert "décembre" not in english
    past = text(owner.post(f"{PLAN_URL}ajouter/", {**late, "target_date": "2026-11-21"}))
    assert "The planned date cannot be in the past." in past


def test_evidence_and_grant_refusals_follow_the_active_language(dr_martin: Professional) -> None:
    upload = SimpleUploadedFile("attestation.pdf", b"Ceci n'est pas un PDF")
    cnp, user = Cnp(name="CNP", profession_id="10"), User(username="x")

    def refusals() -> tuple[str, str]:
        with pytest.raises(EvidenceRefused) as evidence:
            check_file(upload)
        with pytest.raises(GrantRefused) as grant:
            grant_support(
                professional=dr_martin, user=user, cnp=cnp, scope="everything", days=30, reason="",
                now=datetime(2026, 11, 22, 12, 0),
            )  # fmt: skip
        return evidence.value.message, str(grant.value)

    assert refusals() == (
        "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (son contenu a été vérifié, pas son nom).",
        "Cette étendue d'accès n'existe pas.",
    )
    with translation.override("en"):
        assert refusals() == (
            "This file is neither a PDF nor a JPEG or PNG image (its content was checked, not its name).",
            "This scope of access does not exist.",
        )
