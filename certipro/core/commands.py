"""What every CertiPro command shares: one-line errors, never a traceback (contracts/README.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


def date_argument(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    """Base class: a CommandError prints its message alone on stderr and exits non-zero."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = self._argument_error  # type: ignore[method-assign]
        return parser

    def _argument_error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; the contract wants one line naming the problem.
        if getattr(self, "_called_from_command_line", False):
            sys.stderr.write(f"{message} (see --help)\n")
            sys.exit(2)
        raise CommandError(message)

    def execute(self, *args: Any, **options: Any) -> str | None:
        options.setdefault("traceback", False)
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if getattr(self, "_called_from_command_line", False):
                self.stderr.write(str(exc))
                sys.exit(exc.returncode)
            raise

    def today(self) -> date:
        return timezone.localdate()
