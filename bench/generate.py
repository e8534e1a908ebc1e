"""Generates a national-scale population and loads it through the domain code.

    python -m bench.generate --professionals 1200000 [--seed 1] [--actions-min 20 --actions-max 30]

Nomenclatures and the sample référentiels (`load_referentiel_files`), then a directory CSV in the
project format imported with `import_directory` (the streamed domain import), then 20–30 actions
per professional through `record_actions_bulk` (the checks of `record_action`, written with COPY).
On PostgreSQL the third-party actions are then given declarants and references
(`bench.declarants`: realistic statistics for the declaration API's queries). Snapshots are not
refreshed per action: run `python -m bench.recompute` (or `recompute_status`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "certipro" / "referentiels" / "samples"
CHUNK = 2000  # professionals per round of `record_actions_bulk` (one transaction per source)
SOURCES = (("professional", 0.70), ("organism", 0.20), ("employer", 0.10))


@dataclass
class Figures:
    professionals: int = 0
    exercises: int = 0
    actions_accepted: int = 0
    actions_refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=dict)


def generate(
    professionals: int,
    *,
    seed: int = 1,
    actions_min: int = 20,
    actions_max: int = 30,
    today: date | None = None,
    workers: int = 1,
    resume: bool = False,
    log: Callable[[str], Any] = print,
) -> Figures:
    from django.db import connections

    from certipro.audit.journal import Actor
    from certipro.certification.catalogue import load_catalogue
    from certipro.directory.models import Profession
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures
    from certipro.entrypoints.referentiels import load_referentiel_files

    today = today or date.today()
    actor = Actor.command("bench.generate")
    figures = Figures()
    _session_settings()
    started = time.perf_counter()
    if not Profession.objects.exists():
        load_nomenclatures(load)
    load_referentiel_files(sorted(SAMPLES.glob("*.yaml")), today=today, actor=actor)
    figures.seconds["referentiels"] = time.perf_counter() - started

    if resume:  # the directory is loaded already: only the actions a crash left out are recorded
        from certipro.directory.models import Exercise

        figures.exercises = Exercise.objects.count()
        log(f"resuming: {figures.exercises} exercises, their chunks' missing actions only")
    else:
        _load_directory(professionals, seed, today, actor, figures, log)
    started = time.perf_counter()
    catalogue = load_catalogue()
    args = (catalogue, seed, actions_min, actions_max, today, actor, workers, resume)
    if workers > 1:
        # Checks and COPY formatting are Python, the writes are PostgreSQL: two processes keep both
        # cores busy. Each worker takes every n-th chunk; its random source depends on the chunk only.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.starmap(_record_actions, [(w, *args) for w in range(workers)])
    else:
        parts = [_record_actions(0, *args)]
    for accepted, refused, done in parts:
        figures.actions_accepted += accepted
        figures.professionals += done
        for code, n in refused.items():
            figures.actions_refused[code] += n
    figures.seconds["actions"] = time.perf_counter() - started
    log(
        f"actions: {figures.actions_accepted} accepted, refused {dict(figures.actions_refused)} "
        f"in {figures.seconds['actions']:.1f}s"
    )
    if connections["default"].vendor == "postgresql":  # the step is SQL of PostgreSQL (arrays)
        from bench.declarants import attribute

        started = time.perf_counter()
        attributed = attribute(log=log)
        figures.seconds["declarants"] = time.perf_counter() - started
        log(
            f"declarants: {attributed} third-party actions attributed in {figures.seconds['declarants']:.1f}s"
        )
    return figures


@dataclass(frozen=True)
class _Kind:
    """The action types an exercise may do, and those each kind of third party may declare."""

    types: tuple[str, ...]
    multi_axis: dict[str, tuple[int, ...]]
    by_kind: dict[str, tuple[str, ...]]


def _kinds(catalogue: Any, today: date) -> Callable[[str, frozenset[str]], _Kind]:
    from certipro.certification.rules import matching_codes

    current = catalogue.current(today)
    rules = catalogue.rules_by_code(today)
    cache: dict[tuple[str, frozenset[str]], _Kind] = {}

    def kind(profession: str, specialties: frozenset[str]) -> _Kind:
        key = (profession, specialties)
        if key not in cache:
            codes = sorted(matching_codes(profession, specialties, current))
            axes = {t: a for c in codes for t, a in rules[c].action_axes.items()}
            by_kind: dict[str, list[str]] = defaultdict(list)
            for c in codes:
                for t in rules[c].action_axes:
                    for k in catalogue.declarable_by.get((c, rules[c].version, t), ()):
                        by_kind[k].append(t)
            cache[key] = _Kind(
                types=tuple(sorted(axes)),
                multi_axis={t: tuple(sorted(a)) for t, a in axes.items() if len(a) > 1},
                by_kind={k: tuple(sorted(set(v))) for k, v in by_kind.items()},
            )
        return cache[key]

    return kind


def _load_directory(
    professionals: int, seed: int, today: date, actor: Any, figures: Figures, log: Callable[[str], Any]
) -> None:
    """The directory CSV of `professionals` people, imported with `import_directory`."""
    from bench.population import CSV_HEADER, people
    from certipro.directory.models import Department
    from certipro.entrypoints.directory import import_directory

    started = time.perf_counter()
    departments = sorted(Department.objects.values_list("code", flat=True))
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as out:
        out.write(CSV_HEADER)
        for row in people(professionals, seed=seed, today=today, departments=departments):
            out.write(row.csv())
    figures.seconds["csv"] = time.perf_counter() - started
    log(f"directory CSV written in {figures.seconds['csv']:.1f}s: {out.name}")

    started = time.perf_counter()
    try:
        with open(out.name, "rb") as stream:
            report = import_directory(stream, today=today, actor=actor)
    finally:
        os.unlink(out.name)
    figures.seconds["import"] = time.perf_counter() - started
    figures.exercises = report.created
    log(f"import_directory: {report.summary()} in {figures.seconds['import']:.1f}s")


def _record_actions(
    worker: int,
    catalogue: Any,
    seed: int,
    actions_min: int,
    actions_max: int,
    today: date,
    actor: Any,
    workers: int,
    resume: bool = False,
) -> tuple[int, dict[str, int], int]:
    """Records the actions of every `workers`-th chunk of professionals: (accepted, refused, people).

    With `resume`, a (chunk, source) whose actions are in the database already is skipped: each is
    one transaction, so after a crash it is there whole or not at all, and the random source of a
    chunk depends on its index alone, so the rest comes out as the first run would have made it."""
    from bench.loader import Claim, record_actions_bulk
    from certipro.actions.models import Channel, Source

    _session_settings()
    kind_of = _kinds(catalogue, today)
    done = accepted = 0
    refused: dict[str, int] = defaultdict(int)
    last_log = time.perf_counter()
    for index, chunk in _exercises_by_chunk(worker, workers):
        recorded = _recorded_sources(chunk) if resume else set()
        if recorded >= {source for source, _ in SOURCES}:
            continue  # resuming: this chunk was recorded whole
        rng = random.Random(seed * 1_000_003 + index)
        by_source: dict[str, list[Claim]] = defaultdict(list)
        for professional_id, profession, specialties, start in chunk:
            kind = kind_of(profession, frozenset(specialties))
            first_day = max(start, date(2023, 1, 1))
            span = (today - first_day).days
            for _ in range(rng.randint(actions_min, actions_max)):
                source = _pick_source(rng)
                allowed = kind.by_kind.get(source, ()) if source != "professional" else kind.types
                if not allowed:
                    source, allowed = "professional", kind.types
                type_code = rng.choice(allowed)
                end = first_day + timedelta(days=rng.randint(0, span))
                noise = rng.random()
                if noise < 0.002:  # a claim dated in the future: refused (future_date)
                    end = today + timedelta(days=rng.randint(1, 90))
                elif noise < 0.003:  # a type no référentiel lists: refused (unknown_action_type)
                    type_code = "X-" + type_code
                axes = kind.multi_axis.get(type_code)
                by_source[source].append(
                    Claim(
                        professional_id=professional_id,
                        type_code=type_code,
                        end_date=end,
                        start_date=end - timedelta(days=rng.choice((0, 0, 1, 2, 4))),
                        hours=Decimal(rng.choice((2, 3, 4, 7, 14, 21))),
                        axis=rng.choice(axes) if axes and rng.random() < 0.2 else None,
                    )
                )
        for source, claims in by_source.items():
            if source in recorded:
                continue
            report = record_actions_bulk(
                claims,
                actor=actor,
                today=today,
                source=Source(source),
                channel=Channel.FILE if source != "professional" else Channel.WEB,
                catalogue=catalogue,
                batch_size=len(claims),
            )
            accepted += report.accepted
            for code, n in report.error_codes().items():
                refused[code] += n
        done += len({row[0] for row in chunk})
        if time.perf_counter() - last_log > 60:
            last_log = time.perf_counter()
            print(f"  worker {worker}: {done} professionals, {accepted} actions", flush=True)
    return accepted, dict(refused), done


def _recorded_sources(chunk: list[tuple[int, str, list[str], date]]) -> set[str]:
    from certipro.actions.models import Action

    ids = [row[0] for row in chunk]
    if not ids:
        return set()
    found = Action.objects.filter(professional_id__gte=min(ids), professional_id__lte=max(ids))
    return set(found.order_by().values_list("source", flat=True).distinct())


def _session_settings() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        # A loader may lose its last commits on a crash (it is rerun), never consistency.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")


def _pick_source(rng: random.Random) -> str:
    x = rng.random()
    for source, share in SOURCES:
        if x < share:
            return source
        x -= share
    return SOURCES[0][0]


def _exercises_by_chunk(
    worker: int, workers: int
) -> Iterator[tuple[int, list[tuple[int, str, list[str], date]]]]:
    """(professional, profession, specialties, start of the current period), by ranges of ids."""
    from certipro.certification.models import Period
    from certipro.directory.models import Professional

    ids = list(Professional.objects.order_by("pk").values_list("pk", flat=True))
    for index, i in enumerate(range(0, len(ids), CHUNK)):
        if index % workers != worker:
            continue
        rows: dict[int, tuple[int, str, list[str], date]] = {}
        periods = (
            Period.objects.filter(professional_id__gte=ids[i], professional_id__lte=ids[i : i + CHUNK][-1])
            .order_by("exercise_id", "start")
            .values_list(
                "exercise_id", "professional_id", "exercise__profession_id", "exercise__specialties", "start"
            )
        )
        for exercise_id, professional_id, profession, specialties, start in periods:
            rows[exercise_id] = (professional_id, profession, specialties, start)  # the latest wins
        yield index, list(rows.values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--professionals", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--actions-min", type=int, default=20)
    parser.add_argument("--actions-max", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="processes recording actions")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--resume", action="store_true", help="after a crash: keep the directory, record the missing actions"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    figures = generate(
        args.professionals,
        seed=args.seed,
        actions_min=args.actions_min,
        actions_max=args.actions_max,
        today=args.today,
        workers=args.workers,
        resume=args.resume,
    )
    print(f"done: {figures}")


if __name__ == "__main__":
    main()
