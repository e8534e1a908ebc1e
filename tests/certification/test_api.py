"""contracts/status.md: GET /api/v1/professionals/{rpps}/certification, and who may read it (§5)."""

from __future__ import annotations

import pytest
from django.test import Client

from certipro.accounts.models import AuditEntry, User
from certipro.directory.models import Professional

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
    from datetime import date

    from tests.certification.test_status_command import declare

    client.force_login(owner)
    for month in range(1, 13):
        declare(dr_martin, "MG-DPC" if month % 2 else "MG-EPP", date(2024, month, 1))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(URL.format("10000000017")).status_code == 200
