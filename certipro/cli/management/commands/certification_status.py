import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.status import status_object
from certipro.core.commands import Command as Base
from certipro.core.commands import date_argument
from certipro.directory.models import Professional


class Command(Base):
    help = "Prints the status of a professional's current period (contracts/status.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rpps", metavar="RPPS")
        parser.add_argument("--profession", metavar="CODE")
        parser.add_argument("--as-of", type=date_argument, metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print JSON (the only format for now)")

    def handle(self, *args: Any, **options: Any) -> None:
        professional = Professional.objects.filter(rpps=options["rpps"]).first()
        if professional is None:
            raise CommandError("unknown RPPS")
        exercises = list(professional.exercises.select_related("professional").order_by("profession_id"))
        if options["profession"]:
            exercises = [e for e in exercises if e.profession_id == options["profession"]]
            if not exercises:
                raise CommandError(f"RPPS {professional.rpps} has no profession {options['profession']}")
        as_of = options["as_of"] or self.today()
        statuses = evaluate_exercises(exercises, as_of=as_of, catalogue=load_catalogue())
        if not statuses:
            raise CommandError(f"no period of certification on {as_of}")
        objects = [status_object(s) for s in statuses]
        payload: object = objects[0] if len(exercises) == 1 else objects
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
