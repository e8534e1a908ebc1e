"""Declarants (training bodies, employers) and their API tokens (contracts/declarations.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class DeclarantKind(models.TextChoices):
    ORGANISM = "organism", "Organisme de formation"
    EMPLOYER = "employer", "Employeur"


class Declarant(models.Model):
    kind = models.CharField(max_length=10, choices=DeclarantKind.choices)
    name = models.CharField(max_length=200)
    siret = models.CharField(
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", "Le SIRET compte 14 chiffres.")],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="declarants", help_text="the staff of its portal"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # D-36: a declarant is its kind and SIRET; one legal entity may be both (a hospital
            # that is also a DPC body: one SIRET, two declarants). Without a SIRET, no limit.
            models.UniqueConstraint(
                fields=["kind", "siret"],
                condition=~models.Q(siret=""),
                name="one_declarant_per_kind_and_siret",
                violation_error_message="Un déclarant de ce type existe déjà avec ce SIRET.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A declarant's API token. Only a hash is kept: the token is shown once, at creation.

    Tokens are `cp_<prefix>_<secret>`: the prefix finds the row, the hash of the whole token
    proves it. A high-entropy random token needs no slow hash (unlike a password).
    """

    declarant = models.ForeignKey(Declarant, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, default="API")
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["declarant", "-created_at"]

    def __str__(self) -> str:
        # Also the throttling key (one budget per token): never the secret itself.
        return f"token:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# The portal's uploads belong to this app; their models live with the portal.
from certipro.declarations.portal.models import *  # noqa: E402, F403
