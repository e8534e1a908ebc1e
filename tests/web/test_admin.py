"""The admin: every page answers, and changes go through the entry points."""

from __future__ import annotations

import pytest
from django.test import Client

from certipro.accounts.models import User
from certipro.actions.models import Action
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional


@pytest.fixture
def admin_client(client: Client, dr_martin: Professional) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 16))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/directory/professional/",
        "/admin/directory/exercise/",
        "/admin/referentiels/referentiel/",
        "/admin/certification/period/",
        "/admin/actions/action/",
        "/admin/actions/action/add/",
        "/admin/audit/auditentry/",
        "/admin/actions/claimflag/",
        "/admin/actions/declarant/",
        "/admin/actions/apitoken/",
    ],
)
def test_admin_pages_answer(admin_client: Client, path: str) -> None:
    assert admin_client.get(path).status_code == 200


@pytest.mark.django_db
def test_admin_detail_pages_answer(admin_client: Client, dr_martin: Professional) -> None:
    exercise = dr_martin.exercises.get()
    period = dr_martin.periods.get()
    for path in (
        f"/admin/directory/professional/{dr_martin.pk}/change/",
        f"/admin/directory/exercise/{exercise.pk}/change/",
        f"/admin/certification/period/{period.pk}/change/",
    ):
        assert admin_client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_a_professionals_admin_page_shows_their_periods(
    admin_client: Client, dr_martin: Professional
) -> None:
    """The directory's admin knows nothing of periods: certification adds their inline to it."""
    period = dr_martin.periods.get()
    page = admin_client.get(f"/admin/directory/professional/{dr_martin.pk}/change/").content.decode()
    assert period.start.isoformat() in page or f"{period.start:%d/%m/%Y}" in page
    assert "period_set" in page or "periods-TOTAL_FORMS" in page


def _add(client: Client, **fields: str) -> object:
    data = {
        "rpps": "10000000017",
        "type_code": "MG-DPC",
        "title": "",
        "start_date": "",
        "end_date": "2025-03-11",
        "hours": "",
        "axis": "",
        "source": "professional",
    }
    data.update(fields)
    return client.post("/admin/actions/action/add/", data)


@pytest.mark.django_db
def test_adding_an_action_in_the_admin_goes_through_record_action(admin_client: Client) -> None:
    response = _add(admin_client)
    assert response.status_code == 302, response.context["adminform"].form.errors  # type: ignore[attr-defined]
    action = Action.objects.get()
    assert (action.channel, action.state) == ("admin", "declared")
    assert AuditEntry.objects.filter(verb="action.accepted", actor_label="root").exists()


@pytest.mark.django_db
def test_a_refused_action_shows_the_reason_and_keeps_the_form(admin_client: Client) -> None:
    response = _add(admin_client, type_code="CA-DPC")
    assert response.status_code == 200  # type: ignore[attr-defined]
    content = response.content.decode()  # type: ignore[attr-defined]
    assert "not_in_referentiel" in content
    assert 'value="CA-DPC"' in content
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_the_audit_journal_cannot_be_edited_in_the_admin(admin_client: Client) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    response = admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_contesting_in_the_admin_changes_the_count(admin_client: Client, dr_martin: Professional) -> None:
    _add(admin_client)
    action = Action.objects.get()
    admin_client.post("/admin/actions/action/", {"action": "contest", "_selected_action": [str(action.pk)]})
    action.refresh_from_db()
    assert action.state == "contested"
    assert dr_martin.periods.get().snapshot.counted_1 == 0


@pytest.mark.django_db
def test_home_page_answers_in_french(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Certification périodique" in response.content.decode()
