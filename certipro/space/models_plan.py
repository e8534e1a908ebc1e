"""The professional's personal plan: the actions they intend to do, per axis, with target dates.

A plan is an intention, never a claim: nothing here counts for the certification (only `Action`
rows do, D-22). Like evidence and notes, every row names its professional so that each read filters
on the owner (D-40: axis-4 intentions are as private as axis-4 actions).
"""

from __future__ import annotations

from django.db import models


class Plan(models.Model):
    """One plan per exercise (a profession has its own period and obligation, D-13).

    Sharing is a choice about the plan as a whole, not per item: an employer shown half a plan
    would draw wrong conclusions, and one switch is what the professional can keep track of.
    `employer` is that switch: the one employer the plan is shared with, chosen by the professional
    among those that declared an action for them (`plan_sharing.allowed_employers`, decision
    0004), or None when the plan is not shared.
    """

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    exercise = models.OneToOneField("directory.Exercise", on_delete=models.CASCADE, related_name="plan")
    employer = models.ForeignKey(
        "actions.Declarant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_plans",
        help_text="the employer the professional shares this plan with; empty: not shared",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "plan personnel"
        verbose_name_plural = "plans personnels"

    def __str__(self) -> str:
        return f"plan de {self.professional_id} / {self.exercise_id}"


class PlannedAction(models.Model):
    """An action of the référentiel the professional means to do for `axis` by `target_date`.

    `done_action` is the recorded action that fulfilled it: set by `plan.link_done_actions` when the
    plan is shown (no signal on `record_action`), and cleared if that action stops counting.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("directory.Exercise", on_delete=models.CASCADE, related_name="+")
    type_code = models.CharField(max_length=40)
    axis = models.PositiveSmallIntegerField()
    target_date = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    done_action = models.ForeignKey(
        "actions.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_date", "pk"]
        verbose_name = "action prévue"
        verbose_name_plural = "actions prévues"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(axis__gte=1, axis__lte=4), name="planned_action_axis_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_code} (axe {self.axis}) prévue le {self.target_date:%Y-%m-%d}"
