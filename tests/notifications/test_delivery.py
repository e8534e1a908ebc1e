"""Domain §7 "by e-mail … each sent once, never lost": delivery over a real SMTP connection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certipro.directory.models import Professional
from certipro.notifications.delivery import FIRST_RETRY, MAX_ATTEMPTS, deliver_pending
from certipro.notifications.kinds import Kind
from certipro.notifications.models import EmailState, Notification, Preferences
from certipro.notifications.services import Notice, notify
from tests.notifications.conftest import Sink, body


def state(professional: Professional, kind: str = Kind.ACCOUNT_OPENED) -> Notification:
    return Notification.objects.get(professional=professional, kind=kind)


def test_the_account_opened_e_mail_reaches_the_directory_address_once(
    dr_martin: Professional, smtp: Sink
) -> None:
    report = deliver_pending()
    assert report.sent == 1
    [message] = smtp.to("claire@example.org")
    assert message["Subject"].strip() == "[CertiPro] Votre compte de certification périodique est ouvert"
    text = body(message)
    assert "du 1 janvier 2023 au 31 décembre 2031" in text
    assert "http://127.0.0.1:8000/mon-espace/" in text
    n = state(dr_martin)
    assert n.email_state == EmailState.SENT and n.email_to == "claire@example.org" and n.email_sent_at
    assert deliver_pending().sent == 0  # each sent once
    assert len(smtp.messages) == 1


def test_the_professionals_own_address_wins_over_the_directorys(dr_martin: Professional, smtp: Sink) -> None:
    Preferences.objects.create(professional=dr_martin, email="claire.martin@cabinet.fr")
    deliver_pending()
    assert [m["To"] for m in smtp.messages] == ["claire.martin@cabinet.fr"]


def test_an_optional_kind_declined_is_not_e_mailed_but_stays_in_the_account(
    dr_martin: Professional, smtp: Sink
) -> None:
    Preferences.objects.create(professional=dr_martin, email_declined=[Kind.REMINDER])
    notify([Notice(dr_martin.pk, Kind.REMINDER, "reminder:1:36", {"months": 36})])
    report = deliver_pending()
    assert (report.sent, report.declined) == (1, 1)  # the account opening is not optional
    assert state(dr_martin, Kind.REMINDER).email_state == EmailState.DECLINED
    assert [m["Subject"].strip() for m in smtp.messages] == [
        "[CertiPro] Votre compte de certification périodique est ouvert"
    ]


def test_a_mandatory_kind_is_e_mailed_even_if_listed_as_declined(dr_martin: Professional, smtp: Sink) -> None:
    # Only optional kinds can be declined; a forged preference does not silence a mandatory one.
    Preferences.objects.create(professional=dr_martin, email_declined=[Kind.ACCOUNT_OPENED])
    assert deliver_pending().sent == 1


def test_without_an_address_nothing_is_sent_and_the_message_stays_in_the_account(
    import_rows: Any, referentiels: None, smtp: Sink
) -> None:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    bernard = Professional.objects.get(rpps="10000000025")
    assert deliver_pending().no_address == 1
    assert state(bernard).email_state == EmailState.NO_ADDRESS
    assert smtp.messages == []


def test_an_smtp_outage_loses_nothing_the_message_goes_on_a_later_run(
    dr_martin: Professional, smtp_down: None, settings: Any
) -> None:
    now = timezone.now()
    report = deliver_pending(now=now)
    assert report.retried == 1
    n = state(dr_martin)
    assert n.email_state == EmailState.PENDING and n.email_attempts == 1
    assert n.email_next_try == now + FIRST_RETRY
    assert n.email_error.startswith("ConnectionRefusedError")  # what failed, for the operators
    assert deliver_pending(now=now + timedelta(minutes=1)).retried == 0  # not due yet
    # The relay is back.
    from aiosmtpd.controller import Controller

    from tests.notifications.conftest import Sink as Server

    sink = Server()
    controller = Controller(sink, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        assert deliver_pending(now=now + FIRST_RETRY).sent == 1
    finally:
        controller.stop()
    assert [m["To"] for m in sink.messages] == ["claire@example.org"]
    assert state(dr_martin).email_state == EmailState.SENT


def test_a_refused_recipient_is_retried_alone_then_marked_failed(
    dr_martin: Professional, import_rows: Any, smtp: Sink
) -> None:
    import_rows("10000000025,Bernard,Julien,julien@example.org,10,SM54,75,L,2010-06-01")
    smtp.refuse.add("claire@example.org")
    now = timezone.now()
    report = deliver_pending(now=now)
    assert (report.sent, report.retried) == (1, 1)  # Julien's message went through the same connection
    n = state(dr_martin)
    for attempt in range(2, MAX_ATTEMPTS + 1):
        deliver_pending(now=n.email_next_try)
        n.refresh_from_db()
        assert n.email_attempts == attempt
    assert n.email_state == EmailState.FAILED
    assert "SMTPRecipientsRefused" in n.email_error
    assert Notification.objects.filter(professional=dr_martin).exists()  # still in the account


def test_a_message_claimed_by_a_worker_is_not_taken_by_another_until_its_lease_ends(
    dr_martin: Professional, smtp: Sink
) -> None:
    from certipro.notifications.delivery import LEASE, _claim

    now = timezone.now()
    assert len(_claim(now, 10)) == 1  # a worker took it, then died before sending
    assert deliver_pending(now=now).sent == 0
    assert deliver_pending(now=now + LEASE).sent == 1


def test_the_send_command_names_a_bad_limit() -> None:
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("send_notifications", "--limit", "0")


@pytest.fixture
def nomenclatures(transactional_db: None) -> None:
    """A transactional test starts from a database another one may have flushed: load them again."""
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    load_nomenclatures(load)


@pytest.mark.django_db(transaction=True)
def test_the_e_mail_leaves_after_the_commit_of_the_event(
    nomenclatures: None, referentiels: None, import_rows: Any, smtp: Sink
) -> None:
    # The task queued on commit (immediate backend in the tests) sends it; nothing is left due.
    import_rows("10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01")
    assert [m["To"] for m in smtp.messages] == ["claire@example.org"]
    assert not Notification.objects.filter(email_state=EmailState.PENDING).exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CERTIPRO_REMINDER_MONTHS",
            "36,douze",
            "CERTIPRO_REMINDER_MONTHS must list whole numbers of months",
        ),
        ("CERTIPRO_EMAIL_BACKEND", "pigeon", "CERTIPRO_EMAIL_BACKEND must be one of smtp, file, console"),
        ("CERTIPRO_EMAIL_PORT", "vingt-cinq", "CERTIPRO_EMAIL_PORT must be an integer"),
    ],
)
def test_a_bad_mail_setting_stops_start_up_naming_it(variable: str, value: str, message: str) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CERTIPRO_DEBUG": "1", variable: value}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and message in result.stderr
