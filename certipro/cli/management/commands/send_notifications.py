"""`manage.py send_notifications [--limit N]`: sends the e-mails due now (and the retries).

The task queued after each event does the same; run this every few minutes from cron as a
safety net: after a worker's crash or an SMTP outage, what was not sent is sent here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.core.commands import Command as BaseCommand
from certipro.notifications.delivery import deliver_pending


class Command(BaseCommand):
    help = "Sends the notification e-mails that are due (retries included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        self.stdout.write(str(deliver_pending(limit=options["limit"])))
