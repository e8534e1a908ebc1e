"""The walk of a request through the code: files entered, calls, hops between files and apps.

    python -m bench.walk            # on the database of DATABASE_URL, filled by bench.generate

Counts what `notes/architecture-review.md` (§2) counted, the same way: `sys.setprofile` around
one request made through Django's test client in this process, keeping the Python calls whose
code is in `certipro/`. A hop is a call into another file than the caller's; a re-entry is a hop
into a file already entered. Two requests: one declaration POSTed to the API by a training body,
and a professional's first dashboard visit (the cache emptied). Everything is done in one
transaction rolled back at the end: the database is left as found.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "certipro"


@dataclass
class Walk:
    files: list[str] = field(default_factory=list)
    calls: int = 0
    hops: int = 0
    reentries: int = 0
    apps: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "apps": len(set(self.apps)),
            "calls": self.calls,
            "file_hops": self.hops,
            "re_entries": self.reentries,
            "app_hops": sum(1 for a, b in zip(self.apps, self.apps[1:], strict=False) if a != b),
            "route": " > ".join(a for i, a in enumerate(self.apps) if i == 0 or self.apps[i - 1] != a),
        }


def walk(request: Callable[[], Any]) -> Walk:
    seen = Walk()
    root = str(ROOT)

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        name = frame.f_code.co_filename
        if not name.startswith(root):
            return
        seen.calls += 1
        relative = name[len(root) + 1 :]
        caller = frame.f_back
        while caller is not None and not caller.f_code.co_filename.startswith(root):
            caller = caller.f_back
        if caller is not None and caller.f_code.co_filename != name:
            seen.hops += 1
            if relative in seen.files:
                seen.reentries += 1
        if relative not in seen.files:
            seen.files.append(relative)
        app = relative.split("/")[0]
        if not seen.apps or seen.apps[-1] != app:
            seen.apps.append(app)

    sys.setprofile(profile)
    try:
        request()
    finally:
        sys.setprofile(None)
    return seen


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CERTIPRO_DEBUG", "1")
    import django

    django.setup()
    import random

    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from bench.declarations import sample_people
    from certipro.accounts.models import User
    from certipro.actions.declarants import create_declarant
    from certipro.audit.journal import Actor
    from certipro.directory.models import Professional
    from certipro.space.models import Activation

    today = timezone.localdate()
    # Someone a training body may declare for, who has no user yet (the dashboard benchmark gives
    # users to random people).
    taken = set(User.objects.filter(professional__isnull=False).values_list("professional_id", flat=True))
    sampled = sample_people(200, rng=random.Random(7), today=today)
    people = [p for p in sampled if p.professional_id not in taken]
    if not people:
        sys.exit("no professional a training body may declare for: fill the database with bench.generate")
    person = people[0]
    results: dict[str, Any] = {}
    with transaction.atomic():
        _, _, token = create_declarant(kind="organism", name="bench.walk", actor=Actor.command("bench.walk"))
        api = Client(SERVER_NAME="localhost")

        def declare(reference: str) -> Any:
            item = {
                "external_id": reference,
                "rpps": person.rpps,
                "action_type": person.types[0],
                "end_date": today.isoformat(),
                "hours": 7,
            }
            return api.post(
                "/api/v1/declarations",
                data=json.dumps({"declarations": [item]}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )

        declare("bench-walk-1")  # a process's first request imports modules and reads the catalogue
        results["declaration"] = walk(lambda: declare("bench-walk-2")).summary()

        professional = Professional.objects.get(pk=person.professional_id)
        user = User.objects.create_user(f"walk-{professional.rpps}", professional=professional)
        Activation.objects.create(professional=professional)
        space = Client(SERVER_NAME="localhost")
        space.force_login(user)
        space.get("/mon-espace/")
        cache.clear()
        results["dashboard, rendered"] = walk(lambda: space.get("/mon-espace/")).summary()
        results["dashboard, kept"] = walk(lambda: space.get("/mon-espace/")).summary()
        transaction.set_rollback(True)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
