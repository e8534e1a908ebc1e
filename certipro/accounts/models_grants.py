"""CNPs, their members, and the support grants professionals give them (domain §5, R38, R50).

A CNP (conseil national professionnel) sees an individual account only under a grant its owner
gave: for support, limited in time (`expires_at`) and in scope, revocable at any moment. Who may
read what under a grant is said in `certipro.accounts.permissions`; grants are made and revoked
only through `certipro.accounts.grants`, which journals both (D-41).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Cnp(models.Model):
    """A conseil national professionnel: one profession, and the specialties it covers (none: all)."""

    name = models.CharField(max_length=200)
    profession = models.ForeignKey("directory.Profession", on_delete=models.PROTECT, related_name="+")
    specialties = models.ManyToManyField(
        "directory.Specialty",
        blank=True,
        related_name="+",
        help_text="empty: the CNP covers every specialty of its profession",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CnpMembership", related_name="cnps", blank=True
    )

    class Meta:
        ordering = ["profession", "name"]
        verbose_name = "CNP"
        verbose_name_plural = "CNP"

    def __str__(self) -> str:
        return self.name


class CnpMembership(models.Model):
    """A user who acts for a CNP: they read the accounts granted to it, nothing else."""

    cnp = models.ForeignKey(Cnp, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "membre d'un CNP"
        verbose_name_plural = "membres des CNP"
        constraints = [models.UniqueConstraint(fields=["cnp", "user"], name="one_membership_per_cnp")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.cnp_id}"


class GrantScope(models.TextChoices):
    STATUS = "status", "Statut seulement (nombres d'actions et statuts)"
    ACTIONS = "actions", "Statut et liste des actions (hors axe 4)"


class SupportGrantQuerySet(models.QuerySet["SupportGrant"]):
    def active(self, now: datetime) -> SupportGrantQuerySet:
        return self.filter(revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now)


class SupportGrant(models.Model):
    """The professional's consent that a CNP reads their account, for support (R38)."""

    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, related_name="support_grants"
    )
    cnp = models.ForeignKey(Cnp, on_delete=models.PROTECT, related_name="grants")
    scope = models.CharField(max_length=10, choices=GrantScope.choices)
    reason = models.TextField(blank=True, max_length=2000, help_text="the professional's message")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupportGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "accès d'accompagnement"
        verbose_name_plural = "accès d'accompagnement"
        indexes = [models.Index(fields=["cnp", "expires_at"], name="grant_cnp_expires")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")), name="grant_ends_after"
            ),
            models.CheckConstraint(condition=Q(scope__in=GrantScope.values), name="grant_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.professional_id} → {self.cnp_id} ({self.scope}, {self.expires_at:%Y-%m-%d})"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= now < self.expires_at
