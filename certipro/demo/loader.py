"""The demo population of `make run`: sample référentiels, a directory file and actions, all
recorded through the same entry points as real data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, Channel, Source
from certipro.audit.journal import Actor
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import period_as_of
from certipro.directory.models import Exercise, Professional
from certipro.directory.nomenclatures import load
from certipro.directory.services_nomenclatures import load_nomenclatures
from certipro.entrypoints.actions import ActionRefused, record_action
from certipro.entrypoints.directory import import_directory
from certipro.entrypoints.referentiels import load_referentiel_files

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REFERENTIELS = ROOT / "referentiels" / "samples"
DEMO_DIRECTORY = ROOT / "directory" / "samples" / "demo_directory.csv"
DEMO_PASSWORD = "demo-certipro-2026"  # the demo's own, printed by `make run`
SOURCES = [Source.PROFESSIONAL, Source.ORGANISM, Source.ORGANISM, Source.EMPLOYER]


def load_demo(*, today: date) -> list[str]:
    actor = Actor.command("load_demo")
    lines = []
    counts = load_nomenclatures(load)
    lines.append("nomenclatures: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    results = load_referentiel_files(sorted(SAMPLE_REFERENTIELS.glob("*.yaml")), today=today, actor=actor)
    lines.append(f"référentiels: {sum(r.changed for r in results)} loaded, {len(results)} in all")
    with DEMO_DIRECTORY.open("rb") as stream:
        report = import_directory(stream, today=today, actor=actor)
    lines.append(f"directory: {report.summary()}")
    if not Action.objects.exists():
        lines.append(f"actions: {_demo_actions(today, actor)} recorded")
    _demo_users()
    return lines


@transaction.atomic
def _demo_actions(today: date, actor: Actor) -> int:
    catalogue = load_catalogue()
    rules = catalogue.rules_by_code(today)
    current = catalogue.current(today)
    recorded = 0
    exercises = Exercise.objects.select_related("professional").prefetch_related("periods").order_by("pk")
    for exercise in exercises:
        rng = random.Random(exercise.professional.rpps + exercise.profession_id)
        view = period_as_of(exercise.periods.all(), today)
        if view is None:
            continue
        codes = [c for c, m in current.items() if m.profession == exercise.profession_id]
        types = sorted({t for c in codes if c in rules for t in rules[c].action_axes})
        span = (min(view.end, today) - view.start).days
        # A spread of situations: some nearly done, most under way, a few not started.
        for _ in range(rng.choice([0, 2, 4, 5, 6, 7, 8, 9, 11])):
            end = view.start + timedelta(days=rng.randint(0, max(span, 0)))
            try:
                record_action(
                    professional=exercise.professional,
                    profession=exercise.profession_id,
                    type_code=rng.choice(types),
                    end_date=end,
                    start_date=end - timedelta(days=1),
                    title="",
                    source=rng.choice(SOURCES),
                    channel=Channel.COMMAND,
                    actor=actor,
                    today=today,
                    catalogue=catalogue,
                )
                recorded += 1
            except ActionRefused:
                continue  # e.g. a type the professional's référentiel lets only employers declare
    return recorded


def _demo_users() -> None:
    """The administrator and a member of a demo training body. Professionals get their user at
    their first sign-in through (the stand-in for) Pro Santé Connect: they have no password."""
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
    if not User.objects.filter(username="organisme").exists():
        member = User.objects.create_user("organisme", "organisme@example.org", DEMO_PASSWORD)
        declarant, _, _ = create_declarant(
            kind="organism", name="Organisme de démonstration", actor=Actor.command("load_demo")
        )
        declarant.members.add(member)


def demo_identities() -> list[tuple[str, str]]:
    """The test identities offered by the built-in stand-in for Pro Santé Connect."""
    people = Professional.objects.order_by("pk")[: settings.CERTIPRO_DEV_PSC_IDENTITIES]
    return [(p.rpps, f"{p.first_name} {p.last_name}") for p in people]
