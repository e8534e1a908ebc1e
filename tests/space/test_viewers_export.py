"""Who viewed my account (D-41) and the export of all my data (JSON, and CSV files in a zip)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.actions.models import Source
from certipro.audit.journal import Actor, record
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.space.models import Activation
from tests.space.test_actions_space import PDF, declare, text


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def me(dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    client = Client()
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    return client


def test_a_staff_read_is_listed_and_my_own_doings_are_not(me: Client, dr_martin: Professional) -> None:
    staff = Client()
    staff.force_login(User.objects.create_user("agent.ordre", is_staff=True))
    staff.get("/mon-espace/professionnels/10000000017/")
    me.get("/mon-espace/mes-donnees/certipro.json")  # my own export, journaled as mine
    declare(dr_martin, "MG-COM", source=Source.ORGANISM)  # a change by a third party (a command here)
    page = text(me.get("/mon-espace/consultations/"))
    assert "agent.ordre staff Consultation Consultation de votre compte" in page
    assert "consultation du tableau de bord de certification" in page
    assert "command:test" in page and "Déclaration d'une action" in page
    assert "data.exported" not in page


def test_the_viewers_page_costs_the_same_queries_whatever_the_number_of_entries(
    me: Client, dr_martin: Professional
) -> None:
    actor = Actor(label="agent", role="staff")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert me.get("/mon-espace/consultations/").status_code == 200
        return len(queries)

    record(actor=actor, verb="account_viewed", professional_id=dr_martin.pk)
    count()  # the first page of a process reads what it keeps (the DSFR configuration)
    few = count()
    for _ in range(30):
        record(actor=actor, verb="account_viewed", professional_id=dr_martin.pk)
    assert count() == few <= 10


def test_the_export_holds_my_whole_account_and_nothing_of_anyone_else(
    me: Client, dr_martin: Professional, import_rows: Any
) -> None:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    bernard = Professional.objects.get(rpps="10000000025")
    declare(bernard, "MG-FC", title="Secret de Bernard")
    claim = declare(dr_martin, "MG-COM", source=Source.ORGANISM, title="Annonce")
    me.post(f"/mon-espace/actions/{claim.pk}/contester/", {"reason": "Jamais suivie"})
    me.post(f"/mon-espace/actions/{claim.pk}/avis/", {"quality": "3", "note": "Ma note"})
    upload = SimpleUploadedFile("attestation.pdf", PDF)
    me.post(
        "/mon-espace/actions/declarer/",
        {"type": "10:MG-FC", "title": "Formation", "end_date": "2025-03-11", "evidence": upload},
    )
    response = me.get("/mon-espace/mes-donnees/certipro.json")
    assert response["Content-Disposition"] == 'attachment; filename="certipro-10000000017.json"'
    body = response.content.decode()
    data = json.loads(body)
    assert data["identite"] == [
        {"rpps": "10000000017", "nom": "Martin", "prenom": "Claire", "courriel": "claire@example.org"}
    ]
    assert data["exercices"][0]["profession"] == "10" and data["periodes"][0]["debut"] == "2023-01-01"
    assert data["statuts"][0]["axe1_comptees"] == 1
    titles = {a["intitule"]: a for a in data["actions"]}
    assert titles["Annonce"]["etat"] == "contested" and titles["Annonce"]["source"] == "organism"
    assert {t["motif"] for t in data["transitions"]} >= {"Jamais suivie", "accepted"}
    assert data["avis"] == [
        {
            "action": claim.pk,
            "qualite": 3,
            "utilite": None,
            "note": "Ma note",
            "modifie_le": data["avis"][0]["modifie_le"],
        }
    ]
    assert data["justificatifs"][0]["nom"] == "attestation.pdf" and "file" not in data["justificatifs"][0]
    assert {"action.contested", "evidence.added"} <= {j["action"] for j in data["journal"]}
    # Every message the platform sent me (domain §7), as I read it in my inbox.
    [opened] = data["notifications"]
    assert opened["titre"] == "Votre compte de certification périodique est ouvert"
    assert opened["type"] == "account_opened" and "du 1 janvier 2023 au 31 décembre 2031" in opened["texte"]
    assert "Secret de Bernard" not in body and "10000000025" not in body and "Bernard" not in body
    assert AuditEntry.objects.filter(verb="data.exported", professional_id=dr_martin.pk).count() == 1


def test_the_csv_export_is_one_file_per_section_in_a_zip(me: Client, dr_martin: Professional) -> None:
    declare(dr_martin, "MG-FC", title="Formation", end=date(2025, 3, 11))
    response = me.get("/mon-espace/mes-donnees/certipro-csv.zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {
        "identite.csv",
        "actions.csv",
        "journal.csv",
        "avis.csv",
        "justificatifs.csv",
        "notifications.csv",
    } <= set(archive.namelist())
    rows = list(csv.DictReader(io.StringIO(archive.read("actions.csv").decode("utf-8-sig"))))
    assert rows[0]["intitule"] == "Formation" and rows[0]["fin"] == "2025-03-11"


def test_the_export_holds_my_plan_and_with_whom_i_share_it(me: Client, dr_martin: Professional) -> None:
    me.post(
        "/mon-espace/plan/10/ajouter/",
        {"type": "MG-FC|1", "target_date": "2027-03-01", "note": "Au printemps"},
    )
    data = json.loads(me.get("/mon-espace/mes-donnees/certipro.json").content)
    assert data["plans"][0]["profession"] == "10" and data["plans"][0]["partage_avec"] == ""
    [item] = data["actions_prevues"]
    assert (item["type"], item["axe"], item["date_cible"], item["note"]) == (
        "MG-FC",
        1,
        "2027-03-01",
        "Au printemps",
    )
