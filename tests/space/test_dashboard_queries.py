"""The number of SQL queries of the dashboard page, pinned (the load benchmark: bench/dashboard.py).

Exactly this many, whatever the number of actions and of professions: a page that grows a query
per action, per profession or per axis fails here, and so does one that gains a query. A change
that saves one should lower the pin (and docs/benchmarks.md says what each costs under load).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.audit import Actor
from certipro.accounts.models import User
from certipro.actions.models import Channel, Source
from certipro.actions.services import record_action
from certipro.directory.models import Professional
from certipro.space.models import Activation
from tests.conftest import TODAY

# Session, user, professional, activation; exercises; the catalogue (référentiels, action types);
# the engine's facts (periods, holdings, exemptions, actions); the référentiels in force and their
# types; the specialties' labels (none when no exercise has a specialty); the actions listed; the
# open reports; the unread notifications; the DSFR's site configuration (2 when none is stored in
# the page's language).
DASHBOARD_QUERIES = {
    "django_session": 1,
    "accounts_user": 1,
    "directory_professional": 1,
    "space_activation": 1,
    "directory_exercise": 1,
    "referentiels_referentiel": 2,
    "referentiels_actiontype": 2,
    "certification_period": 1,
    "directory_holding": 1,
    "certification_exemption": 1,
    "actions_action": 2,
    "directory_specialty": 1,
    "space_exercisereport": 1,
    "notifications_notification": 1,
    "dsfr_dsfrconfig": 2,
}
TABLE = re.compile(r'\bFROM "?(\w+)"?', re.IGNORECASE)
ACTOR = Actor.command("test")


def signed_in(professional: Professional) -> Client:
    user = User.objects.create_user(professional.rpps, professional=professional)
    Activation.objects.create(professional=professional)
    client = Client()
    client.force_login(user)
    return client


def declare(professional: Professional, type_code: str, end: date, profession: str | None = None) -> None:
    record_action(
        professional=professional, type_code=type_code, end_date=end, channel=Channel.COMMAND, actor=ACTOR,
        today=TODAY, source=Source.PROFESSIONAL, profession=profession,
    )  # fmt: skip


def queries(client: Client) -> Counter[str]:
    """The dashboard's queries by table, counted on a second request (the first fills caches)."""
    assert client.get("/mon-espace/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/mon-espace/")
    assert response.status_code == 200
    assert "Ma certification périodique" in response.content.decode()
    return Counter(_table(q["sql"]) for q in captured.captured_queries)


def _table(sql: str) -> str:
    found = TABLE.search(sql)
    return found.group(1) if found else sql[:40]


def test_the_dashboard_costs_exactly_its_pinned_queries(dr_martin: Professional) -> None:
    client = signed_in(dr_martin)
    assert queries(client) == Counter(DASHBOARD_QUERIES)
    for n in range(40):
        declare(dr_martin, ["MG-DPC", "MG-EPP", "MG-COM", "MG-SANTE"][n % 4], date(2024, 1, 1) + timedelta(n))
    assert queries(client) == Counter(DASHBOARD_QUERIES)
    assert sum(DASHBOARD_QUERIES.values()) == 19


def test_two_professions_cost_no_more_queries(
    dr_martin: Professional, import_rows: Callable[..., Any]
) -> None:
    import_rows(
        "10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,claire@example.org,60,,75,S,2024-09-16",
    )
    client = signed_in(dr_martin)
    declare(dr_martin, "MG-DPC", date(2025, 3, 11), profession="10")
    declare(dr_martin, "IDE-FC", date(2025, 3, 11), profession="60")
    assert "Vos professions" in client.get("/mon-espace/").content.decode()
    assert queries(client) == Counter(DASHBOARD_QUERIES)


def test_without_a_specialty_the_labels_are_not_asked(
    referentiels: None, import_rows: Callable[..., Any]
) -> None:
    import_rows("10000000025,Durand,Léa,,60,,69,S,2024-09-16")
    nurse = Professional.objects.get(rpps="10000000025")
    declare(nurse, "IDE-FC", date(2025, 3, 11))
    expected = Counter(DASHBOARD_QUERIES)
    del expected["directory_specialty"]
    assert queries(signed_in(nurse)) == expected


def test_a_visitor_is_redirected_without_a_query(db: None) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert Client().get("/mon-espace/").status_code == 302
    assert len(captured) == 0
