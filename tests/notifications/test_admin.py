"""The operators' outbox: failures visible, a failed e-mail queued again (journaled), no edits."""

from __future__ import annotations

from django.test import Client

from certipro.accounts.models import User
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.notifications.models import EmailState, Notification
from tests.notifications.conftest import Sink


def test_a_failed_e_mail_is_queued_again_and_sent(dr_martin: Professional, smtp: Sink) -> None:
    Notification.objects.filter(professional=dr_martin).update(
        email_state=EmailState.FAILED, email_attempts=8, email_error="SMTPRecipientsRefused"
    )
    n = Notification.objects.get(professional=dr_martin)
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", password="x"))
    listing = admin.get("/admin/notifications/notification/?email_state=failed")
    assert listing.status_code == 200 and "account_opened" in listing.content.decode()
    response = admin.post(
        "/admin/notifications/notification/",
        {"action": "send_again", "_selected_action": [n.pk]},
        follow=True,
    )
    assert "1 courriel(s) remis en file d&#x27;envoi." in response.content.decode()
    n.refresh_from_db()
    assert n.email_state == EmailState.PENDING and n.email_attempts == 0
    assert AuditEntry.objects.filter(verb="notification.requeued", professional_id=dr_martin.pk).count() == 1
    # The form is read-only: a POST does not change the message.
    admin.post(f"/admin/notifications/notification/{n.pk}/change/", {"email_to": "x@example.org"})
    n.refresh_from_db()
    assert n.email_to == ""
