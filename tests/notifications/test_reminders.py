"""Domain §7: reminders when incomplete (36, 24, 12, 6 and 3 months before the end), grant ending."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from certipro.accounts.models_grants import Cnp, GrantScope, SupportGrant
from certipro.directory.models import Professional
from certipro.notifications.kinds import Kind, render
from certipro.notifications.models import Notification
from certipro.notifications.reminders import due_reminder, months_before, notify_scheduled
from tests.space.test_actions_space import declare

END = date(2031, 12, 31)
THRESHOLDS = (36, 24, 12, 6, 3)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2028, 12, 30), None),  # the day before 36 months
        (date(2028, 12, 31), 36),
        (date(2029, 12, 31), 24),
        (date(2031, 6, 29), 12),  # only the nearest threshold passed, not 36 and 24 again
        (date(2031, 6, 30), 6),
        (date(2031, 9, 29), 6),
        (date(2031, 9, 30), 3),
        (date(2031, 12, 31), 3),
        (date(2032, 1, 1), None),  # the period is over: the control belongs to the order
    ],
)
def test_the_reminder_due_is_the_nearest_threshold_passed(today: date, due: int | None) -> None:
    assert due_reminder(END, today, THRESHOLDS) == due


def test_months_before_clips_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2031, 8, 31), 6) == date(2031, 2, 28)
    assert months_before(date(2032, 8, 31), 6) == date(2032, 2, 29)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 1, 1)), st.integers(0, 6000))
def test_a_reminder_threshold_never_grows_as_the_end_comes_closer(end: date, days: int) -> None:
    today = end - timedelta(days=days)
    later = today + timedelta(days=1)
    a, b = due_reminder(end, today, THRESHOLDS), due_reminder(end, later, THRESHOLDS)
    if a is not None and b is not None:
        assert b <= a
    if a is not None and later <= end:
        assert b is not None


def test_an_incomplete_account_gets_one_reminder_per_threshold_and_a_rerun_adds_none(
    dr_martin: Professional,
) -> None:
    declare(dr_martin, "MG-DPC", end=date(2024, 1, 10))
    assert notify_scheduled(date(2028, 12, 30)).reminders == 0
    notify_scheduled(date(2028, 12, 31))
    notify_scheduled(date(2029, 1, 1))  # the next day, or the same day twice: nothing new
    notify_scheduled(date(2028, 12, 31))
    [reminder] = Notification.objects.filter(professional=dr_martin, kind=Kind.REMINDER)
    assert reminder.key.endswith(":36")
    assert reminder.data["missing"] == 7 and reminder.data["missing_axes"] == {"1": 1, "2": 2, "3": 2, "4": 2}
    title, text = render(reminder.kind, reminder.data)
    assert title == "Il reste 36 mois pour compléter votre certification"
    assert "se termine le 31 décembre 2031" in text
    assert "axe 1 : 1, axe 2 : 2, axe 3 : 2, axe 4 : 2" in text
    notify_scheduled(date(2029, 12, 31))
    assert Notification.objects.filter(professional=dr_martin, kind=Kind.REMINDER).count() == 2


def test_a_complete_account_gets_no_reminder(dr_martin: Professional) -> None:
    for code, day in [("MG-DPC", 1), ("MG-FC", 2), ("MG-EPP", 3), ("MG-RMM", 4)]:
        declare(dr_martin, code, end=date(2024, 1, day))
    for code, day in [("MG-COM", 5), ("MG-ETP", 6), ("MG-SANTE", 7), ("MG-STRESS", 8)]:
        declare(dr_martin, code, end=date(2024, 1, day))
    declare(dr_martin, "MG-COM", end=date(2024, 1, 9))
    declare(dr_martin, "MG-EPP", end=date(2024, 1, 10))
    from certipro.certification.models import StatusSnapshot

    assert StatusSnapshot.objects.get(professional=dr_martin).status == "complete"
    assert notify_scheduled(date(2031, 6, 30)).reminders == 0


def test_a_grant_ending_within_the_notice_is_announced_once(dr_martin: Professional) -> None:
    cnp = Cnp.objects.create(name="CNP de médecine générale", profession_id="10")
    now = timezone.make_aware(datetime(2026, 11, 22, 10))
    grant = SupportGrant.objects.create(
        professional=dr_martin,
        cnp=cnp,
        scope=GrantScope.STATUS,
        starts_at=now - timedelta(days=20),
        expires_at=now + timedelta(days=6),
    )
    SupportGrant.objects.create(  # ends later: not yet
        professional=dr_martin,
        cnp=cnp,
        scope=GrantScope.STATUS,
        starts_at=now,
        expires_at=now + timedelta(days=30),
    )
    assert notify_scheduled(date(2026, 11, 22)).grants == 1
    notify_scheduled(date(2026, 11, 23))
    [notice] = Notification.objects.filter(professional=dr_martin, kind=Kind.GRANT_EXPIRING)
    assert notice.key == f"grant:{grant.pk}"
    title, _ = render(notice.kind, notice.data)
    assert title == "L'accès de soutien du CNP prend fin le 28 novembre 2026"


def test_the_daily_command_reports_what_it_made(dr_martin: Professional) -> None:
    out = StringIO()
    call_command("notify_scheduled", "--today", "2028-12-31", stdout=out)
    assert out.getvalue().strip() == "reminders due 1, grant notices due 0"


def test_the_daily_command_names_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="'2028-13-01' is not a date"):
        call_command("notify_scheduled", "--today", "2028-13-01")
