"""Nomenclatures as data (certipro/directory/nomenclatures/*.json), upserted by code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import AppConfig
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS, models, router, transaction

from certipro.directory.models import Department, PracticeMode, Profession, Region, Specialty
from certipro.directory.nomenclatures import load

Load = Callable[[str], list[dict[str, Any]]]


def load_nomenclatures(items: Load = load) -> dict[str, int]:
    """Upserts every nomenclature (`manage.py load_nomenclatures`); the counts by name."""
    return refresh_nomenclatures(items, using=DEFAULT_DB_ALIAS)


def refresh_nomenclatures(items: Load, *, using: str) -> dict[str, int]:
    """Upserts the nomenclatures in database `using`, parents first; rows the files no longer
    name are kept (professionals point to them). Five reads when nothing changed and a few
    bulk writes otherwise, not two queries a row: it also runs after every `migrate` and every
    `flush` (domain D-4, see apps.py), which a transactional test does at its end."""
    with transaction.atomic(using=using):
        return {
            "professions": _upsert(Profession, using, (_profession(p) for p in items("professions"))),
            "specialties": _upsert(Specialty, using, (_specialty(s) for s in items("specialties"))),
            "regions": _upsert(
                Region, using, ({"code": r["code"], "name": r["name"]} for r in items("regions"))
            ),
            "departments": _upsert(
                Department,
                using,
                (
                    {"code": d["code"], "name": d["name"], "region_id": d["region"]}
                    for d in items("departments")
                ),
            ),
            "practice modes": _upsert(
                PracticeMode,
                using,
                ({"code": m["code"], "label": m["label"]} for m in items("practice_modes")),
            ),
        }


def _profession(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": item["code"],
        "label": item["label"],
        "label_en": item.get("label_en", ""),
        "order": item["order"],
    }


def _specialty(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": item["code"],
        "label": item["label"],
        "profession_id": item["profession"],
        "kind": item.get("kind", "S"),
        "deprecated": bool(item.get("deprecated", False)),
    }


def _upsert(model: type[models.Model], using: str, rows: Iterable[dict[str, Any]]) -> int:
    """Creates the missing rows and updates the changed ones, keyed by `code` (the primary key);
    the number of rows the table then has."""
    manager = model._default_manager.db_manager(using)
    existing = manager.in_bulk()
    fresh, changed, fields = [], [], set()
    for values in rows:
        row = existing.get(values["code"])
        if row is None:
            fresh.append(model(**values))
            continue
        differing = {name for name, value in values.items() if getattr(row, name) != value}
        if differing:
            for name in differing:
                setattr(row, name, values[name])
            changed.append(row)
            fields |= differing
    manager.bulk_create(fresh)
    if changed:
        manager.bulk_update(changed, sorted(fields))
    return len(existing) + len(fresh)


# D-4: the nomenclatures are in the database after `migrate` alone. A post_migrate handler
# rather than a data migration (apps.py connects it), because a data migration runs once:
# - `flush` (`manage.py flush`, and the end of every transactional test) empties the tables and
#   only post_migrate follows it, as it does for content types and permissions;
# - a migration writes through the historical models of its place in the history while it reads
#   today's JSON files, so a later change of these models or files breaks it or needs another
#   migration; this handler uses the current models and files, so a deploy's `migrate` also
#   refreshes what a new version of the files changed.
# It runs only when the migrated schema has every column of the current models (not after
# `migrate directory zero`, or a migration back to before a column the code writes).
NOMENCLATURE_MODELS: tuple[type[models.Model], ...] = (
    Profession,
    Specialty,
    Region,
    Department,
    PracticeMode,
)


def refresh_after_migrate(
    sender: AppConfig, *, using: str, verbosity: int = 1, apps: Apps | None = None, **kwargs: Any
) -> None:
    if not all(router.allow_migrate_model(using, model) for model in NOMENCLATURE_MODELS):
        return
    if apps is not None and not _schema_is_current(apps):  # `flush` passes no apps: it is current
        return
    counts = refresh_nomenclatures(load, using=using)
    if verbosity >= 2:
        sys.stdout.write("Nomenclatures: " + ", ".join(f"{name} {n}" for name, n in counts.items()) + "\n")


def _schema_is_current(apps: Apps) -> bool:
    for model in NOMENCLATURE_MODELS:
        try:
            migrated = apps.get_model(model._meta.app_label, model._meta.model_name)
        except LookupError:
            return False
        columns = {field.column for field in migrated._meta.concrete_fields}
        if (
            migrated._meta.db_table != model._meta.db_table
            or not {field.column for field in model._meta.concrete_fields} <= columns
        ):
            return False
    return True
