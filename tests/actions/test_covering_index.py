"""The batch reads of the declaration API stay index-only on PostgreSQL (migration 0005): every
column they read of an action is in the (professional, end_date) index."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from certipro.actions.models import Action
from certipro.certification import bulk_io
from certipro.entrypoints import claims

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="INCLUDE: PostgreSQL only")


def indexed_columns() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'action_professional_end'")
        (definition,) = cursor.fetchone()
    return set(re.findall(r"\w+", definition.split("USING btree", 1)[1])) - {"INCLUDE"}


@pytest.mark.django_db
def test_the_reads_around_a_batch_find_every_column_in_the_index() -> None:
    read = set(re.findall(r"a\.(\w+)", f"{claims._COLUMNS} {claims._OVERLAP}"))
    assert read and read <= indexed_columns(), read - indexed_columns()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        bulk_io.ACTIONS + bulk_io.ACTIONS_WHERE + bulk_io.ACTIONS_GROUP,  # the nightly job
        bulk_io.ACTION_FACTS + bulk_io.ACTIONS_WHERE + bulk_io.ACTION_FACTS_GROUP,  # refresh_status
    ],
)
def test_the_snapshot_refreshes_find_every_column_in_the_index(sql: str) -> None:
    read = set(re.findall(r"\b([a-z_]+)\b", sql)) & {f.column for f in Action._meta.concrete_fields}
    assert {"professional_id", "type_code", "state", "end_date"} <= read
    assert read <= indexed_columns(), read - indexed_columns()
