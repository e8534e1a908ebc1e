"""Changer de référentiel (D-14) and Modifier mes dates de certification (D-16): the owner's pages."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certipro.accounts.models import User
from certipro.actions.models import Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.directory.models import Holding, Professional
from certipro.entrypoints.actions import record_action
from certipro.space.models import Activation
from certipro.space.models_documents import DateChangeRequest, DateChangeTransition, DateRequestState
from certipro.space.requests import RequestError, transition
from tests.conftest import TODAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
REF_URL, DATES_URL = "/mon-espace/referentiel/10/", "/mon-espace/dates/10/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


@pytest.fixture
def owner(dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    return client


@pytest.fixture
def stranger(import_rows: Any) -> Client:
    import_rows("10000000025,Durand,Paul,,10,SM54,75,L,2010-06-01")
    other = Professional.objects.get(rpps="10000000025")
    Activation.objects.create(professional=other)
    client = Client()
    client.force_login(User.objects.create_user("10000000025", professional=other))
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def counted(professional: Professional) -> list[int]:
    statuses = evaluate_exercises(list(professional.exercises.all()), as_of=TODAY, catalogue=load_catalogue())
    return [a.counted for a in statuses[0].evaluation.axes]


# --- Changer de référentiel (D-14) ---


def test_the_page_lists_the_professions_published_referentiels_with_the_current_one_marked(
    owner: Client,
) -> None:
    page = text(owner.get(REF_URL))
    assert "Médecine générale (test) Actuel" in page and "Cardiologie (test)" in page
    assert "Infirmier (test)" not in page  # another profession's
    assert "axe 3 : 3 actions requises au lieu de 2" in page
    assert "8 types d'actions" in page and "4 types d'actions" in page


def test_choosing_asks_for_confirmation_then_applies_from_today_and_keeps_the_history(
    owner: Client, dr_martin: Professional
) -> None:
    record_action(
        professional=dr_martin, type_code="MG-DPC", end_date=date(2025, 3, 11), source=Source.PROFESSIONAL,
        channel=Channel.COMMAND, actor=Actor.command("test"), today=TODAY,
    )  # fmt: skip
    page = text(owner.post(REF_URL, {"code": "T-CARDIO"}))
    assert "Confirmer le changement de référentiel" in page
    assert "Les actions que vous avez déjà réalisées continuent de compter" in page
    assert not Holding.objects.filter(chosen_referentiel="T-CARDIO").exists()

    response = owner.post(REF_URL, {"code": "T-CARDIO", "confirm": "1"})
    assert response["Location"] == "/mon-espace/"
    dashboard = text(owner.get("/mon-espace/"))
    assert "Votre référentiel a été changé : Cardiologie (test)." in dashboard
    assert "Cardiologie (test) (T-CARDIO@2025-01)" in dashboard
    assert counted(dr_martin)[0] == 1  # the action done under the former référentiel still counts
    assert AuditEntry.objects.filter(verb="referentiel.chosen", professional_id=dr_martin.pk).exists()
    history = text(owner.get(REF_URL))
    assert "Historique de mes référentiels" in history and "changement de référentiel" in history
    assert "Cardiologie (test) Actuel" in history

    # Back to the référentiel of the specialty (choose_referentiel with code=None).
    assert "Revenir au référentiel de ma spécialité" in history
    owner.post(REF_URL, {"code": "__default__", "confirm": "1"})
    holding = Holding.objects.filter(exercise__professional=dr_martin, end__isnull=True).get()
    assert holding.chosen_referentiel == ""
    assert "Médecine générale (test) (T-MG@2025-01)" in text(owner.get("/mon-espace/"))


def test_only_the_professions_referentiels_can_be_chosen(owner: Client, dr_martin: Professional) -> None:
    for code in ("T-IDE", "NOPE", "__default__"):
        page = text(owner.post(REF_URL, {"code": code, "confirm": "1"}, follow=True))
        assert "Choisissez un des référentiels proposés." in page
    assert not Holding.objects.exclude(chosen_referentiel="").exists()


# --- Modifier mes dates de certification (D-16) ---


def submit(client: Client, content: bytes = PDF, name: str = "attestation.pdf", **data: Any) -> Any:
    data.setdefault("requested_start", "2024-03-03")
    data.setdefault("reason", "Inscrit à l'ordre le 3 mars 2024.")
    return client.post(DATES_URL, {**data, "document": SimpleUploadedFile(name, content)})


def test_a_request_is_submitted_with_its_document_and_awaits_the_order(
    owner: Client, dr_martin: Professional, media: Path
) -> None:
    page = text(owner.get(DATES_URL))
    assert "Votre période actuelle va du 1 janvier 2023 au 31 décembre 2031." in page
    response = submit(owner)
    assert response["Location"] == DATES_URL
    request = DateChangeRequest.objects.get(professional=dr_martin)
    assert (request.state, request.requested_start, request.requested_end) == (
        "submitted",
        date(2024, 3, 3),
        None,
    )
    assert (request.current_start, request.current_end) == (date(2023, 1, 1), date(2031, 12, 31))
    # Stored under MEDIA_ROOT under a random name, not the one the professional's file had.
    assert request.document.name.startswith(f"date-requests/{dr_martin.pk}/")
    assert "attestation" not in request.document.name
    assert (media / request.document.name).read_bytes() == PDF
    assert request.document_type == "application/pdf" and request.document_name == "attestation.pdf"
    assert [(t.from_state, t.to_state) for t in request.transitions.all()] == [("", "submitted")]
    assert AuditEntry.objects.get(verb="date_request.submitted").professional_id == dr_martin.pk
    page = text(owner.get(DATES_URL))
    assert "Transmise à l'ordre" in page and "en cours d'examen" in page
    # One request at a time: a second waits for the first to be decided or withdrawn.
    assert "Nouvelle demande" not in page
    submit(owner, requested_start="", requested_end="2032-06-30")
    assert DateChangeRequest.objects.count() == 1


@pytest.mark.parametrize("content", [PNG, JPEG])
def test_images_are_accepted_by_their_content(owner: Client, content: bytes) -> None:
    submit(owner, content=content, name="scan.bin")
    assert DateChangeRequest.objects.get().document_type in ("image/png", "image/jpeg")


def test_documents_are_checked_by_content_size_and_presence(owner: Client, settings: Any) -> None:
    page = text(submit(owner, content=b"MZ\x90\x00not a pdf", name="attestation.pdf"))
    assert "Le justificatif doit être un fichier PDF, JPEG ou PNG." in page
    settings.CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES = 1024
    assert "dépasse la taille autorisée" in text(submit(owner, content=PDF + b"0" * 2000))
    settings.CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    page = text(owner.post(DATES_URL, {"requested_start": "2024-03-03", "reason": "x"}))
    assert "Ce champ est obligatoire." in page
    page = text(submit(owner, requested_start=""))
    assert "Indiquez la date de début ou de fin que vous demandez." in page
    assert "Les dates demandées sont celles de votre période actuelle." in text(
        submit(owner, requested_start="2023-01-01")
    )
    assert not DateChangeRequest.objects.exists()


def test_the_professional_withdraws_a_pending_request_only(
    owner: Client, stranger: Client, dr_martin: Professional
) -> None:
    submit(owner)
    request = DateChangeRequest.objects.get()
    url = f"{DATES_URL}{request.pk}/retrait/"
    assert stranger.post(url).status_code == 404
    assert owner.post(url)["Location"] == DATES_URL
    request.refresh_from_db()
    assert request.state == DateRequestState.WITHDRAWN
    assert [t.to_state for t in request.transitions.all()] == ["submitted", "withdrawn"]
    assert AuditEntry.objects.filter(verb="date_request.withdrawn", professional_id=dr_martin.pk).exists()
    assert "ne peut plus changer d'état" in text(owner.post(url, follow=True))
    # Withdrawn, the period can take a new request.
    assert "Nouvelle demande" in text(owner.get(DATES_URL))


def test_the_life_cycle_is_a_state_machine(owner: Client) -> None:
    submit(owner)
    request = DateChangeRequest.objects.get()
    order = Actor.command("order")
    transition(request, to=DateRequestState.ACCEPTED, actor=order, reason="inscription vérifiée")
    for to in (DateRequestState.REFUSED, DateRequestState.WITHDRAWN, DateRequestState.SUBMITTED):
        with pytest.raises(RequestError):
            transition(request, to=to, actor=order)
    assert DateChangeTransition.objects.filter(request=request).count() == 2


@pytest.mark.parametrize("url", [REF_URL, DATES_URL, "/mon-espace/synthese/10/"])
def test_every_page_is_the_owners_alone(db: None, owner: Client, url: str) -> None:
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    assert staff.get(url).status_code == 404
    assert owner.get(url.replace("/10/", "/60/")).status_code == 404  # a profession they do not hold
    assert Client().get(url)["Location"].startswith("/mon-espace/connexion/")
