"""Entry points of the portal's uploads: receive a file, process it in chunks, export its rejections."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import date
from itertools import islice
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from certipro.accounts.models import User
from certipro.actions.models import Channel, Declarant
from certipro.audit.journal import Actor, record
from certipro.declarations.intake import judge_batch
from certipro.declarations.portal.csvfile import CsvProblem, Record, records
from certipro.declarations.portal.models import FileUpload, LineStatus, UploadLine, UploadStatus

logger = logging.getLogger(__name__)

CHUNK = 1000  # lines per transaction; the progress moves after each
COUNTERS = {"accepted": "accepted", "updated": "updated", "duplicate": "duplicates", "rejected": "rejected"}
PORTAL_ROLE = "declarant_staff"


class UploadRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def receive_upload(
    *, declarant: Declarant, user: User, uploaded: UploadedFile[bytes], max_bytes: int
) -> FileUpload:
    """Checks the whole file, then stores it and queues its processing. Raises UploadRefused
    with a message for people when the file cannot be read as a whole: then nothing is written."""
    if uploaded.size is None or uploaded.size == 0:
        raise UploadRefused(gettext("Le fichier est vide."))
    if uploaded.size > max_bytes:
        raise UploadRefused(
            gettext("Le fichier dépasse la taille maximale de %(size)s Mo.")
            % {"size": max_bytes // (1024 * 1024)}
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    try:
        total = sum(1 for _ in records(uploaded, on_bytes=digest.update))
    except CsvProblem as problem:
        raise UploadRefused(problem.message) from None
    if total == 0:
        raise UploadRefused(gettext("Le fichier ne contient aucune déclaration : seulement l'en-tête."))
    uploaded.seek(0)
    name = (uploaded.name or "fichier.csv")[-255:]
    with transaction.atomic():
        upload = FileUpload(
            declarant=declarant,
            uploaded_by=user,
            original_name=name,
            size=uploaded.size,
            sha256=digest.hexdigest(),
            total_lines=total,
        )
        upload.file.save(name, uploaded, save=False)
        upload.save()
        record(
            actor=Actor.for_user(user, role=PORTAL_ROLE),
            verb="declarations.file_uploaded",
            obj=upload,
            data={
                "declarant_id": declarant.pk,
                "name": name,
                "size": upload.size,
                "sha256": upload.sha256,
                "lines": total,
            },
        )
        transaction.on_commit(lambda: _enqueue(upload.pk))
    return upload


def _enqueue(upload_id: int) -> None:
    from certipro.declarations.portal.tasks import process_upload_task

    process_upload_task.enqueue(upload_id=upload_id)


def process_upload(*, upload_id: int, today: date) -> None:
    """Judges the file's declarations 1,000 lines at a time, each chunk in its own transaction
    with the progress, so that a crash loses at most one chunk and a new run resumes after the
    last one recorded (and replaying a declaration is harmless anyway: D-32)."""
    started = FileUpload.objects.filter(
        pk=upload_id, status__in=(UploadStatus.QUEUED, UploadStatus.PROCESSING)
    ).update(status=UploadStatus.PROCESSING, started_at=timezone.now())
    if not started:
        return  # already finished, or gone
    upload = FileUpload.objects.select_related("declarant", "uploaded_by").get(pk=upload_id)
    sender = _sender(upload)
    try:
        with upload.file.open("rb") as stream:
            remaining = islice(records(stream), upload.processed_lines, None)
            while chunk := list(islice(remaining, CHUNK)):
                _process_chunk(upload, sender, chunk, today)
    except Exception as exc:
        logger.exception("upload %s failed", upload_id)
        # Stored with the upload, so in the platform's language (a task has no reader): not translated.
        message = exc.message if isinstance(exc, CsvProblem) else "erreur interne"
        FileUpload.objects.filter(pk=upload_id).update(
            status=UploadStatus.FAILED,
            finished_at=timezone.now(),
            error_message=f"Le traitement s'est arrêté ({message}). Les lignes déjà traitées restent "
            "enregistrées ; renvoyer le fichier est sans risque (elles seront reconnues comme doublons).",
        )
        raise
    FileUpload.objects.filter(pk=upload_id).update(status=UploadStatus.DONE, finished_at=timezone.now())


def _process_chunk(upload: FileUpload, sender: Actor, chunk: list[Record], today: date) -> None:
    # An external_id of an earlier chunk is a duplicate in the file, as within one API request.
    # Asked of the database chunk by chunk (indexed), not kept in memory: memory stays flat
    # whatever the length of the file.
    ids = {i for rec in chunk if isinstance(i := rec.item.get("external_id"), str)}
    seen = set(upload.lines.filter(external_id__in=ids).values_list("external_id", flat=True))
    results: list[dict[str, Any] | None] = []
    to_judge: list[int] = []
    for index, rec in enumerate(chunk):
        external_id = rec.item.get("external_id")
        if external_id in seen:
            message = f"external_id {external_id} appears earlier in this file"
            results.append(
                {"status": "rejected", "errors": [{"code": "duplicate_in_request", "message": message}]}
            )
        else:
            results.append(None)
            to_judge.append(index)
    with transaction.atomic():
        if to_judge:
            judged = judge_batch(
                [chunk[i].item for i in to_judge],
                declarant=upload.declarant,
                actor=sender,
                today=today,
                channel=Channel.FILE,
            )
            for index, result in zip(to_judge, judged.results, strict=True):
                results[index] = result
        lines = [_line(upload, rec, result) for rec, result in zip(chunk, results, strict=True) if result]
        UploadLine.objects.bulk_create(lines)
        counts = {field: 0 for field in COUNTERS.values()}
        for line in lines:
            counts[COUNTERS[line.status]] += 1
        FileUpload.objects.filter(pk=upload.pk).update(
            processed_lines=F("processed_lines") + len(chunk),
            **{field: F(field) + n for field, n in counts.items() if n},
        )


def _sender(upload: FileUpload) -> Actor:
    """The member who sent the file: recorded as the declarer of its actions."""
    who = upload.uploaded_by.get_username() if upload.uploaded_by else "?"
    label = f"{upload.declarant.name} (portail:{who}, envoi {upload.pk})"
    return Actor(label=label, role=PORTAL_ROLE, user=upload.uploaded_by)


def _line(upload: FileUpload, rec: Record, result: dict[str, Any]) -> UploadLine:
    external_id = rec.item.get("external_id")
    action_id = result.get("action_id")
    return UploadLine(
        upload=upload,
        line=rec.line,
        # The file's own text, even when invalid, so that the sender finds the line again.
        external_id=external_id[:128] if isinstance(external_id, str) else "",
        status=LineStatus(result["status"]),
        errors=result.get("errors", []),
        action_id=int(action_id) if action_id else None,
    )


# Spreadsheets run a cell starting with these as a formula (CSV injection): a quote defuses it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def rejection_rows(upload: FileUpload) -> Iterator[list[str]]:
    """The rejected lines as CSV rows (header first), read from the database in batches."""
    yield ["line", "external_id", "codes", "messages"]
    rejected = upload.lines.filter(status=LineStatus.REJECTED).order_by("line")
    for line in rejected.only("line", "external_id", "errors").iterator(chunk_size=2000):
        codes = " | ".join(str(e.get("code", "")) for e in line.errors)
        messages = " | ".join(str(e.get("message", "")) for e in line.errors)
        yield [_cell(line.line), _cell(line.external_id), _cell(codes), _cell(messages)]
