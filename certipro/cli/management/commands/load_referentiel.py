from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.audit.journal import Actor
from certipro.core.commands import Command as Base
from certipro.entrypoints.referentiels import LoadRefused, load_referentiel_files


class Command(Base):
    help = (
        "Validates référentiel files (YAML or JSON, contracts/referentiel.md), then loads them all or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_referentiel_files(
                options["files"], today=self.today(), actor=Actor.command("load_referentiel")
            )
        except LoadRefused as exc:
            for line in exc.lines[:-1]:
                self.stderr.write(line)
            raise CommandError(exc.lines[-1]) from None
        for result in results:
            self.stdout.write(str(result))
