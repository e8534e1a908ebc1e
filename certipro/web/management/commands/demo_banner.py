from typing import Any

from certipro.web.commands import Command as Base
from certipro.web.demo import DEMO_PASSWORD, demo_identities


class Command(Base):
    help = "Prints where to go and which demo identities to use."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("")
        self.stdout.write("CertiPro is starting at http://127.0.0.1:8000/")
        self.stdout.write("  administration: http://127.0.0.1:8000/admin/")
        self.stdout.write("  API documentation: http://127.0.0.1:8000/api/v1/docs")
        self.stdout.write(f"Demo identities (password {DEMO_PASSWORD}):")
        for username, who in demo_identities():
            self.stdout.write(f"  {username:<12} {who}")
        self.stdout.write("")
