"""Nomenclatures and professionals, as copied from the national directory (domain §1)."""

from __future__ import annotations

from django.db import models


class Profession(models.Model):
    """TRE_G15: one of the seven professions with an order (D-1)."""

    code = models.CharField(max_length=2, primary_key=True)
    label = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100, blank=True)
    order = models.CharField(max_length=20, help_text="the order that controls it (CNOM, ONI…)")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Specialty(models.Model):
    """A savoir-faire (TRE_R38 ordinal specialty and the like) of one profession."""

    code = models.CharField(max_length=10, primary_key=True)
    label = models.CharField(max_length=200)
    profession = models.ForeignKey(Profession, on_delete=models.PROTECT, related_name="specialties")
    kind = models.CharField(max_length=4, default="S", help_text="TRE_R04 type de savoir-faire")
    deprecated = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Region(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """TRE_G09: codes are text (2A, 971), never numbers."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PracticeMode(models.Model):
    code = models.CharField(max_length=1, primary_key=True)
    label = models.CharField(max_length=60)

    def __str__(self) -> str:
        return self.label


class Professional(models.Model):
    """A person, identified for life by the RPPS number (D-2). Identity is the directory's."""

    rpps = models.CharField(max_length=11, unique=True)
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    rpps_luhn_valid = models.BooleanField(default=True, help_text="D-2: a warning only")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name} ({self.rpps})"

    @property
    def id_nat_ps(self) -> str:
        return "8" + self.rpps


class Exercise(models.Model):
    """One profession held by a professional (the directory's "exercice professionnel").

    A person may hold two professions, each with its own period and obligation (D-13, R18).
    The specialties held over time are in `Holding`; `specialties` mirrors the current holding
    so that an import can compare a row with one read.
    """

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="exercises")
    profession = models.ForeignKey(Profession, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    practice_mode = models.ForeignKey(
        PracticeMode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration_date = models.DateField(null=True, blank=True)
    specialties = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True, help_text="false once the profession was left")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["professional", "profession"], name="one_exercise_per_profession")
        ]

    def __str__(self) -> str:
        return f"{self.professional_id} / {self.profession_id}"


class Holding(models.Model):
    """What an exercise held from `start` to `end` (inclusive; open when null): its specialties,
    and the référentiel the professional chose instead of the default match (D-14).

    The history is kept: a change closes the current row and opens a new one.
    """

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="holdings")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    specialties = models.JSONField(default=list, blank=True)
    chosen_referentiel = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["exercise", "start"]

    def __str__(self) -> str:
        return f"{self.start} → {self.end or '…'}: {', '.join(self.specialties) or '—'}"


class Interruption(models.Model):
    """An interruption of practice, start and end inclusive (D-15)."""

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="interruptions")
    start = models.DateField()
    end = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exercise", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="interruption_dates")
        ]

    def __str__(self) -> str:
        return f"{self.start} → {self.end}"
