"""Domain D-4: the nomenclatures are in the database after `migrate` alone (and after a `flush`),
and `load_nomenclatures` refreshes them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as installed
from django.apps.registry import Apps
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from certipro.directory.models import Department, PracticeMode, Profession, Region, Specialty
from certipro.directory.nomenclatures import load
from certipro.directory.services_nomenclatures import load_nomenclatures, refresh_after_migrate

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "directory_profession": "professions",
    "directory_specialty": "specialties",
    "directory_region": "regions",
    "directory_department": "departments",
    "directory_practicemode": "practice_modes",
}
MODELS = (Profession, Specialty, Region, Department, PracticeMode)


def counts() -> dict[str, int]:
    return {model._meta.db_table: model.objects.count() for model in MODELS}


def shipped() -> dict[str, int]:
    return {table: len(load(name)) for table, name in TABLES.items()}


def test_d4_nomenclatures_are_in_the_database_after_migrate_alone(tmp_path: Path) -> None:
    """A new database, `migrate` and nothing else (no fixture of this test suite involved)."""
    database = tmp_path / "fresh.sqlite3"
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "CERTIPRO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with sqlite3.connect(database) as db:
        found = {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in TABLES}
        physician = db.execute("SELECT label FROM directory_profession WHERE code = '10'").fetchone()
    assert found == shipped()
    assert physician == ("Médecin",)


@pytest.mark.django_db(transaction=True)
def test_d4_nomenclatures_are_still_there_after_a_flush() -> None:
    """`manage.py flush`, as every transactional test does at its end, then the post_migrate."""
    call_command("flush", interactive=False, verbosity=0)

    assert counts() == shipped()


@pytest.mark.django_db
def test_d4_migrate_refreshes_what_differs_from_the_shipped_files() -> None:
    Profession.objects.filter(code="10").update(label="Médecin (ancien libellé)")
    Department.objects.filter(code="2A").delete()

    emit_post_migrate_signal(0, False, connection.alias)

    assert Profession.objects.get(code="10").label == "Médecin"
    assert Department.objects.get(code="2A").region_id == "94"
    assert counts() == shipped()


@pytest.mark.django_db
def test_d4_not_refreshed_when_the_migrated_schema_lacks_the_tables() -> None:
    """`migrate directory zero` (or back to before a column the code writes): nothing to write to."""
    Department.objects.filter(code="2A").delete()

    refresh_after_migrate(installed.get_app_config("directory"), using=connection.alias, apps=Apps(()))

    assert not Department.objects.filter(code="2A").exists()


@pytest.mark.django_db
def test_d4_load_nomenclatures_is_idempotent_and_reads_only_when_nothing_changed(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(5 + 2):  # one read a table, in a savepoint (begin, release)
        counts_by_name = load_nomenclatures(load)

    assert counts_by_name == {
        "professions": 7,
        "specialties": 110,
        "regions": 18,
        "departments": 101,
        "practice modes": 5,
    }
    assert counts() == shipped()


@pytest.mark.django_db
def test_d4_load_nomenclatures_command_restores_a_changed_row() -> None:
    Specialty.objects.filter(code="SM54").update(label="autre", deprecated=True)
    out = StringIO()

    call_command("load_nomenclatures", stdout=out)

    assert out.getvalue() == "professions 7, specialties 110, regions 18, departments 101, practice modes 5\n"
    assert Specialty.objects.filter(code="SM54", deprecated=False).exclude(label="autre").exists()


@pytest.mark.django_db
def test_d4_import_directory_without_nomenclatures_is_refused_saying_they_are_not_loaded(
    tmp_path: Path,
) -> None:
    for model in (Department, Region, Specialty, Profession, PracticeMode):
        model.objects.all().delete()
    path = tmp_path / "directory.csv"
    path.write_text(
        "rpps,last_name,first_name,profession,department,registration_date\n"
        "10000000017,Martin,Claire,10,75,2018-09-08\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as raised:
        call_command("import_directory", str(path), stdout=StringIO(), stderr=StringIO())

    assert str(raised.value) == (
        f"{path}: no row can be imported: no professions are loaded (run manage.py load_nomenclatures)"
    )
