"""`manage.py notify_scheduled [--today YYYY-MM-DD]`: the day's reminders and grant notices."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from certipro.core.commands import Command as BaseCommand
from certipro.core.commands import date_argument
from certipro.notifications.reminders import notify_scheduled


class Command(BaseCommand):
    help = "Creates the reminders and grant notices due today (run daily; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date_argument, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = notify_scheduled(options["today"] or self.today())
        self.stdout.write(str(report))
