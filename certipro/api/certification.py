"""GET /api/v1/professionals/{rpps}/certification (contracts/status.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router

from certipro.accounts.permissions import account_scope, can_view_account, is_owner, viewer_role
from certipro.api.schemas import CertificationStatus
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import current_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.queries import CurrentPeriod, current_periods, snapshot_object
from certipro.certification.status import status_object
from certipro.directory.models import Professional

router = Router(tags=["certification"])


@router.get(
    "/professionals/{rpps}/certification",
    response=CertificationStatus | list[CertificationStatus],
    summary="Where a professional stands in their current period",
)
def certification(request: HttpRequest, rpps: str, profession: str | None = None) -> Any:
    """The professional themself, or someone allowed to see the account; anyone else gets 404,
    so that the API does not reveal who exists."""
    professional = Professional.objects.filter(rpps=rpps).first()
    if professional is None or not can_view_account(request.user, professional):
        raise Http404
    professions = list(professional.exercises.values_list("profession_id", flat=True))
    if profession is not None:
        professions = [p for p in professions if p == profession]
    today = timezone.localdate()
    current = [
        c for c in current_periods(professional.pk, today=today) if c.exercise.profession_id in professions
    ]
    if not current:
        raise Http404
    if not is_owner(request.user, professional):
        # D-41: every read of an account by anyone but its owner is journaled.
        record(
            actor=Actor.for_user(request.user, role=viewer_role(account_scope(request.user, professional))),  # type: ignore[arg-type]
            verb="account.viewed",
            professional_id=professional.pk,
            data={"via": "api", "what": "certification"},
        )
    objects = [_status(c, professional, today) for c in current]
    return objects[0] if len(professions) == 1 else objects


def _status(current: CurrentPeriod, professional: Professional, today: date) -> dict[str, Any]:
    """The period's snapshot; without one (a period written before snapshots existed, never
    refreshed since), the engine on that period alone, as the snapshot would say: a read writes
    nothing, and a missing snapshot is never an error."""
    if current.snapshot is not None:
        return snapshot_object(current, rpps=professional.rpps, today=today)
    current.exercise.professional = professional
    [status] = evaluate_exercises([current.exercise], as_of=today, catalogue=current_catalogue())
    return status_object(status)
