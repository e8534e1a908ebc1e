"""Who may do what in the declarants' portal: the one place every portal view asks.

A user acts for the active declarants they are a member of, and for nothing else: anything of
another declarant answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from certipro.accounts.models import User
from certipro.actions.models import Declarant


def declarants_of(user: User | AnonymousUser) -> QuerySet[Declarant]:
    """The declarants this user may act for: upload files, read their results and declarations."""
    if not user.is_authenticated or not user.is_active:
        return Declarant.objects.none()
    return Declarant.objects.filter(members=user, is_active=True)
