"""Operators see the outbox: what failed and why, and may queue a failed e-mail again.

The content of messages stays the professional's: the list shows kinds and states, not texts.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from certipro.accounts.models import User
from certipro.audit.journal import Actor, record_many
from certipro.core.admin import ReadOnlyAdminMixin
from certipro.notifications.models import EmailState, Notification
from certipro.notifications.services import enqueue_delivery_after_commit


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Notification]):
    list_display = ["created_at", "professional", "kind", "email_state", "email_attempts", "email_sent_at"]
    list_filter = ["kind", "email_state"]
    search_fields = ["professional__rpps"]
    list_select_related = ["professional"]
    fields = [
        "created_at", "professional", "kind", "key", "read_at",
        "email_state", "email_to", "email_attempts", "email_next_try", "email_sent_at", "email_error",
    ]  # fmt: skip
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page
    actions = ["send_again"]

    # Requeueing changes no content: whoever may see the outbox may retry it (journaled).
    @admin.action(description="Renvoyer les courriels en échec", permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        failed = list(queryset.filter(email_state=EmailState.FAILED))
        Notification.objects.filter(pk__in=[n.pk for n in failed]).update(
            email_state=EmailState.PENDING, email_attempts=0, email_next_try=timezone.now(), email_error=""
        )
        assert isinstance(request.user, User)
        record_many(
            (
                {"verb": "notification.requeued", "professional_id": n.professional_id, "obj": n}
                for n in failed
            ),
            actor=Actor.for_user(request.user, "staff"),
        )
        enqueue_delivery_after_commit()
        messages.success(request, f"{len(failed)} courriel(s) remis en file d'envoi.")
