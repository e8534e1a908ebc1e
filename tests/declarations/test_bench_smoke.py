"""The building blocks of `bench.declarations` and `bench.csv_memory` at a tiny size, on the test
database, so that the benchmark code cannot rot silently (the figures: docs/benchmarks.md)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from bench import csv_memory
from bench import declarations as bench
from certipro.actions.models import Action, ActionTransition, ClaimFlag, Declarant
from certipro.audit.models import AuditEntry
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.notifications.models import Notification
from tests.conftest import TODAY


def _snapshots() -> list[tuple[Any, ...]]:
    return list(StatusSnapshot.objects.order_by("period_id").values_list())


def _counts() -> tuple[int, ...]:
    models = (Action, ActionTransition, ClaimFlag, AuditEntry, Notification)
    return tuple(model.objects.count() for model in models)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_declaration_benches_run_and_clean_up_at_a_tiny_scale(
    dr_martin: Professional,
    client: Client,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    before = (_snapshots(), _counts())
    declarant, token = bench.setup()
    rng = random.Random(2)
    people = bench.sample_people(5, rng=rng, today=TODAY)
    assert [p.rpps for p in people] == [dr_martin.rpps]
    assert "MG-SANTE" not in people[0].types  # declarable by the professional only

    items = list(bench.declarations(people, 60, rng=rng, today=TODAY, tag="T"))
    assert all(i["end_date"] >= people[0].first_day.isoformat() for i in items)
    bench.protect(people, items)
    response = client.post(
        "/api/v1/declarations",
        json.dumps({"declarations": items}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] >= 50 and body["accepted"] + body["rejected"] == 60
    codes = {e["code"] for r in body["results"] if r["status"] == "rejected" for e in r["errors"]}
    assert codes <= {"unknown_rpps", "future_date", "unknown_action_type"}
    accepted = [int(r["action_id"]) for r in body["results"] if r["status"] == "accepted"]
    if connection.vendor == "postgresql":
        rows = bench.written_rows(declarant.pk, accepted)
        assert len(rows) == len(accepted)
        for tables in bench.BASELINES:
            assert bench.copy_baseline([rows], prefix=f"COPY-{tables}-", tables=tables) > 0

    path = tmp_path / "declarations.csv"
    assert csv_memory.write_csv(path, bench.declarations(people, 30, rng=rng, today=TODAY, tag="C")) == 30
    assert len(list(csv_memory.read_csv(path))) == 30
    user = csv_memory.setup_staff(declarant)
    with django_capture_on_commit_callbacks(execute=True):
        upload_id = csv_memory.receive_file(path, declarant_id=declarant.pk, user_id=user.pk)
    report = csv_memory.upload_report(upload_id)
    assert report["status"] == "done" and report["processed"] == 30
    assert report["accepted"] + report["rejected"] == 30 and report["maxrss_kb"] > 0

    removed = bench.cleanup(log=lambda _: None)
    assert removed["actions"] >= body["accepted"] + report["accepted"]
    assert not Declarant.objects.filter(name=bench.NAME).exists()
    assert (_snapshots(), _counts()) == before
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv"))
