"""The professional's writes on their actions: declare (with evidence), contest a claim, keep a note.

Each is one entry point; recording and contesting go through the actions app's own entry points
(`record_action`, `change_action_state`), which check, log the transition, journal and refresh the
status. What this module adds is the evidence file and the private note.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from certipro.accounts.models import User
from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.audit.journal import Actor, record
from certipro.directory.models import Professional
from certipro.entrypoints.actions import Recorded, change_action_state, record_action
from certipro.space.evidence import CheckedFile, delete_files, store_evidence
from certipro.space.models_actions import ActionNote

# A professional contests what a third party claims; their own declarations are theirs to keep.
CONTESTABLE = (ActionState.ATTESTED,)


def can_contest(action: Action) -> bool:
    return action.source != Source.PROFESSIONAL and action.state in CONTESTABLE


def declare_own_action(
    *,
    professional: Professional,
    user: User,
    profession: str,
    type_code: str,
    title: str,
    start_date: date | None,
    end_date: date,
    evidence: CheckedFile | None,
    today: date,
) -> Recorded:
    """A self-declared action (D-30); raises ActionRefused before anything is stored."""
    actor = Actor.for_user(user, "professional")
    written: list[str] = []
    try:
        with transaction.atomic():
            recorded = record_action(
                professional=professional,
                profession=profession,
                type_code=type_code,
                title=title,
                start_date=start_date,
                end_date=end_date,
                source=Source.PROFESSIONAL,
                channel=Channel.WEB,
                actor=actor,
                today=today,
            )
            if evidence is not None:
                stored = store_evidence(action=recorded.action, checked=evidence, written=written)
                # The name may say something private (axis 4): the journal keeps the hash only.
                record(
                    actor=actor,
                    verb="evidence.added",
                    professional_id=professional.pk,
                    obj=stored,
                    data={"action": recorded.action.pk, "sha256": stored.sha256, "size": stored.size},
                )
    except BaseException:
        delete_files(written)
        raise
    return recorded


def contest_claim(*, action: Action, user: User, reason: str, today: date) -> Action:
    """D-34: the professional disputes a third party's claim; it stops counting at once."""
    if not can_contest(action):
        raise ValueError(f"action {action.pk} cannot be contested in state {action.state}")
    return change_action_state(
        action,
        to=ActionState.CONTESTED,
        actor=Actor.for_user(user, "professional"),
        reason=reason,
        today=today,
    )


@transaction.atomic
def save_note(
    *, action: Action, user: User, quality: int | None, relevance: int | None, note: str
) -> ActionNote:
    """The professional's private rating and note (D-40): journaled as a change, without its content."""
    saved, _ = ActionNote.objects.update_or_create(
        action=action,
        defaults={
            "professional_id": action.professional_id,
            "quality": quality,
            "relevance": relevance,
            "note": note,
        },
    )
    record(
        actor=Actor.for_user(user, "professional"),
        verb="action.note_saved",
        professional_id=action.professional_id,
        obj=saved,
    )
    return saved
