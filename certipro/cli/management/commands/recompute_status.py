import os
from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.certification.bulk import recompute_all
from certipro.core.commands import Command as Base
from certipro.core.commands import date_argument
from certipro.directory.codes import expected
from certipro.directory.models import Profession

MAX_DEFAULT_WORKERS = 4  # beyond, PostgreSQL's own reads are the limit, not Python


class Command(Base):
    help = "Recomputes the status snapshot of every professional (run nightly: pace moves with the date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profession", metavar="CODE")
        parser.add_argument("--as-of", type=date_argument, metavar="YYYY-MM-DD")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS),
            help="processes computing ranges of professionals on PostgreSQL (default: the cores, at most 4)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        profession = options["profession"]
        if profession and not Profession.objects.filter(pk=profession).exists():
            known = list(Profession.objects.values_list("code", flat=True))  # D-4: what was expected
            raise CommandError(f"unknown profession code {profession!r}: {expected(known, 'professions')}")
        if options["workers"] < 1:
            raise CommandError(f"--workers must be at least 1, not {options['workers']}")
        # The set-based national path (certification/bulk.py), not `status.recompute`: the same
        # snapshots (tests/certification/test_bulk.py), 2 min 14 s instead of more than 23 min for
        # 1.2 million professionals (docs/benchmarks.md). One transaction: all or nothing.
        done = recompute_all(
            today=options["as_of"] or self.today(), profession=profession, workers=options["workers"]
        )
        self.stdout.write(f"recomputed {done} status snapshot(s)")
