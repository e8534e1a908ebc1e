from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from certipro.core.commands import Command as Base
from certipro.demo.loader import load_demo


class Command(Base):
    help = "Loads nomenclatures, the sample référentiels and a demo population (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo runs only with CERTIPRO_DEBUG=1: it creates known passwords")
        for line in load_demo(today=self.today()):
            self.stdout.write(line)
