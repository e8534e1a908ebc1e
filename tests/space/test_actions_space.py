"""Mes actions: declare with evidence (D-35), see and contest third-party claims (D-34), a private
rating and note (D-40); every page the owner's only."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certipro.accounts.models import User
from certipro.actions.checks import ActionRefused
from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.entrypoints.actions import record_action
from certipro.referentiels.models import ActionType
from certipro.space.models import Activation
from certipro.space.models_actions import ActionNote, Evidence
from tests.conftest import TODAY

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ACTOR = Actor.command("test")


def declare(professional: Professional, type_code: str, end: date = date(2025, 3, 11), **kw: Any) -> Action:
    kw.setdefault("source", Source.PROFESSIONAL)
    return record_action(
        professional=professional, type_code=type_code, end_date=end, channel=Channel.COMMAND, actor=ACTOR,
        today=TODAY, **kw,
    ).action  # fmt: skip


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def me(dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    return client


@pytest.fixture
def bernard(import_rows: Any) -> Professional:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    return Professional.objects.get(rpps="10000000025")


@pytest.fixture
def staff(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("agent", is_staff=True))
    return client


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "10:MG-FC",
        "title": "Insuffisance cardiaque",
        "start_date": "2025-03-10",
        "end_date": "2025-03-11",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- Who may see ---------------------------------------------------------------------------------


def test_every_page_is_the_owners_only(
    me: Client, dr_martin: Professional, bernard: Professional, staff: Client
) -> None:
    mine = declare(dr_martin, "MG-FC")
    theirs = declare(bernard, "MG-FC")
    pages = ["/mon-espace/actions/", "/mon-espace/actions/declarer/", "/mon-espace/consultations/",
             "/mon-espace/mes-donnees/", "/mon-espace/mes-donnees/certipro.json"]  # fmt: skip
    for url in [*pages, f"/mon-espace/actions/{mine.pk}/"]:
        assert me.get(url).status_code == 200, url
        assert staff.get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    assert me.get(f"/mon-espace/actions/{theirs.pk}/").status_code == 404
    assert me.post(f"/mon-espace/actions/{theirs.pk}/avis/", {"note": "x"}).status_code == 404
    assert me.post(f"/mon-espace/actions/{theirs.pk}/contester/", {"reason": "x"}).status_code == 404
    assert not ActionNote.objects.exists()


def test_a_professional_who_has_not_activated_is_sent_to_activation(dr_martin: Professional) -> None:
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    assert client.get("/mon-espace/actions/")["Location"] == "/mon-espace/activation/"


# --- Declare -------------------------------------------------------------------------------------


def test_the_form_offers_the_types_i_may_declare_grouped_by_axis(me: Client) -> None:
    ActionType.objects.filter(code="MG-STRESS").update(declarable_by=["employer"])
    page = me.get("/mon-espace/actions/declarer/").content.decode()
    assert '<optgroup label="Axe 1 — Actualiser ses connaissances et ses compétences">' in page
    assert '<optgroup label="Axe 4 — Mieux prendre en compte sa santé personnelle">' in page
    assert 'value="10:MG-SANTE"' in page and 'value="10:MG-STRESS"' not in page
    assert 'enctype="multipart/form-data"' in page


def test_a_declared_action_with_a_pdf_counts_and_keeps_its_evidence(
    me: Client, dr_martin: Professional, media: Path
) -> None:
    upload = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    response = me.post("/mon-espace/actions/declarer/", form(evidence=upload))
    action = Action.objects.get(professional=dr_martin)
    assert response["Location"] == f"/mon-espace/actions/{action.pk}/"
    assert (action.source, action.channel, action.state) == ("professional", "web", "declared")
    assert action.title == "Insuffisance cardiaque" and action.start_date == date(2025, 3, 10)
    evidence = Evidence.objects.get(action=action)
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert evidence.original_name == "attestation.pdf" and len(evidence.sha256) == 64
    assert "attestation" not in evidence.file.name and "10000000017" not in evidence.file.name
    assert stored_files(media)[0].read_bytes() == PDF
    assert StatusSnapshot.objects.get(professional=dr_martin).counted_1 == 1
    download = me.get(f"/mon-espace/justificatifs/{evidence.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="attestation.pdf"'
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": (TODAY + timedelta(days=1)).isoformat()}, "end_date", "ne peut pas être dans le futur"),
        ({"start_date": None, "end_date": "2022-06-01"}, "end_date", "pas dans une de vos périodes"),
        ({"start_date": "2025-03-12"}, "start_date", "doit précéder la date de fin"),
        ({"end_date": ""}, "end_date", "Ce champ est obligatoire"),
        ({"type": "10:MG-NOPE"}, "type", "Sélectionnez un choix valide"),
    ],
)
def test_a_refusal_is_shown_next_to_its_field_and_keeps_what_was_typed(
    me: Client,
    dr_martin: Professional,
    overrides: dict[str, Any],
    field: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The dates above are relative to TODAY, not to the day the suite runs.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    response = me.post("/mon-espace/actions/declarer/", form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    page = response.content.decode()
    assert f'aria-describedby="id_{field}-desc-error"' in page and f'href="#id_{field}"' in page
    assert 'value="Insuffisance cardiaque"' in page
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("code", "field"),
    [("not_in_referentiel", "type"), ("not_declarable", "type"), ("unknown_action_type", "type")],
)
def test_each_refusal_of_the_engine_names_its_field(
    me: Client, monkeypatch: pytest.MonkeyPatch, code: str, field: str
) -> None:
    def refuse(**_: Any) -> Any:
        raise ActionRefused(code, "refused")

    monkeypatch.setattr("certipro.space.services_actions.record_action", refuse)
    response = me.post("/mon-espace/actions/declarer/", form())
    assert list(response.context["form"].errors) == [field]


def test_a_pdf_named_png_is_kept_as_a_pdf(me: Client, dr_martin: Professional) -> None:
    upload = SimpleUploadedFile("scan.png", PDF, content_type="image/png")
    me.post("/mon-espace/actions/declarer/", form(evidence=upload))
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf" and evidence.file.name.endswith(".pdf")
    download = me.get(f"/mon-espace/justificatifs/{evidence.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    download.close()


def test_a_png_is_accepted(me: Client) -> None:
    me.post("/mon-espace/actions/declarer/", form(evidence=SimpleUploadedFile("photo.PNG", PNG)))
    assert Evidence.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("attestation.pdf", b"Ceci n'est pas un PDF", "ni un PDF, ni une image"),
        ("big.pdf", PDF + b"0" * 4096, "taille maximale"),
        ("empty.pdf", b"", "vide"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(
    me: Client, settings: Any, media: Path, name: str, content: bytes, message: str
) -> None:
    settings.CERTIPRO_EVIDENCE_MAX_BYTES = 2048
    response = me.post("/mon-espace/actions/declarer/", form(evidence=SimpleUploadedFile(name, content)))
    errors = response.context["form"].errors
    assert list(errors) == ["evidence"] and message in errors["evidence"][0]
    assert not Action.objects.exists() and not Evidence.objects.exists() and stored_files(media) == []


def test_a_refused_action_stores_no_file(me: Client, media: Path) -> None:
    upload = SimpleUploadedFile("attestation.pdf", PDF)
    me.post("/mon-espace/actions/declarer/", form(end_date="2022-06-01", start_date=None, evidence=upload))
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_a_failure_after_the_file_is_written_removes_it(
    me: Client, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("journal down")

    monkeypatch.setattr("certipro.space.services_actions.record", broken)
    with pytest.raises(RuntimeError):
        me.post("/mon-espace/actions/declarer/", form(evidence=SimpleUploadedFile("a.pdf", PDF)))
    assert not Action.objects.exists() and stored_files(media) == []


def test_evidence_required_or_refused_by_the_type(me: Client) -> None:
    ActionType.objects.filter(code="MG-FC").update(evidence="required")
    ActionType.objects.filter(code="MG-DPC").update(evidence="none")
    response = me.post("/mon-espace/actions/declarer/", form())
    assert "demande un justificatif" in response.context["form"].errors["evidence"][0]
    upload = SimpleUploadedFile("a.pdf", PDF)
    response = me.post("/mon-espace/actions/declarer/", form(type="10:MG-DPC", evidence=upload))
    assert "ne prend pas de justificatif" in response.context["form"].errors["evidence"][0]
    assert not Action.objects.exists()


def test_evidence_is_downloadable_by_its_owner_only(
    me: Client, dr_martin: Professional, bernard: Professional, staff: Client
) -> None:
    me.post("/mon-espace/actions/declarer/", form(evidence=SimpleUploadedFile("a.pdf", PDF)))
    evidence = Evidence.objects.get()
    other = Client()
    other.force_login(User.objects.create_user("10000000025", professional=bernard))
    Activation.objects.create(professional=bernard)
    assert other.get(f"/mon-espace/justificatifs/{evidence.pk}/").status_code == 404
    assert staff.get(f"/mon-espace/justificatifs/{evidence.pk}/").status_code == 404
    assert Client().get(f"/mon-espace/justificatifs/{evidence.pk}/").status_code == 302


# --- Third-party claims --------------------------------------------------------------------------


def test_third_party_claims_are_listed_with_their_provenance(me: Client, dr_martin: Professional) -> None:
    declare(dr_martin, "MG-COM", source=Source.ORGANISM, title="Annonce difficile")
    declare(dr_martin, "MG-SANTE", title="Bilan cardiologique personnel")
    page = text(me.get("/mon-espace/actions/"))
    received = page.split("Déclarations reçues", 1)[1].split("Mes déclarations")[0]
    assert (
        "Annonce difficile" in received and "Organisme de formation" in received and "Contester" in received
    )
    # D-40: axis-4 titles are shown to their owner.
    assert "Bilan cardiologique personnel" in page.split("Mes déclarations")[1]


def test_contesting_a_claim_needs_a_reason_and_stops_it_counting(me: Client, dr_martin: Professional) -> None:
    action = declare(dr_martin, "MG-COM", source=Source.ORGANISM)
    assert StatusSnapshot.objects.get(professional=dr_martin).counted_3 == 1
    response = me.post(f"/mon-espace/actions/{action.pk}/contester/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["contest_form"].errors
    response = me.post(f"/mon-espace/actions/{action.pk}/contester/", {"reason": "Jamais suivie"})
    assert response["Location"] == f"/mon-espace/actions/{action.pk}/"
    action.refresh_from_db()
    assert action.state == ActionState.CONTESTED
    assert action.transitions.last().reason == "Jamais suivie"  # type: ignore[union-attr]
    assert StatusSnapshot.objects.get(professional=dr_martin).counted_3 == 0
    page = text(me.get(f"/mon-espace/actions/{action.pk}/"))
    assert "Contestée" in page and "Contester cette déclaration" not in page


def test_my_own_declaration_cannot_be_contested(me: Client, dr_martin: Professional) -> None:
    action = declare(dr_martin, "MG-COM")
    me.post(f"/mon-espace/actions/{action.pk}/contester/", {"reason": "x"})
    action.refresh_from_db()
    assert action.state == ActionState.DECLARED


# --- Rating and note -----------------------------------------------------------------------------


def test_a_rating_and_note_are_mine_only(me: Client, dr_martin: Professional, staff: Client) -> None:
    action = declare(dr_martin, "MG-FC", source=Source.ORGANISM)
    response = me.post(
        f"/mon-espace/actions/{action.pk}/avis/", {"quality": "4", "relevance": "2", "note": "Trop théorique"}
    )
    assert response.status_code == 302
    note = ActionNote.objects.get(action=action)
    assert (note.quality, note.relevance, note.note, note.professional) == (4, 2, "Trop théorique", dr_martin)
    assert "Trop théorique" in me.get(f"/mon-espace/actions/{action.pk}/").content.decode()
    assert "Trop théorique" not in staff.get("/mon-espace/professionnels/10000000017/").content.decode()
    assert staff.get(f"/mon-espace/actions/{action.pk}/").status_code == 404
    response = me.post(f"/mon-espace/actions/{action.pk}/avis/", {"quality": "6"})
    assert response.status_code == 400 and "quality" in response.context["note_form"].errors


# --- Query counts --------------------------------------------------------------------------------


def test_the_actions_list_costs_the_same_queries_whatever_the_number_of_actions(
    me: Client, dr_martin: Professional
) -> None:
    declare(dr_martin, "MG-DPC")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert me.get("/mon-espace/actions/").status_code == 200
        return len(queries)

    count()  # the first page of a process reads what it keeps (the DSFR configuration)
    few = count()
    for n in range(20):
        declare(dr_martin, ["MG-FC", "MG-EPP", "MG-COM"][n % 3], end=date(2024, 1, 1) + timedelta(n),
                source=[Source.PROFESSIONAL, Source.ORGANISM][n % 2])  # fmt: skip
    assert count() == few <= 10
