"""Who may do what with a professional's account (domain §5). Pages, API and exports ask here.

The professional themself sees everything; platform staff see the account (axis 4 counted only);
a CNP member sees it only while a support grant its owner gave the CNP is active (R38), and only
within that grant's scope. Orders and employers get their scoped access with their own issues;
anything not allowed answers 404.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from certipro.accounts.models import User
from certipro.accounts.models_grants import CnpMembership, GrantScope, SupportGrant, SupportGrantQuerySet
from certipro.directory.models import Professional

# What a reader may see of an account: `account_scope` answers one of these, or None.
OWNER, STAFF = "owner", "staff"
CNP_STATUS, CNP_ACTIONS = "cnp_status", "cnp_actions"
CNP_SCOPES = (CNP_STATUS, CNP_ACTIONS)


def is_owner(user: User | AnonymousUser, professional: Professional) -> bool:
    return bool(user.is_authenticated and getattr(user, "professional_id", None) == professional.pk)


def account_scope(
    user: User | AnonymousUser, professional: Professional, *, now: datetime | None = None
) -> str | None:
    """ "owner", "staff", "cnp_status", "cnp_actions", or None: the account is not this user's to see."""
    if not user.is_authenticated or not user.is_active:
        return None
    if is_owner(user, professional):
        return OWNER
    if user.is_staff:
        return STAFF
    grant = support_grant(user, professional, now=now)
    if grant is None:
        return None
    return CNP_ACTIONS if grant.scope == GrantScope.ACTIONS else CNP_STATUS


def can_view_account(
    user: User | AnonymousUser, professional: Professional, *, now: datetime | None = None
) -> bool:
    return account_scope(user, professional, now=now) is not None


def viewer_role(scope: str | None) -> str:
    """The role a read under `scope` is journaled with (D-41): "owner", "staff" or "cnp"."""
    return "cnp" if scope in CNP_SCOPES else (scope or "")


def support_grant(
    user: User | AnonymousUser, professional: Professional, *, now: datetime | None = None
) -> SupportGrant | None:
    """The widest active grant `professional` gave to a CNP this user is a member of, if any."""
    if not user.is_authenticated or not user.is_active:
        return None
    grants = list(granted_to_member(user, now=now).filter(professional=professional))
    grants.sort(key=lambda g: (g.scope != GrantScope.ACTIONS, g.expires_at))
    return grants[0] if grants else None


def granted_to_member(user: User | AnonymousUser, *, now: datetime | None = None) -> SupportGrantQuerySet:
    """The active grants to the CNPs this user is a member of (empty for anyone else)."""
    if not user.is_authenticated or not user.is_active:
        return SupportGrant.objects.none()
    cnps = CnpMembership.objects.filter(user_id=user.pk).values("cnp_id")
    return SupportGrant.objects.active(now or timezone.now()).filter(cnp_id__in=cnps)


def is_cnp_member(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and CnpMembership.objects.filter(user_id=user.pk).exists())
