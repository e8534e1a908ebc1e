"""Support of a CNP (R38, R50): the professional opens their account to a CNP, for a time and a
scope they choose, and may close it at any moment. Both are journaled (D-41).

Who may then read what is said in `certipro.accounts.permissions`, not here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from certipro.accounts.models import User
from certipro.accounts.models_grants import Cnp, GrantScope, SupportGrant
from certipro.audit.journal import Actor, record
from certipro.directory.models import Professional


class GrantRefused(ValueError):
    """A grant the professional may not give: unknown CNP for them, unknown scope, too long.

    Its message is for the professional, translated when raised; the journal never keeps it."""


def max_days() -> int:
    return int(settings.CERTIPRO_SUPPORT_GRANT_MAX_DAYS)


def offered_cnps(professional: Professional) -> QuerySet[Cnp]:
    """The CNPs of the professional's active professions that cover one of their specialties
    (a CNP with no specialty listed covers the whole profession)."""
    query = Q()
    for exercise in professional.exercises.filter(is_active=True):
        query |= Q(profession_id=exercise.profession_id, specialties__isnull=True)
        if exercise.specialties:
            query |= Q(profession_id=exercise.profession_id, specialties__code__in=exercise.specialties)
    if not query:
        return Cnp.objects.none()
    return Cnp.objects.filter(query).distinct().order_by("profession_id", "name")


def grant_support(
    *,
    professional: Professional,
    user: User,
    cnp: Cnp,
    scope: str,
    days: int,
    reason: str,
    now: datetime,
) -> SupportGrant:
    """The professional (`user`) opens their account to `cnp` from `now` for `days` days."""
    if scope not in GrantScope.values:
        raise GrantRefused(gettext("Cette étendue d'accès n'existe pas."))
    if not 1 <= days <= max_days():
        raise GrantRefused(
            gettext("La durée doit être comprise entre 1 et %(max)s jours.") % {"max": max_days()}
        )
    if not offered_cnps(professional).filter(pk=cnp.pk).exists():
        raise GrantRefused(gettext("Ce CNP ne couvre pas votre profession ou votre spécialité."))
    with transaction.atomic():
        grant = SupportGrant.objects.create(
            professional=professional,
            cnp=cnp,
            scope=scope,
            reason=reason.strip(),
            starts_at=now,
            expires_at=now + timedelta(days=days),
        )
        record(
            actor=Actor.for_user(user, "professional"),
            verb="support.granted",
            professional_id=professional.pk,
            obj=grant,
            reason=grant.reason,
            data={
                "cnp": cnp.pk,
                "cnp_name": cnp.name,
                "scope": scope,
                "expires_at": grant.expires_at.isoformat(),
            },
        )
    return grant


def revoke_grant(*, grant: SupportGrant, user: User, now: datetime) -> bool:
    """Closes an active grant at once; False (and nothing written) if it was already closed."""
    with transaction.atomic():
        locked = SupportGrant.objects.select_for_update().get(pk=grant.pk)
        if not locked.is_active(now):
            return False
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        record(
            actor=Actor.for_user(user, "professional"),
            verb="support.revoked",
            professional_id=locked.professional_id,
            obj=locked,
            data={"cnp": locked.cnp_id, "scope": locked.scope},
        )
    grant.revoked_at = now
    return True


def grants_of(professional: Professional, *, now: datetime) -> tuple[list[SupportGrant], list[SupportGrant]]:
    """The professional's grants: (active, past), most recent first."""
    grants = list(SupportGrant.objects.filter(professional=professional).select_related("cnp"))
    active = [g for g in grants if g.is_active(now)]
    return active, [g for g in grants if not g.is_active(now)]
