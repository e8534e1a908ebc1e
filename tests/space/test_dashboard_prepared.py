"""With persistent database connections, the dashboard's facts are read by a statement prepared
once per PostgreSQL connection (space/dashboard_cache.py `_execute`): the same facts as the plain
query, a single query per visit, surviving rolled-back transactions, prepared again on a new
connection."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from certipro.directory.models import Professional
from certipro.space.dashboard_cache import page_facts

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL session's statement")


def facts(professional: Professional) -> tuple[list[str], Any]:
    with CaptureQueriesContext(connection) as captured:
        read = page_facts(professional.pk)
    return [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries], read


def same(a: Any, b: Any) -> bool:
    return (a.version, a.catalogue, a.activated, a.professional.rpps, a.exercises, a.periods, a.holdings) == (
        b.version, b.catalogue, b.activated, b.professional.rpps, b.exercises, b.periods, b.holdings
    )  # fmt: skip


@pytest.fixture
def nomenclatures(transactional_db: None) -> None:
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    load_nomenclatures(load)  # a transactional test starts from an empty database


@pytest.mark.django_db(transaction=True)
def test_persistent_connections_read_the_facts_by_a_prepared_statement(
    nomenclatures: None, dr_martin: Professional, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds, plain = facts(dr_martin)
    assert kinds == ["SELECT"]  # a connection per request: nothing to prepare for
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    kinds, prepared = facts(dr_martin)
    assert kinds == ["PREPARE", "EXECUTE"] and same(prepared, plain)
    assert facts(dr_martin)[0] == ["EXECUTE"]  # once per connection
    with pytest.raises(RuntimeError), transaction.atomic():
        assert facts(dr_martin)[0] == ["EXECUTE"]
        raise RuntimeError  # a rolled-back transaction keeps the session's statement
    assert facts(dr_martin)[0] == ["EXECUTE"]
    connection.close()  # a new connection has no statement: prepared again
    kinds, again = facts(dr_martin)
    assert kinds == ["PREPARE", "EXECUTE"] and same(again, plain)
