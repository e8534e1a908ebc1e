"""contracts/declarations.md: after a crash mid-batch each declaration is fully recorded or absent,
and replaying the whole request repairs everything. The crash is real: the database connection
of the request is killed by PostgreSQL itself while it inserts the third declaration."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from certipro.actions.models import Action
from certipro.certification.models import StatusSnapshot
from tests.declarations.conftest import Api, declaration

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a PostgreSQL backend")

KILL = """
CREATE OR REPLACE FUNCTION test_kill_connection() RETURNS trigger AS $$
BEGIN
    IF NEW.external_id = 'KILL-ME' AND current_setting('test.kill', true) IS DISTINCT FROM 'off' THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_kill_connection BEFORE INSERT ON actions_action
    FOR EACH ROW EXECUTE FUNCTION test_kill_connection();
"""


@pytest.fixture
def killer(transactional_db: None) -> Any:
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    load_nomenclatures(load)  # a transactional test starts from an empty database
    with connection.cursor() as cursor:
        cursor.execute(KILL)
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_kill_connection ON actions_action")
        cursor.execute("DROP FUNCTION IF EXISTS test_kill_connection()")


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_batch_leaves_nothing_and_replay_repairs(
    killer: None, referentiels: None, dr_martin: Any, client: Client, organism: tuple[Any, str]
) -> None:
    api = Api(client, organism[1])
    items = [
        declaration(external_id="A", action_type="MG-DPC"),
        declaration(external_id="B", action_type="MG-EPP"),
        declaration(external_id="KILL-ME", action_type="MG-COM"),
        declaration(external_id="C", action_type="MG-STRESS"),
    ]
    crashed = api.post({"declarations": items})
    assert crashed.status_code == 503
    assert "replay" in crashed.json()["error"]
    connection.close()  # the test shares the request's (dead) connection
    assert not Action.objects.exists()
    assert StatusSnapshot.objects.get().counted_1 == 0

    with connection.cursor() as cursor:
        cursor.execute("ALTER DATABASE " + connection.settings_dict["NAME"] + " SET test.kill = 'off'")
    connection.close()  # the setting applies to new connections
    try:
        replayed = api.post({"declarations": items}).json()
        assert (replayed["accepted"], replayed["rejected"]) == (4, 0)
        again = api.post({"declarations": items}).json()
        assert again["duplicates"] == 4
        assert Action.objects.count() == 4
        snapshot = StatusSnapshot.objects.get()
        assert (snapshot.counted_1, snapshot.counted_2, snapshot.counted_3, snapshot.counted_4) == (
            1,
            1,
            1,
            1,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER DATABASE " + connection.settings_dict["NAME"] + " RESET test.kill")
