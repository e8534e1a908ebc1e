from typing import Any

from django.core.management.base import CommandError, CommandParser

from certipro.actions.declarants import DeclarantError, create_declarant
from certipro.audit.journal import Actor
from certipro.core.commands import Command as Base


class Command(Base):
    help = "Creates a declarant and one API token; prints the token alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=["organism", "employer"])
        parser.add_argument("--name", required=True)
        parser.add_argument("--siret", default="", metavar="14DIGITS")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            declarant, _, clear = create_declarant(
                kind=options["kind"],
                name=options["name"],
                siret=options["siret"],
                actor=Actor.command("create_declarant"),
            )
        except DeclarantError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"created declarant {declarant.pk} ({declarant.kind}) {declarant.name}")
        self.stdout.write("the token below is shown once; store it now:")
        self.stdout.write(clear)
