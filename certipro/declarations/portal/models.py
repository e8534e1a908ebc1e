"""Files uploaded through the declarants' portal, and the result of each of their lines.

Imported at the end of `certipro.declarations.models`, so that they belong to that app.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["FileUpload", "LineStatus", "UploadLine", "UploadStatus"]


def _stored_name(instance: Any, filename: str) -> str:
    # Never the sender's name: it may hold anything, and two senders may use the same one.
    return f"declarations/uploads/{uuid.uuid4().hex}.csv"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    PROCESSING = "processing", _("En cours de traitement")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class LineStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Acceptée")
    UPDATED = "updated", _("Corrigée")
    DUPLICATE = "duplicate", _("Doublon")
    REJECTED = "rejected", _("Rejetée")


class FileUpload(models.Model):
    """A CSV file of declarations sent by a declarant's staff, processed in the background."""

    declarant = models.ForeignKey("actions.Declarant", on_delete=models.PROTECT, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=_stored_name, max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    total_lines = models.PositiveIntegerField(help_text="declarations in the file (blank lines excluded)")
    processed_lines = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True, help_text="why processing stopped, if it did")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["declarant", "-created_at"], name="upload_declarant_created")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_lines else min(100, self.processed_lines * 100 // self.total_lines)

    @property
    def is_running(self) -> bool:
        return self.status in (UploadStatus.QUEUED, UploadStatus.PROCESSING)


class UploadLine(models.Model):
    """The judgement of one line of an uploaded file (line numbers count the header as line 1)."""

    upload = models.ForeignKey(FileUpload, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField()
    external_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=10, choices=LineStatus.choices)
    errors = models.JSONField(default=list, blank=True, help_text='[{"code": …, "message": …}]')
    # A plain id: the action lives in another app and is never deleted (a withdrawal is a state).
    action_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["upload", "line"]
        indexes = [
            models.Index(fields=["upload", "status", "line"], name="uploadline_upload_status"),
            # Duplicates across chunks are found by external_id within the upload.
            models.Index(fields=["upload", "external_id"], name="uploadline_upload_external"),
        ]

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.get_status_display()}"
