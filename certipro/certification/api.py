"""GET /api/v1/professionals/{rpps}/certification (contracts/status.md)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router

from certipro.accounts.audit import Actor, record
from certipro.accounts.permissions import account_scope, can_view_account, is_owner, viewer_role
from certipro.certification.catalogue import current_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.schemas import CertificationStatus
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
    exercises = list(professional.exercises.select_related("professional").order_by("profession_id"))
    if profession is not None:
        exercises = [e for e in exercises if e.profession_id == profession]
    statuses = evaluate_exercises(exercises, as_of=timezone.localdate(), catalogue=current_catalogue())
    if not statuses:
        raise Http404
    if not is_owner(request.user, professional):
        # D-41: every read of an account by anyone but its owner is journaled.
        record(
            actor=Actor.for_user(request.user, role=viewer_role(account_scope(request.user, professional))),  # type: ignore[arg-type]
            verb="account.viewed",
            professional_id=professional.pk,
            data={"via": "api", "what": "certification"},
        )
    objects = [status_object(s) for s in statuses]
    return objects[0] if len(exercises) == 1 else objects
