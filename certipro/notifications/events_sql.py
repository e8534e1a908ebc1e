"""`events.axes_completed` for the national recompute, in SQL: the snapshots about to be written
sit in a temporary table, so the axes they complete are found by one join with the stored ones
(same rule: an axis newly complete, on a period that had a snapshot before)."""

from __future__ import annotations

from django.db import connection, transaction

from certipro.certification.models import Period, StatusSnapshot
from certipro.notifications.kinds import Kind
from certipro.notifications.models import EmailState, Notification
from certipro.notifications.services import enqueue_delivery_after_commit
from certipro.referentiels.specs import AXES, AXIS_LABELS


def _complete(alias: str, axis: int) -> str:
    bit = 1 << (axis - 1)
    return (
        f"({alias}.required_{axis} > 0 AND {alias}.counted_{axis} >= {alias}.required_{axis} "
        f"AND {alias}.exempt_axes & {bit} = 0)"
    )


def axes_completed_from(temp_table: str) -> int:
    """Records the notices for the axes that `temp_table`'s snapshots complete; returns how many."""
    newly = " ".join(f"WHEN {a} THEN {_complete('t', a)} AND NOT {_complete('s', a)}" for a in AXES)
    axes = ", ".join(["(%s, %s)"] * len(AXES))
    sql = f"""
        INSERT INTO {Notification._meta.db_table}
            (professional_id, kind, key, data, created_at, email_state, email_to, email_attempts,
             email_next_try, email_error)
        SELECT t.professional_id, %s, 'axis:' || t.period_id || ':' || a.axis,
               jsonb_build_object('axis', a.axis, 'axis_label', a.label,
                                  'start', p.start, 'end', p."end"),
               now(), %s, '', 0, now(), ''
        FROM {temp_table} t
        JOIN {StatusSnapshot._meta.db_table} s ON s.period_id = t.period_id
        JOIN {Period._meta.db_table} p ON p.id = t.period_id
        CROSS JOIN (VALUES {axes}) AS a(axis, label)
        WHERE CASE a.axis {newly} ELSE false END
        ON CONFLICT DO NOTHING
    """
    params: list[str | int] = [Kind.AXIS_COMPLETED.value, EmailState.PENDING.value]
    for a in AXES:
        params += [a, AXIS_LABELS[a]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count = int(cursor.rowcount)
    if count and transaction.get_connection().in_atomic_block:
        enqueue_delivery_after_commit()
    return count
