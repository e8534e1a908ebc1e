from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.audit.journal import Actor
from certipro.core.commands import Command as Base
from certipro.core.commands import date_argument
from certipro.directory.parsing import DirectoryFileError
from certipro.entrypoints.directory import StrictImportFailed, import_directory


class Command(Base):
    help = (
        "Imports professionals from a directory file: the project's CSV or the national directory's "
        "PS_LibreAcces_Personne_activite extract (contracts/directory.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--strict", action="store_true", help="any bad row fails the whole import")
        parser.add_argument(
            "--effective-date", type=date_argument, help="date of the changes found (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        try:
            with stream:
                report = import_directory(
                    stream,
                    today=self.today(),
                    effective_date=options["effective_date"],
                    strict=options["strict"],
                    actor=Actor.command("import_directory"),
                )
        except DirectoryFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        except StrictImportFailed as exc:
            for problem in exc.report.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc)) from None
        for problem in report.problems:
            self.stderr.write(str(problem))
        for warning in report.warnings[:1000]:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(report.summary())
