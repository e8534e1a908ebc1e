"""The audit journal (domain D-41): append-only, who acted apart from whose account it was."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("the audit journal is append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("the audit journal is append-only")


class AuditEntry(models.Model):
    """One line of the append-only journal: who did what to whose account, and why.

    Written only through `certipro.audit.journal.record`. Updates and deletes are refused here
    and, on PostgreSQL, by a trigger (migration 0002), so that not even raw SQL can rewrite history.
    The subject is kept as a plain id (no foreign key) so that the journal survives anything and
    stays distributable by professional (design.md, Scale).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, help_text="user, command or API token name")
    role = models.CharField(max_length=40)
    professional_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had in accounts (moved by state only, migration 0001):
        # its append-only trigger and 30 M rows stay where they are.
        db_table = "accounts_auditentry"
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit journal is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("the audit journal is append-only")
