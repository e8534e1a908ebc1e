"""Password sign-in for everyone but professionals, who sign in through Pro Santé Connect only.

A professional's identity is proven by PSC (CPS card or e-CPS, eIDAS substantial); a password on
the same account would be a weaker door to it. The demo's professionals do have passwords: with
this backend they cannot use them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from certipro.accounts.models import User


class PasswordBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and getattr(user, "professional_id", None) is not None:
            return None
        return user
