"""What every CertiPro command shares: one-line errors, never a traceback (contracts/README.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def date_argument(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    """Base class: a CommandError prints its message alone on stderr and exits non-zero."""

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
