from typing import Any

from certipro.core.commands import Command as Base
from certipro.directory.nomenclatures import load
from certipro.directory.services_nomenclatures import load_nomenclatures


class Command(Base):
    help = "Loads (or refreshes) the professions, specialties, regions, departments and practice modes."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_nomenclatures(load)
        self.stdout.write(", ".join(f"{name} {n}" for name, n in counts.items()))
