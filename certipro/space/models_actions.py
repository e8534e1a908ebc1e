"""What the professional keeps about their actions: evidence files and a private opinion.

Kept apart from `Action` (the engine's row): neither changes whether an action counts, and both
belong to the professional alone (D-35, D-40). Each row names its professional so that every read
filters on the owner, even if a third party's correction later moves the action to someone else.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Evidence(models.Model):
    """A justificatif (D-35): the file lives under MEDIA_ROOT with a random name, never in the database."""

    action = models.ForeignKey("actions.Action", on_delete=models.CASCADE, related_name="evidence_files")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="evidence/%Y/%m/", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40, help_text="from the file's content, never its name")
    original_name = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "uploaded_at", "pk"]
        verbose_name = "justificatif"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.content_type}, {self.size} o)"


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class ActionNote(models.Model):
    """The professional's own rating (1–5) and note on one of their actions: visible to them only."""

    action = models.OneToOneField(
        "actions.Action", on_delete=models.CASCADE, primary_key=True, related_name="private_note"
    )
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    quality = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING)
    relevance = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING)
    note = models.TextField(blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "note privée"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quality__isnull=True) | models.Q(quality__gte=1, quality__lte=5),
                name="action_note_quality_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(relevance__isnull=True) | models.Q(relevance__gte=1, relevance__lte=5),
                name="action_note_relevance_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"note de {self.professional_id} sur l'action {self.action_id}"
