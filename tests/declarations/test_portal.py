"""The declarants' portal: who sees what, file uploads and their results, search, query counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, ApiToken, Channel, Declarant
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.declarations.api import token_actor
from certipro.declarations.intake import judge_batch
from certipro.declarations.portal import services
from certipro.declarations.portal.access import declarants_of
from certipro.declarations.portal.csvfile import CsvProblem, records
from certipro.declarations.portal.models import FileUpload, UploadLine, UploadStatus

HEADER = "external_id,rpps,action_type,title,start_date,end_date,hours"
GOOD = "S-1,10000000017,MG-DPC,Insuffisance cardiaque,2025-03-10,2025-03-11,14"
MIXED = "\n".join(
    [
        HEADER,
        GOOD,  # line 2: accepted
        "S-2,99999999999,MG-DPC,,,2025-03-11,",  # line 3: unknown_rpps
        "=HYPERLINK(x),10000000017,XX-NOPE,,,2025-03-11,",  # line 4: unknown_action_type, formula-like id
        "",  # blank lines are skipped, but they count in the line numbers
        "S-1,10000000017,MG-EPP,,,2025-03-11,",  # line 6: duplicate_in_request
        "S-5,10000000017,MG-FC",  # line 7: wrong field count
        "S-6,10000000017,MG-COM,Annonce,,2025-04-01,3",  # line 8: accepted
    ]
)


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def member(organism: tuple[Declarant, str], dr_martin: Any) -> User:
    user = User.objects.create_user("alice", password="un mot de passe solide")
    organism[0].members.add(user)
    return user


@pytest.fixture
def staff(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture
def other(db: None) -> tuple[Declarant, str]:
    declarant, _, token = create_declarant(kind="employer", name="CHU Ailleurs", actor=Actor.command("test"))
    return declarant, token


@pytest.fixture
def upload(
    staff: Client, organism: tuple[Declarant, str], django_capture_on_commit_callbacks: Any
) -> Callable:
    def send(text: str | bytes, name: str = "lot.csv") -> Any:
        data = text.encode() if isinstance(text, str) else text
        with django_capture_on_commit_callbacks(execute=True):
            return staff.post(
                f"/declarants/{organism[0].pk}/", {"file": SimpleUploadedFile(name, data, "text/csv")}
            )

    return send


def declare(token: str, *external_ids: str, **fields: str) -> None:
    items = [
        {"external_id": e, "rpps": "10000000017", "action_type": "MG-DPC", "end_date": "2025-03-11", **fields}
        for e in external_ids
    ]
    api_token = ApiToken.objects.select_related("declarant").get(prefix=token.split("_")[1])
    judge_batch(
        items,
        declarant=api_token.declarant,
        actor=token_actor(api_token),
        today=timezone.localdate(),
        channel=Channel.API,
    )


# --- who may see what ---


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_sign_in_page(
    client: Client, organism: tuple[Declarant, str]
) -> None:
    for url in (
        "/declarants/",
        f"/declarants/{organism[0].pk}/",
        f"/declarants/{organism[0].pk}/declarations/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")


@pytest.mark.django_db
def test_a_non_member_gets_404_everywhere(upload: Callable, client: Client, organism: Any) -> None:
    sent = FileUpload.objects.get() if upload(MIXED).status_code == 302 else None
    assert sent is not None
    client.force_login(User.objects.create_user("mallory", password="x"))
    base = f"/declarants/{organism[0].pk}"
    for url in ("/declarants/", f"{base}/", f"{base}/declarations/", f"{base}/envois/{sent.pk}/",
                f"{base}/envois/{sent.pk}/etat/", f"{base}/envois/{sent.pk}/rejets.csv"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/", {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 404


@pytest.mark.django_db
def test_an_inactive_declarant_or_user_gives_no_access(member: User, organism: Any) -> None:
    assert list(declarants_of(member)) == [organism[0]]
    Declarant.objects.filter(pk=organism[0].pk).update(is_active=False)
    assert list(declarants_of(member)) == []
    Declarant.objects.filter(pk=organism[0].pk).update(is_active=True)
    member.is_active = False
    assert list(declarants_of(member)) == []


@pytest.mark.django_db
def test_a_member_sees_only_their_declarants_uploads_and_declarations(
    upload: Callable, staff: Client, organism: Any, other: Any, member: User
) -> None:
    upload(MIXED)
    declare(other[1], "THEIRS-1")
    declare(organism[1], "MINE-1")
    theirs = FileUpload.objects.create(
        declarant=other[0], original_name="leur.csv", file="x.csv", size=1, sha256="0", total_lines=1
    )
    mine = f"/declarants/{organism[0].pk}"
    assert staff.get(f"{mine}/envois/{theirs.pk}/").status_code == 404  # another's upload under my URL
    assert staff.get(f"/declarants/{other[0].pk}/").status_code == 404
    page = staff.get(f"{mine}/").content.decode()
    assert "lot.csv" in page and "leur.csv" not in page
    listing = staff.get(f"{mine}/declarations/").content.decode()
    assert "MINE-1" in listing and "S-1" in listing and "THEIRS-1" not in listing


@pytest.mark.django_db
def test_a_member_of_several_declarants_picks_one(
    staff: Client, member: User, other: Any, organism: Any
) -> None:
    assert staff.get("/declarants/")["Location"] == f"/declarants/{organism[0].pk}/"
    other[0].members.add(member)
    page = staff.get("/declarants/").content.decode()
    assert f'href="/declarants/{organism[0].pk}/"' in page and f'href="/declarants/{other[0].pk}/"' in page


@pytest.mark.django_db
def test_sign_in_leads_members_to_their_portal_and_sign_out_is_a_post(client: Client, member: User) -> None:
    assert client.get("/connexion/").status_code == 200
    response = client.post("/connexion/", {"username": "alice", "password": "un mot de passe solide"})
    assert response["Location"] == "/declarants/"
    assert client.get("/deconnexion/").status_code == 405
    assert client.post("/deconnexion/")["Location"] == "/connexion/"
    assert client.get("/declarants/").status_code == 302


# --- uploads ---


@pytest.mark.django_db
def test_an_upload_with_good_and_bad_lines_gives_counts_and_rejected_lines(
    upload: Callable, staff: Client, organism: Any, member: User
) -> None:
    response = upload(MIXED)
    sent = FileUpload.objects.get()
    assert response["Location"] == f"/declarants/{organism[0].pk}/envois/{sent.pk}/"
    assert (sent.status, sent.total_lines, sent.processed_lines) == (UploadStatus.DONE, 6, 6)
    assert (sent.accepted, sent.updated, sent.duplicates, sent.rejected) == (2, 0, 0, 4)
    assert (sent.uploaded_by, sent.original_name, len(sent.sha256)) == (member, "lot.csv", 64)
    assert not sent.file.name.endswith("lot.csv")  # stored under a random name
    rejected = {line.line: (line.external_id, [e["code"] for e in line.errors])
                for line in sent.lines.filter(status="rejected")}  # fmt: skip
    assert rejected == {
        3: ("S-2", ["unknown_rpps"]),
        4: ("=HYPERLINK(x)", ["unknown_action_type"]),
        6: ("S-1", ["duplicate_in_request"]),
        7: ("", ["invalid"]),
    }
    accepted = sent.lines.get(line=2)
    assert Action.objects.get(pk=accepted.action_id).channel == Channel.FILE
    page = staff.get(response["Location"]).content.decode()
    assert (
        "RPPS inconnu" in page and "Type d&#x27;action inconnu" in page and "Télécharger les rejets" in page
    )
    state = staff.get(f"{response['Location']}etat/").json()
    assert (state["status"], state["percent"], state["running"]) == ("done", 100, False)


@pytest.mark.django_db
def test_an_upload_writes_an_audit_entry(upload: Callable, member: User) -> None:
    upload(MIXED)
    entry = AuditEntry.objects.get(verb="declarations.file_uploaded")
    assert (entry.actor, entry.role, entry.data["lines"]) == (member, "declarant_staff", 6)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "Le fichier est vide"),
        (f"{HEADER}\n".encode(), "aucune déclaration"),
        (
            b"external_id,rpps,when\nS-1,10000000017,2025-03-11\n",
            "colonne(s) manquante(s) : action_type, end_date",
        ),
        (f"{HEADER}\nS-1,10000000017,MG-DPC,Créé,,2025-03-11,\n".encode("latin-1"), "pas encodé en UTF-8"),
        (f'{HEADER}\nS-1,"unterminated\n'.encode() + b"x" * 200_000, "pas un CSV valide"),
    ],
)
def test_whole_file_problems_are_shown_and_nothing_is_written(
    upload: Callable, settings: Any, data: bytes, fragment: str
) -> None:
    response = upload(data)
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert not FileUpload.objects.exists() and not AuditEntry.objects.filter(
        verb__startswith="declarations.file"
    )
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv"))


@pytest.mark.django_db
def test_a_file_that_is_not_csv_or_too_large_is_refused(upload: Callable, settings: Any) -> None:
    assert "extension .csv" in upload(MIXED, name="lot.xlsx").content.decode()
    settings.CERTIPRO_UPLOAD_MAX_BYTES = 100
    assert "taille maximale" in upload(MIXED).content.decode()
    assert not FileUpload.objects.exists()


@pytest.mark.django_db
def test_a_bom_and_crlf_lines_are_read(upload: Callable) -> None:
    upload(("\ufeff" + MIXED.replace("\n", "\r\n")).encode())
    sent = FileUpload.objects.get()
    assert (sent.accepted, sent.rejected, sent.lines.get(line=3).external_id) == (2, 4, "S-2")


@pytest.mark.django_db
def test_large_files_are_judged_in_chunks_with_duplicates_seen_across_them(
    upload: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)
    progress: list[int] = []
    original = services._process_chunk

    def spy(upload: FileUpload, *args: Any) -> None:
        original(upload, *args)
        progress.append(FileUpload.objects.get(pk=upload.pk).processed_lines)

    monkeypatch.setattr(services, "_process_chunk", spy)
    upload(MIXED)
    assert progress == [2, 4, 6]
    assert FileUpload.objects.get().lines.get(line=6).errors[0]["code"] == "duplicate_in_request"


@pytest.mark.django_db
def test_more_than_5000_lines_are_allowed_here(upload: Callable) -> None:
    rows = [f"R-{n},99999999999,MG-DPC,,,2025-03-11," for n in range(5001)]
    upload("\n".join([HEADER, *rows]))
    sent = FileUpload.objects.get()
    assert (sent.status, sent.processed_lines, sent.rejected) == ("done", 5001, 5001)


@pytest.mark.django_db
def test_processing_resumes_after_the_last_recorded_chunk(upload: Callable, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_enqueue", lambda upload_id: None)
    upload(MIXED)
    sent = FileUpload.objects.get()
    FileUpload.objects.filter(pk=sent.pk).update(status=UploadStatus.PROCESSING, processed_lines=5)
    services.process_upload(upload_id=sent.pk, today=timezone.localdate())
    assert list(UploadLine.objects.values_list("line", flat=True)) == [8]


@pytest.mark.django_db
def test_a_crash_marks_the_upload_failed_with_a_message(
    upload: Callable, monkeypatch: Any, staff: Client
) -> None:
    monkeypatch.setattr(services, "_enqueue", lambda upload_id: None)
    upload(MIXED)
    sent = FileUpload.objects.get()
    sent.file.storage.delete(sent.file.name)
    with pytest.raises(FileNotFoundError):
        services.process_upload(upload_id=sent.pk, today=timezone.localdate())
    sent.refresh_from_db()
    assert sent.status == UploadStatus.FAILED and "renvoyer le fichier est sans risque" in sent.error_message
    assert (
        "Le traitement n'a pas abouti"
        in staff.get(f"/declarants/{sent.declarant_id}/envois/{sent.pk}/").content.decode()
    )


def test_the_stream_reader_keeps_memory_bounded_and_counts_lines() -> None:
    body = "\n".join([HEADER, *(f"R-{n},1,X,,,2025-01-01," for n in range(20_000))]).encode()
    reads: list[int] = []
    got = list(records(io.BytesIO(body), on_bytes=lambda chunk: reads.append(len(chunk))))
    assert len(got) == 20_000 and got[-1].line == 20_001 and max(reads) <= 64 * 1024
    with pytest.raises(CsvProblem, match="colonne"):
        list(records(io.BytesIO(b"a,b\n1,2\n")))


# --- rejections CSV ---


@pytest.mark.django_db
def test_the_rejections_csv_lists_lines_codes_and_messages_with_formulas_defused(
    upload: Callable, staff: Client
) -> None:
    location = upload(MIXED)["Location"]
    response = staff.get(f"{location}rejets.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["line", "external_id", "codes", "messages"]
    assert [r[:3] for r in rows[1:]] == [
        ["3", "S-2", "unknown_rpps"],
        ["4", "'=HYPERLINK(x)", "unknown_action_type"],
        ["6", "S-1", "duplicate_in_request"],
        ["7", "", "invalid"],
    ]
    assert "no professional with RPPS 99999999999" in rows[1][3]


# --- my declarations ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("external_id=mine-2", {"MINE-2"}),
        ("rpps=10000000017", {"MINE-1", "MINE-2", "EPP-1"}),
        ("rpps=99999999999", set()),
        ("action_type=mg-epp", {"EPP-1"}),
        ("state=withdrawn", set()),
        ("state=attested&action_type=MG-DPC", {"MINE-1", "MINE-2"}),
    ],
)
def test_search_my_declarations(staff: Client, organism: Any, query: str, expected: set[str]) -> None:
    declare(organism[1], "MINE-1", "MINE-2")
    declare(organism[1], "EPP-1", action_type="MG-EPP")
    response = staff.get(f"/declarants/{organism[0].pk}/declarations/?{query}")
    shown = {a.external_id for a in response.context["page_obj"].object_list}
    assert shown == expected


@pytest.mark.django_db
def test_portal_pages_have_a_fixed_number_of_queries(
    staff: Client, organism: Any, upload: Callable, django_assert_max_num_queries: Any
) -> None:
    declare(organism[1], *(f"Q-{n}" for n in range(30)))
    for _ in range(3):
        upload(MIXED)
    sent = FileUpload.objects.first()
    assert sent is not None
    base = f"/declarants/{organism[0].pk}"
    for url in (f"{base}/declarations/", f"{base}/declarations/?rpps=10000000017&state=attested",
                f"{base}/", f"{base}/envois/{sent.pk}/"):  # fmt: skip
        # Session, user, my declarants, (the upload), rows count, rows; django-dsfr reads its config twice.
        with django_assert_max_num_queries(8):
            assert staff.get(url).status_code == 200
