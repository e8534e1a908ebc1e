"""`bench.declarations`' baseline COPYs the same rows the API writes per accepted declaration,
the "action received" notice included (domain §7), and its cleanup removes them all."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from bench import declarations as bench
from certipro.actions.models import Action
from certipro.directory.models import Professional
from certipro.notifications.kinds import Kind
from certipro.notifications.models import Notification
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the baseline is COPY")
SHAPE = ["kind", "email_state", "email_to", "email_attempts", "email_error", "read_at", "email_sent_at"]


@pytest.mark.django_db
def test_the_baseline_copies_one_notice_per_accepted_declaration_as_the_api_writes_it(
    dr_martin: Professional, client: Client, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    before = Notification.objects.count()
    declarant, token = bench.setup()
    rng = random.Random(3)
    people = bench.sample_people(5, rng=rng, today=TODAY)
    items = list(bench.declarations(people, 20, rng=rng, today=TODAY, tag="N"))
    bench.protect(people, items)
    body = client.post(
        "/api/v1/declarations",
        json.dumps({"declarations": items}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    accepted = [int(r["action_id"]) for r in body["results"] if r["status"] == "accepted"]
    rows = bench.written_rows(declarant.pk, accepted)
    bench.copy_baseline([rows], prefix="COPY-", tables="all")

    copied = Action.objects.filter(declarant=declarant, external_id__startswith="COPY-")
    assert copied.count() == len(accepted) > 0
    for action in copied:
        original = Action.objects.get(declarant=declarant, external_id=action.external_id[len("COPY-") :])
        theirs = Notification.objects.get(
            professional_id=original.professional_id, key=f"action:{original.pk}"
        )
        ours = Notification.objects.get(
            professional_id=action.professional_id, kind=Kind.ACTION_RECEIVED, key=f"action:{action.pk}"
        )
        assert ours.data == {**theirs.data, "action_id": action.pk}
        assert [getattr(ours, f) for f in SHAPE] == [getattr(theirs, f) for f in SHAPE]
        assert ours.email_next_try is not None

    bench.cleanup(log=lambda _: None)
    assert Notification.objects.count() == before
