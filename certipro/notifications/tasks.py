"""Thin task: sends the due e-mails after the commit of whatever created them."""

from __future__ import annotations

from django_tasks import task

from certipro.notifications.delivery import deliver_pending


@task()
def deliver_notifications() -> None:
    deliver_pending()
