"""Référentiels: versioned lists of the actions that count (contracts/referentiel.md)."""

from __future__ import annotations

from datetime import date

from django.db import models


class MultiAxis(models.TextChoices):
    COUNT_ONCE = "count_once", "Une action compte dans un seul axe"
    COUNT_IN_EACH = "count_in_each", "Une action compte dans chacun de ses axes"


class Referentiel(models.Model):
    """One version of a référentiel. Published when `published_on` is set (drafts never apply)."""

    code = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    profession = models.ForeignKey("directory.Profession", on_delete=models.PROTECT, related_name="+")
    specialties = models.JSONField(default=list, blank=True)
    published_on = models.DateField(null=True, blank=True)
    minimum_per_axis = models.PositiveSmallIntegerField(default=2)
    # The resolved minimum of each axis, {"1": 2, "2": 2, "3": 1, "4": 2}.
    axis_minimums = models.JSONField(default=dict)
    multi_axis = models.CharField(max_length=20, choices=MultiAxis.choices, default=MultiAxis.COUNT_ONCE)
    content_hash = models.CharField(max_length=64)
    source_name = models.CharField(max_length=300, blank=True)
    source_text = models.TextField(blank=True, help_text="the file as loaded, for traceability")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "-published_on", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="referentiel_code_version")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.code}@{self.version}"

    def is_applied(self, today: date) -> bool:
        """A published version in force: professionals have been judged against it."""
        return self.published_on is not None and self.published_on <= today

    def minimum_for(self, axis: int) -> int:
        return int(self.axis_minimums.get(str(axis), self.minimum_per_axis))


class ActionType(models.Model):
    referentiel = models.ForeignKey(Referentiel, on_delete=models.CASCADE, related_name="action_types")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    axes = models.JSONField(help_text="the axes (1-4) this action may count in")
    declarable_by = models.JSONField(default=list)
    evidence = models.CharField(max_length=10, default="optional")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["referentiel", "position"]
        constraints = [models.UniqueConstraint(fields=["referentiel", "code"], name="action_type_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
