"""What the professional's space adds: the activation of an account, and reports to the order."""

from __future__ import annotations

from django.db import models


class Activation(models.Model):
    """The professional opened their account and said whether the directory's exercises are right.

    One row per professional: its presence is what "activated" means.
    """

    professional = models.OneToOneField(
        "directory.Professional", on_delete=models.CASCADE, primary_key=True, related_name="activation"
    )
    activated_at = models.DateTimeField(auto_now_add=True)
    # What the professional saw and confirmed: [{"profession": "10", "specialties": ["SM54"]}, …]
    confirmed = models.JSONField(default=list, blank=True)
    reported_error = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.professional_id} activé le {self.activated_at:%Y-%m-%d}"


class ReportState(models.TextChoices):
    OPEN = "open", "À traiter"
    HANDLED = "handled", "Traité"


class ExerciseReport(models.Model):
    """A professional says the directory's exercise is wrong: a request for their order (R40).

    Identity data are the directory's and not editable here (D-2): the order corrects the RPPS.
    """

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    # The profession as a code, not a key to the exercise: the report must outlive a correction.
    profession = models.ForeignKey("directory.Profession", on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "signalement d'erreur d'exercice"
        verbose_name_plural = "signalements d'erreur d'exercice"

    def __str__(self) -> str:
        return f"{self.professional_id} / {self.profession_id} ({self.get_state_display()})"


from certipro.space.models_actions import ActionNote, Evidence  # noqa: E402, F401  (evidence, notes)
from certipro.space.models_documents import DateChangeRequest, DateChangeTransition, Synthese  # noqa: E402, F401
from certipro.space.models_plan import Plan, PlannedAction  # noqa: E402, F401  (the personal plan)
