"""Declarants and their tokens moved from declarations to actions by state only (actions 0007,
space 0006, declarations 0005): the migrations write no SQL and the tables keep their names."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from certipro.actions.models import Action, ApiToken, ClaimFlag, Declarant
from certipro.declarations.models import FileUpload
from certipro.space.models_plan import Plan

MOVE = [
    ("actions", "0007_declarant_apitoken_from_declarations"),
    ("space", "0006_plan_employer_to_actions"),
    ("declarations", "0005_declarant_apitoken_to_actions"),
]


@pytest.mark.django_db(transaction=True)  # SQLite: no schema editor inside a transaction
@pytest.mark.parametrize(("app", "name"), MOVE)
def test_the_move_writes_no_sql(app: str, name: str) -> None:
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line and not line.startswith("--")]
    assert statements in ([], ["BEGIN;", "COMMIT;"])


def test_the_tables_keep_their_names() -> None:
    assert Declarant._meta.db_table == "declarations_declarant"
    assert Declarant._meta.get_field("members").m2m_db_table() == "declarations_declarant_members"
    assert ApiToken._meta.db_table == "declarations_apitoken"
    for model, field in [
        (Action, "declarant"),
        (ClaimFlag, "declarant"),
        (FileUpload, "declarant"),
        (Plan, "employer"),
    ]:
        assert model._meta.get_field(field).related_model is Declarant
