from typing import Any

from certipro.core.commands import Command as Base
from certipro.demo.loader import DEMO_PASSWORD, demo_identities


class Command(Base):
    help = "Prints where to go and which demo identities to use."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("")
        self.stdout.write("CertiPro is starting at http://127.0.0.1:8000/")
        self.stdout.write("  API documentation: http://127.0.0.1:8000/api/v1/docs")
        self.stdout.write(
            "Professionals: http://127.0.0.1:8000/mon-espace/ → « Se connecter avec Pro Santé Connect »"
        )
        self.stdout.write("  → pick a demo identity on the built-in stand-in for Pro Santé Connect:")
        for rpps, who in demo_identities():
            self.stdout.write(f"     {rpps}  {who}")
        self.stdout.write(f"Administration: http://127.0.0.1:8000/admin/  (admin / {DEMO_PASSWORD})")
        self.stdout.write(
            f"Declarants' portal: http://127.0.0.1:8000/declarants/  (organisme / {DEMO_PASSWORD})"
        )
        self.stdout.write("")
