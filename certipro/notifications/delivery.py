"""Sends the e-mails of notifications: the outbox is the Notification table itself.

A worker claims a slice of due messages (on PostgreSQL, rows other workers hold are skipped),
leases them for a while by moving their next try, sends them over one SMTP connection, and marks
each one sent, or schedules a retry with a growing delay. A crash between the SMTP server's
acceptance and the mark means the message is sent again after the lease: at least once, never
lost. After the last retry the message is marked failed; it stays in the account.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from certipro.notifications.kinds import SPECS, render
from certipro.notifications.models import EmailState, Notification, Preferences

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8  # 5 min, 10, 20 … about 21 hours in all
FIRST_RETRY = timedelta(minutes=5)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    no_address: int = 0
    declined: int = 0

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, retry later {self.retried}, failed {self.failed}, "
            f"no address {self.no_address}, declined {self.declined}"
        )


def deliver_pending(
    *, now: datetime | None = None, batch: int = 200, limit: int | None = None
) -> DeliveryReport:
    """Sends every due message (or `limit` of them), `batch` per SMTP connection."""
    report = DeliveryReport()
    done = 0
    while limit is None or done < limit:
        claimed = _claim(now or timezone.now(), batch if limit is None else min(batch, limit - done))
        if not claimed:
            break
        _send(claimed, now or timezone.now(), report)
        done += len(claimed)
    return report


def _claim(now: datetime, size: int) -> list[Notification]:
    with transaction.atomic():
        due = Notification.objects.filter(email_state=EmailState.PENDING, email_next_try__lte=now).order_by(
            "email_next_try", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        claimed = list(due.select_related("professional")[:size])
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(email_next_try=now + LEASE)
    return claimed


def _send(claimed: list[Notification], now: datetime, report: DeliveryReport) -> None:
    prefs = {p.pk: p for p in Preferences.objects.filter(pk__in={n.professional_id for n in claimed})}
    to_send: list[tuple[Notification, EmailMessage]] = []
    for n in claimed:
        p = prefs.get(n.professional_id)
        address = (p.email if p and p.email else n.professional.email).strip()
        if p is not None and SPECS[n.kind].optional and n.kind in p.email_declined:
            _finish(n, EmailState.DECLINED, report)
        elif not address:
            _finish(n, EmailState.NO_ADDRESS, report)
        else:
            n.email_to = address
            to_send.append((n, _message(n, address)))
    if not to_send:
        return
    try:
        with get_connection(fail_silently=False) as smtp:
            for n, message in to_send:
                message.connection = smtp
                try:
                    message.send()
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError,
                ) as exc:
                    # This message only: the connection is still good for the others.
                    _retry(n, now, f"{type(exc).__name__}: {exc}", report)
                else:
                    n.email_state, n.email_sent_at, n.email_error = EmailState.SENT, timezone.now(), ""
                    n.save(update_fields=["email_state", "email_sent_at", "email_error", "email_to"])
                    report.sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        # The server is unreachable or dropped us: every message not marked sent is retried later.
        for n, _ in to_send:
            if n.email_state == EmailState.PENDING:
                _retry(n, now, f"{type(exc).__name__}: {exc}", report)


def _message(n: Notification, address: str) -> EmailMessage:
    # E-mails are in French, the platform's language (the account shows them in the reader's).
    with translation.override(settings.LANGUAGE_CODE):
        title, text = render(n.kind, n.data)
        body = render_to_string(
            "notifications/email/message.txt",
            {"title": title, "text": text, "link": settings.CERTIPRO_SITE_URL + SPECS[n.kind].url(n.data)},
        )
    return EmailMessage(subject=f"[CertiPro] {title}", body=body, to=[address])


def _finish(n: Notification, state: EmailState, report: DeliveryReport) -> None:
    n.email_state = state
    n.save(update_fields=["email_state"])
    setattr(report, str(state), getattr(report, str(state)) + 1)


def _retry(n: Notification, now: datetime, error: str, report: DeliveryReport) -> None:
    n.email_attempts += 1
    n.email_error = error[:300]
    if n.email_attempts >= MAX_ATTEMPTS:
        n.email_state = EmailState.FAILED
        report.failed += 1
    else:
        n.email_next_try = now + FIRST_RETRY * 2 ** (n.email_attempts - 1)
        report.retried += 1
    n.save(update_fields=["email_state", "email_attempts", "email_error", "email_next_try", "email_to"])
