"""The declarants' portal in a real browser: sign in, upload a file, read and download its rejections."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from certipro.accounts.models import User
from certipro.actions.models import Declarant

PASSWORD = "un mot de passe solide"
FILE = "\n".join(
    [
        "external_id,rpps,action_type,title,start_date,end_date,hours",
        "S-1,10000000017,MG-DPC,Insuffisance cardiaque,2025-03-10,2025-03-11,14",
        "S-2,99999999999,MG-DPC,,,2025-03-11,",
        "=S-3,10000000017,XX-NOPE,,,2025-03-11,",
        "S-4,10000000017,MG-COM,Annonce,,2025-04-01,3",
    ]
)


@pytest.fixture
def portal(settings: Any, tmp_path: Path, dr_martin: Any, live_server: Any) -> str:
    # Inline tasks: the upload is processed before its page is shown (the progress is covered in
    # tests/declarations; here the journey needs a finished file).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    declarant = Declarant.objects.create(kind="organism", name="ODPC Exemple")
    declarant.members.add(User.objects.create_user("alice", password=PASSWORD))
    return str(live_server.url)


def sign_in_with_the_keyboard(page: Any) -> None:
    page.get_by_label("Identifiant", exact=True).focus()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


@pytest.mark.django_db(transaction=True)
def test_upload_a_file_and_read_its_rejections(
    page: Any, portal: str, tmp_path: Path, check_accessibility: Any, screenshot: Any
) -> None:
    page.goto(f"{portal}/declarants/")
    assert "/connexion/" in page.url
    check_accessibility("the sign-in page")
    screenshot("portal-connexion")
    sign_in_with_the_keyboard(page)

    page.get_by_role("heading", name="Envois de fichiers", level=1).wait_for()
    check_accessibility("the uploads page")
    lot = tmp_path / "lot.csv"
    lot.write_text(FILE, encoding="utf-8")
    page.get_by_label("Fichier CSV de déclarations").set_input_files(str(lot))
    page.get_by_role("button", name="Envoyer le fichier").click()

    page.get_by_role("heading", name="Envoi « lot.csv »").wait_for()
    status = page.locator("#progress-status")
    status.filter(has_text="Terminé").wait_for()
    upload_id = page.url.rstrip("/").split("/")[-1]
    assert page.locator(f"progress#progress-{upload_id}").get_attribute("value") == "100"
    assert page.get_by_text("Acceptées : 2").is_visible() and page.get_by_text("Rejetées : 2").is_visible()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "3" in rows.nth(0).inner_text() and "RPPS inconnu" in rows.nth(0).inner_text()
    assert "=S-3" in rows.nth(1).inner_text() and "Type d'action inconnu" in rows.nth(1).inner_text()
    check_accessibility("an upload's page")
    screenshot("portal-envoi")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger les rejets (CSV)").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert [row[:3] for row in lines] == [
        ["line", "external_id", "codes"],
        ["3", "S-2", "unknown_rpps"],
        ["4", "'=S-3", "unknown_action_type"],
    ]

    page.get_by_role("link", name="Envois de fichiers").click()
    page.get_by_role("link", name="lot.csv").wait_for()
    screenshot("portal-envois")

    page.get_by_role("link", name="Mes déclarations").click()
    page.get_by_role("heading", name="2 déclarations").wait_for()
    page.get_by_label("Référence (external_id)").fill("S-4")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("heading", name="1 déclaration trouvée").wait_for()
    assert page.locator("table tbody tr").count() == 1
    check_accessibility("my declarations")
    screenshot("portal-declarations")


@pytest.mark.django_db(transaction=True)
def test_a_file_with_a_wrong_header_is_refused_with_a_clear_message(
    page: Any, portal: str, tmp_path: Path, check_accessibility: Any, screenshot: Any
) -> None:
    page.goto(f"{portal}/connexion/")
    sign_in_with_the_keyboard(page)
    bad = tmp_path / "mauvais.csv"
    bad.write_text("id,rpps\nS-1,10000000017\n", encoding="utf-8")
    page.get_by_label("Fichier CSV de déclarations").set_input_files(str(bad))
    page.get_by_role("button", name="Envoyer le fichier").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "colonne(s) manquante(s)" in alert.inner_text()
    assert "Aucune déclaration de ce fichier n'a été enregistrée" in alert.inner_text()
    check_accessibility("the uploads page with an error")
    screenshot("portal-erreur")
