"""Who may do what with a professional's account (domain §5). Pages, API and exports ask here.

For now: the professional themself, and platform staff. Orders, CNPs (under a grant) and
employers get their scoped access with their own issues; anything not allowed answers 404.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from certipro.accounts.models import User
from certipro.directory.models import Professional


def is_owner(user: User | AnonymousUser, professional: Professional) -> bool:
    return bool(user.is_authenticated and getattr(user, "professional_id", None) == professional.pk)


def can_view_account(user: User | AnonymousUser, professional: Professional) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_owner(user, professional) or bool(user.is_staff)
