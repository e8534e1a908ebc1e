from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.audit.journal import Actor
from certipro.core.commands import Command as Base
from certipro.core.commands import date_argument
from certipro.entrypoints.exercises import DirectoryError, record_interruption


class Command(Base):
    help = "Records an interruption of practice from START to END inclusive (domain D-15)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rpps", metavar="RPPS")
        parser.add_argument("start", type=date_argument, metavar="START")
        parser.add_argument("end", type=date_argument, metavar="END")
        parser.add_argument("--profession", metavar="CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            interruption = record_interruption(
                rpps=options["rpps"],
                start=options["start"],
                end=options["end"],
                profession=options["profession"],
                actor=Actor.command("record_interruption"),
                today=self.today(),
            )
        except DirectoryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"recorded interruption {interruption.start} → {interruption.end}")
