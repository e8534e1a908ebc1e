from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from certipro.certification.status import recompute
from certipro.directory.models import Exercise
from certipro.web.commands import Command as Base
from certipro.web.commands import date_argument


class Command(Base):
    help = "Recomputes the status snapshot of every professional (run nightly: pace moves with the date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profession", metavar="CODE")
        parser.add_argument("--as-of", type=date_argument, metavar="YYYY-MM-DD")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        exercises = Exercise.objects.select_related("professional").order_by("pk")
        if options["profession"]:
            exercises = exercises.filter(profession_id=options["profession"])
        with transaction.atomic():
            done = recompute(
                exercises.iterator(chunk_size=options["batch_size"]),
                today=options["as_of"] or self.today(),
                batch_size=options["batch_size"],
            )
        self.stdout.write(f"recomputed {done} status snapshot(s)")
