"""Evidence files (justificatifs, D-35): what a file is, judged by its first bytes, and where it goes.

The name and the browser's content type are the sender's claims and are never trusted: a PDF named
`scan.png` is a PDF, a text file named `attestation.pdf` is refused. Files are stored under
MEDIA_ROOT with a random name (nothing of the professional's in a path) and their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from certipro.actions.models import Action
from certipro.space.models_actions import Evidence

# (magic bytes, content type, extension): the only three kinds of file accepted.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
EXTENSIONS = {content_type: ext for _, content_type, ext in SIGNATURES}
CHUNK = 64 * 1024


class EvidenceRefused(Exception):
    """A file that cannot be kept; `message` is shown to the professional, in the language of the
    request that raised it (never stored)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile[bytes]
    content_type: str
    sha256: str
    size: int
    original_name: str


def max_bytes() -> int:
    return int(settings.CERTIPRO_EVIDENCE_MAX_BYTES)


def sniff(head: bytes) -> str | None:
    """The content type the first bytes prove, or None."""
    for magic, content_type, _ in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def check_file(upload: UploadedFile[bytes]) -> CheckedFile:
    """Judges an upload by its size and content; reads it once, in chunks, to hash it."""
    limit = max_bytes()
    size = upload.size or 0
    if size == 0:
        raise EvidenceRefused(gettext("Le fichier est vide."))
    if size > limit:
        raise EvidenceRefused(
            gettext("Le fichier dépasse la taille maximale de %(size)s Mo.")
            % {"size": limit // (1024 * 1024)}
        )
    upload.seek(0)
    content_type = sniff(upload.read(8))
    if content_type is None:
        raise EvidenceRefused(
            gettext(
                "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG "
                "(son contenu a été vérifié, pas son nom)."
            )
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    # Only the last path component, trimmed: browsers on some systems send a full path.
    name = PurePath((upload.name or "justificatif").replace("\\", "/")).name[:200] or "justificatif"
    return CheckedFile(upload, content_type, digest.hexdigest(), size, name)


def download_name(evidence: Evidence) -> str:
    """The original name, with the extension its content proves (a PDF named .png leaves as .pdf)."""
    extension = EXTENSIONS.get(evidence.content_type, "")
    path = PurePath(evidence.original_name)
    if path.suffix.lower() in (extension, ".jpeg" if extension == ".jpg" else extension):
        return evidence.original_name
    return f"{path.stem or 'justificatif'}{extension}"


def store_evidence(*, action: Action, checked: CheckedFile, written: list[str]) -> Evidence:
    """Writes the file, then its row. `written` receives the stored name at once, so that the
    caller can delete the file if its transaction fails later (Django has no rollback hook)."""
    evidence = Evidence(
        action=action,
        professional_id=action.professional_id,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        original_name=checked.original_name,
    )
    evidence.file.save(secrets.token_hex(16) + EXTENSIONS[checked.content_type], checked.upload, save=False)
    written.append(evidence.file.name or "")
    evidence.save()
    return evidence


def delete_files(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage
    for name in names:
        if name:
            storage.delete(name)
