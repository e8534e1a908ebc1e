"""Scheduled messages (domain §7): reminders before the end of an incomplete period, and the end
of a CNP support grant. Run daily by `manage.py notify_scheduled`; running it twice, or after a
missed day, sends nothing twice and misses nothing (the keys make each message unique).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from certipro.accounts.models_grants import SupportGrant
from certipro.certification.models import PeriodState, StatusSnapshot
from certipro.core.iterables import chunks
from certipro.notifications.kinds import Kind
from certipro.notifications.services import Notice, notify
from certipro.referentiels.specs import AXES


def months_before(end: date, months: int) -> date:
    """The same day `months` months before `end` (the last day of the month when it has none)."""
    total = end.year * 12 + end.month - 1 - months
    year, month = divmod(total, 12)
    day = min(end.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def due_reminder(end: date, today: date, thresholds: Sequence[int]) -> int | None:
    """The reminder due on `today` for a period ending on `end`: the nearest threshold passed.

    Only the nearest one: an account opened 10 months before the end gets the 12-month reminder,
    not the 36- and 24-month ones too.
    """
    if today > end:
        return None
    passed = [m for m in thresholds if months_before(end, m) <= today]
    return min(passed) if passed else None


@dataclass
class ScheduledReport:
    reminders: int = 0
    grants: int = 0

    def __str__(self) -> str:
        # Due, not necessarily new: a message already recorded is not recorded again (its key).
        return f"reminders due {self.reminders}, grant notices due {self.grants}"


def notify_scheduled(today: date) -> ScheduledReport:
    report = ScheduledReport()
    for batch in chunks(_reminders(today, settings.CERTIPRO_REMINDER_MONTHS), 5000):
        report.reminders += notify(batch)
    report.grants = notify(_grants_ending(today, settings.CERTIPRO_GRANT_EXPIRY_NOTICE_DAYS))
    return report


def _reminders(today: date, thresholds: Sequence[int]) -> Iterator[Notice]:
    if not thresholds:
        return
    # Periods that end after today and within the largest threshold.
    latest_end = _months_after(today, max(thresholds))
    fields = [*(f"counted_{a}" for a in AXES), *(f"required_{a}" for a in AXES), "exempt_axes"]
    rows = (
        StatusSnapshot.objects.filter(
            period__state=PeriodState.OPEN,
            period__end__gte=today,
            period__end__lte=latest_end,
        )
        .exclude(status="complete")
        .values_list("period_id", "professional_id", "period__end", *fields)
    )
    for period_id, professional_id, end, *values in rows.iterator(chunk_size=5000):
        months = due_reminder(end, today, thresholds)
        if months is None:
            continue
        counted, required, exempt = values[0:4], values[4:8], values[8]
        missing = {
            a: r - c
            for a, c, r in zip(AXES, counted, required, strict=True)
            if c < r and not exempt & (1 << (a - 1))
        }
        if not missing:
            continue
        yield Notice(
            professional_id,
            Kind.REMINDER,
            f"reminder:{period_id}:{months}",
            {
                "months": months,
                "end": end.isoformat(),
                "missing": sum(missing.values()),
                "missing_axes": {str(a): n for a, n in missing.items()},
            },
        )


def _months_after(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _grants_ending(today: date, days: int) -> list[Notice]:
    start = timezone.make_aware(datetime.combine(today, time.min))
    grants = SupportGrant.objects.filter(
        revoked_at__isnull=True, expires_at__gt=start, expires_at__lte=start + timedelta(days=days + 1)
    ).select_related("cnp")
    return [
        Notice(
            g.professional_id,
            Kind.GRANT_EXPIRING,
            f"grant:{g.pk}",
            {"cnp": g.cnp.name, "expires": timezone.localdate(g.expires_at).isoformat()},
        )
        for g in grants
    ]
