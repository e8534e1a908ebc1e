"""Periods of certification and the status snapshot of each (domain §2–§3)."""

from __future__ import annotations

from django.db import models


class PeriodKind(models.TextChoices):
    INITIAL = "initial", "Période initiale (2023–2031)"
    STANDARD = "standard", "Période de 6 ans"


class PeriodState(models.TextChoices):
    """The stored life-cycle state. `ended` (end date passed) is derived from the date, not stored."""

    OPEN = "open", "Ouverte"
    ENDED_INTERRUPTION = "ended_interruption", "Close (interruption de plus de 3 ans)"
    ENDED_PROFESSION_CHANGE = "ended_profession_change", "Close (changement de profession)"


class Period(models.Model):
    """One period (cycle) of one exercise. `end` is the actual end; `scheduled_end` the normal one,
    so that an evaluation as of a date before an early end sees the period as it was then."""

    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, related_name="periods"
    )
    exercise = models.ForeignKey("directory.Exercise", on_delete=models.CASCADE, related_name="periods")
    start = models.DateField()
    end = models.DateField()
    scheduled_end = models.DateField()
    kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    state = models.CharField(max_length=30, choices=PeriodState.choices, default=PeriodState.OPEN)

    class Meta:
        ordering = ["exercise", "start"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "start"], name="one_period_per_start"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.start} → {self.end} ({self.kind}, {self.state})"


class PeriodTransition(models.Model):
    """The transition log of a period's life cycle (opened, ended early, dates changed)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="transitions")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30)
    effective_on = models.DateField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["period", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state} ({self.effective_on})"


class Exemption(models.Model):
    """A partial exemption from one axis, set by the order (D-3, R10)."""

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("directory.Exercise", on_delete=models.CASCADE, related_name="exemptions")
    axis = models.PositiveSmallIntegerField(choices=[(a, str(a)) for a in (1, 2, 3, 4)])
    reason = models.CharField(max_length=300)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["exercise", "axis", "start"]

    def __str__(self) -> str:
        return f"axe {self.axis} : {self.reason}"


# The fields a refresh of a snapshot writes (all but its period, the key, and updated_at).
SNAPSHOT_FIELDS = [
    "professional",
    "as_of",
    *(f"required_{a}" for a in (1, 2, 3, 4)),
    *(f"counted_{a}" for a in (1, 2, 3, 4)),
    "exempt_axes",
    "progress",
    "status",
    "pace",
    "referentiels",
]


class StatusSnapshot(models.Model):
    """Where a period stands, as last computed (one row per period).

    Updated in the same transaction as any change that affects it; dashboards and worklists read
    these rows, never raw actions. `as_of` is the date it was computed for.
    """

    period = models.OneToOneField(Period, on_delete=models.CASCADE, primary_key=True, related_name="snapshot")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    required_1 = models.PositiveSmallIntegerField()
    required_2 = models.PositiveSmallIntegerField()
    required_3 = models.PositiveSmallIntegerField()
    required_4 = models.PositiveSmallIntegerField()
    counted_1 = models.PositiveSmallIntegerField()
    counted_2 = models.PositiveSmallIntegerField()
    counted_3 = models.PositiveSmallIntegerField()
    counted_4 = models.PositiveSmallIntegerField()
    exempt_axes = models.PositiveSmallIntegerField(default=0, help_text="bit mask, axis 1 = 1")
    progress = models.FloatField()
    status = models.CharField(max_length=20)
    pace = models.CharField(max_length=20)
    referentiels = models.CharField(max_length=400, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Worklists and dashboards filter on these. One plain index each: db_index on a CharField
        # adds a second, pattern-matching one on PostgreSQL, which nothing uses and which every
        # refresh of a snapshot (a thousand per batch of declarations) would rewrite.
        indexes = [
            models.Index(fields=["status"], name="snapshot_status"),
            models.Index(fields=["pace"], name="snapshot_pace"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.progress:.0%} ({self.as_of})"
