"""The professional's documents: the synthèse (a stored PDF artefact) and date-change requests (D-16, D-53).

Imported by `certipro.space.models` so that Django finds these models in the `space` app.
"""

from __future__ import annotations

from django.db import models


class Synthese(models.Model):
    """The last rendered synthèse of one period (D-53): a stored artefact, not a view (style.md item 9).

    `data_hash` is the hash of the data the PDF was rendered from: while it is unchanged the stored
    file is served again; when the account changes, the PDF is rendered anew and this row updated.
    """

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("directory.Exercise", on_delete=models.CASCADE, related_name="+")
    period = models.OneToOneField("certification.Period", on_delete=models.CASCADE, related_name="synthese")
    data_hash = models.CharField(max_length=64)
    file = models.FileField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField()

    class Meta:
        verbose_name = "synthèse"
        verbose_name_plural = "synthèses"

    def __str__(self) -> str:
        return f"synthèse {self.professional_id} / période {self.period_id} ({self.generated_at:%Y-%m-%d})"


class DateRequestState(models.TextChoices):
    SUBMITTED = "submitted", "Transmise à l'ordre"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    WITHDRAWN = "withdrawn", "Retirée"


class DateChangeRequest(models.Model):
    """ "Modifier mes dates de certification": a request decided by the order, never self-service (D-16).

    The dates the period had when it was asked are kept beside the requested ones, so that the
    history still reads right after an accepted request has changed the period.
    """

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("directory.Exercise", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(
        "certification.Period", on_delete=models.CASCADE, related_name="date_change_requests"
    )
    current_start = models.DateField()
    current_end = models.DateField()
    requested_start = models.DateField(null=True, blank=True)
    requested_end = models.DateField(null=True, blank=True)
    reason = models.TextField()
    # The supporting document, stored outside the database under a random name (D-35).
    document = models.FileField(max_length=200)
    document_name = models.CharField(max_length=200, help_text="the name the professional's file had")
    document_type = models.CharField(max_length=40)
    document_sha256 = models.CharField(max_length=64)
    document_size = models.PositiveIntegerField()
    state = models.CharField(
        max_length=12, choices=DateRequestState.choices, default=DateRequestState.SUBMITTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "demande de modification des dates"
        verbose_name_plural = "demandes de modification des dates"
        constraints = [
            # The order decides one request at a time per period: a second waits for the first.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(state="submitted"),
                name="one_submitted_date_request_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_start__isnull=False) | models.Q(requested_end__isnull=False),
                name="date_request_asks_for_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"demande {self.pk} de {self.professional_id} ({self.get_state_display()})"


class DateChangeTransition(models.Model):
    """The transition log of a date-change request (style.md item 4)."""

    request = models.ForeignKey(DateChangeRequest, on_delete=models.CASCADE, related_name="transitions")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor_label = models.CharField(max_length=200)
    reason = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"
