"""contracts/status.md: GET /api/v1/professionals/{rpps}/certification, and who may read it (§5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from certipro.accounts.models import User
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import status_object
from certipro.directory.models import Professional
from tests.conftest import TODAY

URL = "/api/v1/professionals/{}/certification"


@pytest.fixture
def owner(dr_martin: Professional) -> User:
    return User.objects.create_user("martin", professional=dr_martin)


@pytest.mark.django_db
def test_the_professional_reads_their_own_status(owner: User, client: Client) -> None:
    client.force_login(owner)
    response = client.get(URL.format("10000000017"))
    assert response.status_code == 200
    body = response.json()
    assert body["rpps"] == "10000000017"
    assert [a["axis"] for a in body["axes"]] == [1, 2, 3, 4]
    assert body["cycle"]["kind"] == "initial"
    assert not AuditEntry.objects.filter(verb="account.viewed").exists()


@pytest.mark.django_db
def test_anonymous_and_other_professionals_get_404_not_403(
    owner: User, client: Client, import_rows: object
) -> None:
    assert client.get(URL.format("10000000017")).status_code == 404
    stranger = User.objects.create_user("stranger")
    client.force_login(stranger)
    assert client.get(URL.format("10000000017")).status_code == 404
    # An unknown RPPS looks exactly the same: the API does not reveal who exists.
    assert client.get(URL.format("99999999999")).status_code == 404


@pytest.mark.django_db
def test_d41_a_staff_read_is_journaled(dr_martin: Professional, client: Client) -> None:
    staff = User.objects.create_user("agent", is_staff=True)
    client.force_login(staff)
    assert client.get(URL.format("10000000017")).status_code == 200
    entry = AuditEntry.objects.get(verb="account.viewed")
    assert (entry.actor_label, entry.professional_id) == ("agent", dr_martin.pk)


@pytest.mark.django_db
def test_openapi_document_describes_the_status_endpoint(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/professionals/{rpps}/certification" in spec["paths"]


@pytest.mark.django_db
def test_status_api_query_count_does_not_grow_with_actions(
    owner: User, client: Client, django_assert_max_num_queries: object, dr_martin: Professional
) -> None:
    from tests.certification.test_status_command import declare

    client.force_login(owner)
    for month in range(1, 13):
        declare(dr_martin, "MG-DPC" if month % 2 else "MG-EPP", date(2024, month, 1))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(URL.format("10000000017")).status_code == 200


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request's today is the tests' TODAY, the day the snapshots were written for."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def _declared(dr_martin: Professional) -> None:
    from tests.certification.test_status_command import declare

    for code, month in (("MG-DPC", 1), ("MG-FC", 2), ("MG-EPP", 3), ("MG-RMM", 4)):
        declare(dr_martin, code, date(2024, month, 1))


@pytest.mark.django_db
def test_the_api_returns_the_snapshots_figures(owner: User, client: Client, dr_martin: Professional) -> None:
    _declared(dr_martin)
    # Figures no engine run on these actions would give: only the snapshot can have said them.
    StatusSnapshot.objects.filter(professional=dr_martin).update(
        counted_3=4, progress=0.75, status="in_progress", pace="at_risk"
    )
    client.force_login(owner)
    body = client.get(URL.format("10000000017")).json()
    assert [(a["counted"], a["status"]) for a in body["axes"]] == [
        (2, "complete"), (2, "complete"), (4, "complete"), (0, "in_progress")
    ]  # fmt: skip
    assert (body["progress"], body["pace"]["state"]) == (0.75, "at_risk")


@pytest.mark.django_db
def test_a_current_snapshot_gives_the_engines_very_object(
    owner: User, client: Client, dr_martin: Professional, today: None
) -> None:
    _declared(dr_martin)
    client.force_login(owner)
    body = client.get(URL.format("10000000017")).json()
    exercises = list(dr_martin.exercises.select_related("professional"))
    [status] = evaluate_exercises(exercises, as_of=TODAY, catalogue=load_catalogue())
    assert body == status_object(status)


@pytest.mark.django_db
def test_a_period_without_a_snapshot_is_evaluated_and_nothing_is_written(
    owner: User, client: Client, dr_martin: Professional, today: None
) -> None:
    _declared(dr_martin)
    client.force_login(owner)
    with_snapshot = client.get(URL.format("10000000017")).json()
    StatusSnapshot.objects.all().delete()  # data written before snapshots existed
    response = client.get(URL.format("10000000017"))
    assert response.status_code == 200 and response.json() == with_snapshot
    assert not StatusSnapshot.objects.exists()
