"""The shared cast: a small set of référentiels, and a way to create professionals through the
real directory import. The nomenclatures are in every test database without a fixture: `migrate`
loads them, and so does the `flush` that ends each transactional test (domain D-4)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

TODAY = date(2026, 11, 22)

# Two small référentiels of profession 10 and one of 60, written for the tests (not the samples,
# which may change): MG for general practice, CARDIO for cardiology, IDE for nurses.
MG = """
format: referentiel/1
code: T-MG
version: "2025-01"
title: Médecine générale (test)
profession: "10"
specialties: [SM54, SM26]
published_on: 2025-01-15
action_types:
  - {code: MG-DPC, title: Programme de DPC, axes: [1]}
  - {code: MG-FC, title: Formation continue, axes: [1]}
  - {code: MG-EPP, title: Audit clinique, axes: [2]}
  - {code: MG-RMM, title: Revue de morbi-mortalité, axes: [2, 1]}
  - {code: MG-COM, title: Communication avec le patient, axes: [3]}
  - {code: MG-ETP, title: Éducation thérapeutique, axes: [3, 2]}
  - {code: MG-SANTE, title: Bilan de santé personnel, axes: [4], declarable_by: [professional]}
  - {code: MG-STRESS, title: Gestion du stress, axes: [4]}
"""

CARDIO = """
format: referentiel/1
code: T-CARDIO
version: "2025-01"
title: Cardiologie (test)
profession: "10"
specialties: [SM04]
published_on: 2025-03-01
axes:
  "3": {minimum: 3}
action_types:
  - {code: CA-DPC, title: DPC cardiologie, axes: [1]}
  - {code: CA-EPP, title: Registre, axes: [2]}
  - {code: CA-COM, title: Annonce, axes: [3]}
  - {code: CA-SANTE, title: Santé, axes: [4]}
"""

IDE = """
format: referentiel/1
code: T-IDE
version: "2025-01"
title: Infirmier (test)
profession: "60"
published_on: 2025-01-01
multi_axis: count_in_each
action_types:
  - {code: IDE-FC, title: Formation, axes: [1, 2]}
  - {code: IDE-COM, title: Relation, axes: [3]}
  - {code: IDE-SANTE, title: Santé, axes: [4]}
"""

HEADER = "rpps,last_name,first_name,email,profession,specialties,department,practice_mode,registration_date"


@pytest.fixture(autouse=True)
def tasks_inline(settings: Any) -> None:
    """Background tasks run inline, after the commit that queues them: no thread outlives a test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with empty caches (kept dashboards, rate-limit counters, the catalogue and
    DSFR configuration kept per process): a row id that a rolled-back test used may come back."""
    from django.core.cache import caches

    from certipro.certification import catalogue
    from certipro.space import dashboard
    from certipro.web.context_processors import forget

    for store in caches.all():
        store.clear()
    # What processes keep in memory, keyed by versions that a new test database may repeat.
    catalogue._KEPT.clear()
    dashboard._KEPT_REFERENTIELS.clear()
    forget()
    yield


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def referentiels(db: None, write_file: Callable[[str, str], Path]) -> None:
    from certipro.audit.journal import Actor
    from certipro.entrypoints.referentiels import load_referentiel_files

    paths = [write_file("mg.yaml", MG), write_file("cardio.yaml", CARDIO), write_file("ide.yaml", IDE)]
    load_referentiel_files(paths, today=TODAY, actor=Actor.command("test"))


@pytest.fixture
def import_rows(db: None) -> Callable[..., Any]:
    """Creates or updates professionals through the real import: rows are CSV lines after HEADER."""
    from certipro.audit.journal import Actor
    from certipro.entrypoints.directory import import_directory

    def run(*rows: str, today: date = TODAY, effective_date: date | None = None, strict: bool = False) -> Any:
        data = "\n".join([HEADER, *rows]).encode()
        return import_directory(
            io.BytesIO(data),
            today=today,
            effective_date=effective_date,
            strict=strict,
            actor=Actor.command("test"),
        )

    return run


@pytest.fixture
def dr_martin(referentiels: None, import_rows: Callable[..., Any]) -> Iterator[Any]:
    """A general practitioner registered before 2023: the initial 2023–2031 period."""
    from certipro.directory.models import Professional

    import_rows("10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01")
    yield Professional.objects.get(rpps="10000000017")
