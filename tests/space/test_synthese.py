"""The synthèse (D-53): a PDF of the account for the period, stored as an artefact and rendered again
only when its data change (style.md item 9); the owner's alone (404 for anyone else)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from certipro.accounts.models import User
from certipro.actions.models import Action, Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.entrypoints.actions import record_action
from certipro.space import synthese as synthese_module
from certipro.space.models import Activation
from certipro.space.models_documents import Synthese
from certipro.space.synthese import french_date
from tests.conftest import TODAY

ACTOR = Actor.command("test")
URL = "/mon-espace/synthese/10/"


def declare(professional: Professional, type_code: str, end: date = date(2025, 3, 11), **kw: Any) -> Action:
    kw.setdefault("source", Source.PROFESSIONAL)
    recorded = record_action(
        professional=professional, type_code=type_code, end_date=end, channel=Channel.COMMAND, actor=ACTOR,
        today=TODAY, **kw,
    )  # fmt: skip
    return recorded.action


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def owner(dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    return client


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    # The référentiels of the tests are published relative to TODAY: the pages see that day.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def download(client: Client) -> bytes:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_synthese_holds_identity_period_referentiel_axes_and_every_action(
    owner: Client, dr_martin: Professional
) -> None:
    declare(dr_martin, "MG-DPC")
    declare(dr_martin, "MG-FC", title="Insuffisance cardiaque")
    declare(dr_martin, "MG-EPP", source=Source.EMPLOYER)
    declare(dr_martin, "MG-SANTE", title="Bilan cardiologique personnel")
    content = download(owner)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "Synthèse de certification périodique" in text
    assert f"Document généré le {french_date(timezone.localtime().date())}" in text
    assert "Claire Martin" in text and "10000000017" in text and "Médecin" in text
    assert "1er janvier 2023" in text and "31 décembre 2031" in text
    assert "Médecine générale (test) (T-MG, version 2025-01)" in text
    assert "1. Actualiser ses connaissances et ses compétences 2 / 2 Complet" in text
    assert "2. Renforcer la qualité de ses pratiques professionnelles 1 / 2 En cours" in text
    assert "3. Améliorer la relation avec ses patients 0 / 2 En cours" in text
    assert "4. Mieux prendre en compte sa santé personnelle 1 / 2 En cours" in text
    assert "Progression totale : 50 %" in text
    # Every action with its source and state, axis 4 included: it is the owner's own document.
    assert "Insuffisance cardiaque" in text and "Programme de DPC" in text
    assert "Bilan cardiologique personnel" in text and "Employeur" in text and "Déclarée" in text
    entry = AuditEntry.objects.get(verb="synthese.generated")
    assert entry.professional_id == dr_martin.pk


def test_unchanged_data_serve_the_stored_artefact_without_rendering_again(
    owner: Client, dr_martin: Professional, monkeypatch: pytest.MonkeyPatch, media: Path
) -> None:
    declare(dr_martin, "MG-DPC")
    first = download(owner)
    stored = Synthese.objects.get(professional=dr_martin)

    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("rendered again although the data did not change")

    monkeypatch.setattr(synthese_module, "render_pdf", refuse)
    assert download(owner) == first
    again = Synthese.objects.get(professional=dr_martin)
    assert (again.file.name, again.generated_at, again.pdf_sha256) == (
        stored.file.name,
        stored.generated_at,
        stored.pdf_sha256,
    )
    assert AuditEntry.objects.filter(verb="synthese.generated").count() == 1


def test_a_new_action_renders_a_new_synthese_and_drops_the_old_file(
    owner: Client, dr_martin: Professional, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    declare(dr_martin, "MG-DPC")
    download(owner)
    stored = Synthese.objects.get(professional=dr_martin)
    declare(dr_martin, "MG-COM", title="Annonce d'un diagnostic")
    with django_capture_on_commit_callbacks(execute=True):
        text = pdf_text(download(owner))
    assert "Annonce d'un diagnostic" in text
    renewed = Synthese.objects.get(professional=dr_martin)
    assert renewed.data_hash != stored.data_hash and renewed.file.name != stored.file.name
    assert not (media / stored.file.name).exists() and (media / renewed.file.name).exists()
    assert AuditEntry.objects.filter(verb="synthese.generated").count() == 2


def test_the_synthese_is_the_owners_alone(owner: Client, dr_martin: Professional, import_rows: Any) -> None:
    import_rows("10000000025,Durand,Paul,,10,SM54,75,L,2010-06-01")
    other = Professional.objects.get(rpps="10000000025")
    Activation.objects.create(professional=other)
    stranger = Client()
    stranger.force_login(User.objects.create_user("10000000025", professional=other))
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    download(owner)
    # Another professional only ever reaches their own synthèse: the URL names no account.
    assert "Paul Durand" in pdf_text(download(stranger))
    assert staff.get(URL).status_code == 404
    assert owner.get("/mon-espace/synthese/60/").status_code == 404
    assert Client().get(URL).status_code == 302
