"""Requests to change the dates of a period (D-16): never self-service, always decided by the order.

The life cycle is an explicit state machine with a transition log (style.md item 4):

    submitted → accepted | refused | withdrawn

The professional submits and may withdraw while the request waits; deciding belongs to the order
(its space comes with another issue), which goes through `transition` too. Every write journals.

A `RequestError` carries a message for the person, translated when raised (French msgids); what
the transition log and the journal keep stays French, whatever the language of the page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from certipro.audit.journal import Actor, record
from certipro.certification.models import Period
from certipro.directory.models import Exercise, Professional
from certipro.space.evidence import EXTENSIONS, sniff
from certipro.space.models_documents import DateChangeRequest, DateChangeTransition, DateRequestState

TRANSITIONS: dict[str, frozenset[str]] = {
    DateRequestState.SUBMITTED: frozenset(
        {DateRequestState.ACCEPTED, DateRequestState.REFUSED, DateRequestState.WITHDRAWN}
    ),
    DateRequestState.ACCEPTED: frozenset(),
    DateRequestState.REFUSED: frozenset(),
    DateRequestState.WITHDRAWN: frozenset(),
}


class RequestError(Exception):
    """A request refused, with a message for the professional."""


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    content_type: str
    extension: str
    name: str


def check_document(upload: UploadedFile[bytes]) -> CheckedDocument:
    """A PDF, JPEG or PNG no larger than the configured limit, judged by its content."""
    limit: int = settings.CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES
    too_large = gettext("Le justificatif dépasse la taille autorisée (%(size)s Mo).") % {
        "size": limit // (1024 * 1024)
    }
    if upload.size is None or upload.size > limit:
        raise RequestError(too_large)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise RequestError(too_large)
    # Recognised by its first bytes, never by its name (D-35), as evidence files are.
    content_type = sniff(content[:8])
    if content_type is None:
        raise RequestError(gettext("Le justificatif doit être un fichier PDF, JPEG ou PNG."))
    extension = EXTENSIONS[content_type].lstrip(".")
    return CheckedDocument(content, content_type, extension, (upload.name or "")[:200])


def current_period(exercise: Exercise, today: date) -> Period | None:
    """The period a request is about: the latest one started by today."""
    return exercise.periods.filter(start__lte=today).order_by("-start").first()


@transaction.atomic
def submit_date_change_request(
    *,
    professional: Professional,
    exercise: Exercise,
    requested_start: date | None,
    requested_end: date | None,
    reason: str,
    document: CheckedDocument,
    actor: Actor,
    today: date,
) -> DateChangeRequest:
    """The professional asks their order to change the dates of their current period (D-16, R19)."""
    if exercise.professional_id != professional.pk:
        raise RequestError(gettext("Cet exercice n'est pas le vôtre."))
    period = current_period(exercise, today)
    if period is None:
        raise RequestError(gettext("Aucune période de certification n'est ouverte pour cette profession."))
    # Locks the period's row: two submissions at once cannot both pass the check below.
    Period.objects.select_for_update().filter(pk=period.pk).first()
    if DateChangeRequest.objects.filter(period=period, state=DateRequestState.SUBMITTED).exists():
        raise RequestError(
            gettext("Une demande est déjà en cours d'examen par votre ordre pour cette période.")
        )
    if requested_start is None and requested_end is None:
        raise RequestError(gettext("Indiquez la date de début ou de fin que vous demandez."))
    if (requested_start or period.start) == period.start and (requested_end or period.end) == period.end:
        raise RequestError(gettext("Les dates demandées sont celles de votre période actuelle."))
    if (requested_start or period.start) > (requested_end or period.end):
        raise RequestError(gettext("La date de début demandée doit précéder la date de fin."))
    if not reason.strip():
        raise RequestError(gettext("Expliquez le motif de votre demande."))
    name = default_storage.save(
        f"date-requests/{professional.pk}/{secrets.token_hex(16)}.{document.extension}",
        ContentFile(document.content),
    )
    try:
        request = DateChangeRequest.objects.create(
            professional=professional,
            exercise=exercise,
            period=period,
            current_start=period.start,
            current_end=period.end,
            requested_start=requested_start,
            requested_end=requested_end,
            reason=reason.strip(),
            document=name,
            document_name=document.name,
            document_type=document.content_type,
            document_sha256=hashlib.sha256(document.content).hexdigest(),
            document_size=len(document.content),
        )
    except Exception:
        default_storage.delete(name)  # no orphan file for a request that was not recorded
        raise
    DateChangeTransition.objects.create(
        request=request,
        professional=professional,
        from_state="",
        to_state=DateRequestState.SUBMITTED,
        actor_label=actor.label,
        reason=request.reason[:2000],
    )
    record(
        actor=actor,
        verb="date_request.submitted",
        professional_id=professional.pk,
        obj=request,
        reason=request.reason,
        data={
            "period": period.pk,
            "current": [period.start.isoformat(), period.end.isoformat()],
            "requested": [
                requested_start.isoformat() if requested_start else None,
                requested_end.isoformat() if requested_end else None,
            ],
            "document_sha256": request.document_sha256,
        },
    )
    return request


def transition(
    request: DateChangeRequest, *, to: str, actor: Actor, reason: str = ""
) -> DateChangeTransition:
    """Moves a request along the state machine, logs it and journals it; refuses any other move."""
    if to not in TRANSITIONS.get(request.state, frozenset()):
        # The state's label is French stored data, in the catalogue through web/labels.py.
        raise RequestError(
            gettext("Une demande « %(state)s » ne peut plus changer d'état.")
            % {"state": gettext(request.get_state_display())}
        )
    step = DateChangeTransition.objects.create(
        request=request,
        professional_id=request.professional_id,
        from_state=request.state,
        to_state=to,
        actor_label=actor.label,
        reason=reason[:2000],
    )
    request.state = to
    request.save(update_fields=["state", "updated_at"])
    record(
        actor=actor,
        verb=f"date_request.{to}",
        professional_id=request.professional_id,
        obj=request,
        reason=reason,
        data={"from": step.from_state, "to": to},
    )
    return step


@transaction.atomic
def withdraw_date_change_request(
    *, professional: Professional, request_id: int, actor: Actor
) -> DateChangeRequest:
    """The professional takes back a request the order has not decided yet."""
    request = (
        DateChangeRequest.objects.select_for_update().filter(pk=request_id, professional=professional).first()
    )
    if request is None:
        raise RequestError(gettext("Demande introuvable."))
    # The reason is kept in the transition log and the journal: French, never translated here.
    transition(request, to=DateRequestState.WITHDRAWN, actor=actor, reason="retirée par le professionnel")
    return request
