"""Users: the people who sign in (the audit journal is certipro.audit)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in. A professional's user is linked to their directory record."""

    professional = models.OneToOneField(
        "directory.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )


from certipro.accounts.models_grants import Cnp, CnpMembership, SupportGrant  # noqa: E402, F401
