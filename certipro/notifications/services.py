"""The one entry point that creates notifications (design.md: every write has one).

Called inside the transaction of the event (an import, a declaration, a snapshot refresh…): the
message exists if and only if the event does. Its e-mail goes after the commit (`delivery.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from certipro.audit.journal import Actor, record
from certipro.notifications.kinds import OPTIONAL, Kind
from certipro.notifications.models import EmailState, Notification, Preferences

BATCH = 1000


@dataclass(frozen=True)
class Notice:
    professional_id: int
    kind: Kind
    key: str
    data: dict[str, Any] = field(default_factory=dict)


def notify(notices: Iterable[Notice]) -> int:
    """Records the notices not recorded before (each is sent once: D-§7); returns how many were given.

    Set-based for imports and batches: one INSERT … ON CONFLICT DO NOTHING per thousand; on
    PostgreSQL from one JSON document of the rows, without building a model instance per row,
    because a batch of 1,000 declarations makes 1,000 of them.
    """
    now = timezone.now()
    given = list(notices)
    if not given:
        return 0
    if connection.vendor == "postgresql":
        for start in range(0, len(given), BATCH):
            _insert_json(given[start : start + BATCH], now)
    else:
        Notification.objects.bulk_create(
            [
                Notification(
                    professional_id=n.professional_id,
                    kind=n.kind,
                    key=n.key[:80],
                    data=n.data,
                    created_at=now,
                    email_next_try=now,
                )
                for n in given
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    enqueue_delivery_after_commit()
    return len(given)


def _insert_json(notices: list[Notice], now: datetime) -> None:
    # The rows travel as one JSON document: Django's psycopg cursor quotes each parameter in
    # Python, and an array of a thousand JSON texts cost ~25 ms to quote, one document ~1 ms.
    rows = json.dumps(
        [[n.professional_id, str(n.kind), n.key[:80], n.data] for n in notices], cls=DjangoJSONEncoder
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table}
                (professional_id, kind, key, data, created_at, email_state, email_to, email_attempts,
                 email_next_try, email_error)
            SELECT (r->>0)::bigint, r->>1, r->>2, (r->3)::jsonb, %s, %s, '', 0, %s, ''
            FROM json_array_elements(%s::json) AS r
            ON CONFLICT DO NOTHING
            """,
            [now, EmailState.PENDING.value, now, rows],
        )


def enqueue_delivery_after_commit() -> None:
    # Once per transaction, however many events it holds: the task sends whatever is due.
    conn = transaction.get_connection()
    if not any(getattr(f, "__name__", "") == "_enqueue_delivery" for _, f, _ in conn.run_on_commit):
        transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from certipro.notifications.tasks import deliver_notifications

    deliver_notifications.enqueue()


def mark_read(professional_id: int, ids: Iterable[int] | None = None) -> int:
    """Marks the professional's unread messages (these ones, or all) as read."""
    unread = Notification.objects.filter(professional_id=professional_id, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_count(professional_id: int) -> int:
    return Notification.objects.filter(professional_id=professional_id, read_at__isnull=True).count()


def preferences_of(professional_id: int) -> Preferences:
    return Preferences.objects.filter(pk=professional_id).first() or Preferences(
        professional_id=professional_id
    )


@transaction.atomic
def save_preferences(
    *, professional_id: int, email: str, declined: Iterable[str], actor: Actor
) -> Preferences:
    """The professional's choices; journaled like every change to an account (D-41)."""
    prefs = preferences_of(professional_id)
    before = {"email": prefs.email, "email_declined": sorted(prefs.email_declined)}
    prefs.email = email
    prefs.email_declined = sorted(set(declined) & set(OPTIONAL))
    prefs.save()
    after = {"email": prefs.email, "email_declined": prefs.email_declined}
    if after != before:
        record(
            actor=actor,
            verb="notifications.preferences_changed",
            professional_id=professional_id,
            obj=prefs,
            data={"before": before, "after": after},
        )
    return prefs
