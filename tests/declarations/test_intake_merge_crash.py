"""contracts/declarations.md with a D-33 merge in the batch: the connection killed after the merge
was written (while the new declarations are inserted) leaves the self-declared action as it was,
and replaying the request merges it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.entrypoints.actions import record_action
from certipro.notifications.models import Notification
from tests.conftest import TODAY
from tests.declarations.conftest import Api, declaration
from tests.declarations.test_crash_replay import killer  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a PostgreSQL backend")


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_after_a_merge_leaves_the_self_declared_action_and_replay_merges(
    killer: None,  # noqa: F811
    referentiels: None,
    dr_martin: Any,
    client: Client,
    organism: tuple[Any, str],
) -> None:
    own = record_action(
        professional=dr_martin,
        type_code="MG-DPC",
        end_date=date(2025, 3, 11),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=Actor.command("professional"),
        today=TODAY,
    ).action
    api = Api(client, organism[1])
    items = [
        declaration(external_id="MERGE", action_type="MG-DPC"),
        declaration(external_id="KILL-ME", action_type="MG-COM"),
    ]
    crashed = api.post({"declarations": items})
    assert crashed.status_code == 503
    connection.close()  # the test shares the request's (dead) connection
    kept = Action.objects.get()
    assert (kept.pk, kept.state, kept.declarant_id, kept.external_id) == (
        own.pk,
        ActionState.DECLARED,
        None,
        "",
    )
    assert list(ActionTransition.objects.values_list("reason", flat=True)) == ["accepted"]
    assert not AuditEntry.objects.filter(verb="action.merged").exists()
    assert not Notification.objects.filter(kind="action_received").exists()

    with connection.cursor() as cursor:
        cursor.execute("ALTER DATABASE " + connection.settings_dict["NAME"] + " SET test.kill = 'off'")
    connection.close()  # the setting applies to new connections
    try:
        replayed = api.post({"declarations": items}).json()
        assert [r["status"] for r in replayed["results"]] == ["accepted", "accepted"]
        assert replayed["results"][0]["action_id"] == str(own.pk)
        assert api.post({"declarations": items}).json()["duplicates"] == 2
        assert Action.objects.get(pk=own.pk).state == ActionState.ATTESTED
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER DATABASE " + connection.settings_dict["NAME"] + " RESET test.kill")
