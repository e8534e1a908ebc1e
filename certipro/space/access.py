"""Whose space a request may see: the professional's own, or another's for staff (journaled).

Every refusal is a 404, so that nobody learns who has an account (design.md).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from certipro.accounts.models import User
from certipro.accounts.permissions import OWNER, STAFF, account_scope, is_owner
from certipro.audit.journal import Actor, record
from certipro.directory.models import Professional


def own_professional(user: User | AnonymousUser) -> Professional:
    professional = user.professional if isinstance(user, User) else None
    if professional is None or not user.is_active:
        raise Http404
    return professional


def viewed_professional(user: User | AnonymousUser, rpps: str) -> Professional:
    """The account `rpps` if this user may see it; a read by anyone but its owner is journaled (D-41)."""
    professional = Professional.objects.filter(rpps=rpps).first()
    # A CNP member reads only through views_grants.py, limited to the grant's scope (R38).
    if professional is None or account_scope(user, professional) not in (OWNER, STAFF):
        raise Http404
    if not is_owner(user, professional):
        assert isinstance(user, User)  # can_view_account refuses anonymous users
        record(
            actor=Actor.for_user(user, "staff"),
            verb="account_viewed",
            professional_id=professional.pk,
            obj=professional,
            reason="consultation du tableau de bord de certification",
        )
    return professional
