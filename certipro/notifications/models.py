"""Notifications (domain §7): one row per message, in the account and (maybe) by e-mail.

The row is the message's outbox entry too: it is written in the transaction of the event that
causes it, so a message is never lost, and its e-mail is sent afterwards by `delivery.py`, which
retries until it succeeds. "Each sent once": (professional, kind, key) is unique, so replaying an
event — a declaration sent twice, a nightly job run again — adds nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from certipro.notifications.kinds import Kind


class EmailState(models.TextChoices):
    PENDING = "pending", "à envoyer"
    SENT = "sent", "envoyé"
    # Gave up after the last retry: the message stays in the account (and the operators see it).
    FAILED = "failed", "échec"
    NO_ADDRESS = "no_address", "pas d'adresse"
    # An optional kind the professional chose not to receive by e-mail.
    DECLINED = "declined", "refusé par le professionnel"


class Notification(models.Model):
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What makes this message unique for the professional and the kind ("action:123", "reminder:p9:12").
    key = models.CharField(max_length=80)
    # What the texts need, rendered when shown (so in the reader's language) and never an axis-4 title.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=12, choices=EmailState.choices, default=EmailState.PENDING)
    email_to = models.CharField(max_length=254, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt may run; also the lease of a worker that claimed the message.
    email_next_try = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["professional", "kind", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["professional", "-created_at"], name="notification_inbox"),
            # The outbox: only the rows still to send are in this index.
            models.Index(
                fields=["email_next_try"], name="notification_outbox", condition=Q(email_state="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.professional_id}"


class Preferences(models.Model):
    """What the professional chose: an address of their own, and the optional kinds not e-mailed."""

    professional = models.OneToOneField(
        "directory.Professional",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preferences",
    )
    # Empty: the directory's address (contracts/directory.md `email`).
    email = models.EmailField(blank=True)
    email_declined = models.JSONField(default=list, blank=True, help_text="optional kinds not e-mailed")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "préférences de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self) -> str:
        return f"préférences de {self.professional_id}"
