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

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.actions.models import Channel, Source
from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.entrypoints.actions import record_action
from certipro.entrypoints.referentiels import load_referentiel_files
from certipro.space.models import Activation
from tests.conftest import MG, TODAY

MG_NEXT = MG.replace('version: "2025-01"', 'version: "2026-06"').replace("2025-01-15", "2026-06-01")

# A visit whose page must be rendered: session, user; the visit (the professional with the page's
# version and the counts it shows, space/dashboard_cache.py); the published référentiels' version
# (the catalogue and their types are kept by it); the periods with their exercise, profession and
# status snapshot; the actions, read once for the engine's assignment and the lists; the holdings
# and exemptions the assignment reads; the specialties' labels (none when no exercise has one).
RENDERED = {
    "django_session": 1,
    "accounts_user": 1,
    "directory_professional": 1,
    "referentiels_referentiel": 1,
    "certification_period": 1,
    "actions_action": 1,
    "directory_holding": 1,
    "certification_exemption": 1,
    "directory_specialty": 1,
}
# The first page of a process (or after a new référentiel is published) reads what the process
# then keeps: the catalogue (référentiels, action types), the référentiels with their types, the
# DSFR's site configuration (2 when none is stored in the page's language).
FIRST_IN_PROCESS = {"referentiels_referentiel": 2, "referentiels_actiontype": 2, "dsfr_dsfrconfig": 2}
# A visit whose kept page is current: session, user, the visit. Nothing else.
KEPT = {"django_session": 1, "accounts_user": 1, "directory_professional": 1}
TABLE = re.compile(r'\bFROM "?(\w+)"?', re.IGNORECASE)
SUBQUERY = re.compile(r"\([^()]*\)")
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


def queries(client: Client) -> tuple[Counter[str], Counter[str]]:
    """The dashboard's queries by table: a visit that renders the page, then one that is served the
    kept page. A first visit fills the process's memory; the cache is emptied after it."""
    _visit(client)
    cache.clear()
    return _visit(client), _visit(client)


def _visit(client: Client) -> Counter[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/mon-espace/")
    assert response.status_code == 200
    assert "Ma certification périodique" in response.content.decode()
    return Counter(_table(q["sql"]) for q in captured.captured_queries)


def _table(sql: str) -> str:
    """The table a query reads from, outside its subqueries."""
    outer, previous = sql, ""
    while outer != previous:
        outer, previous = SUBQUERY.sub("", outer), outer
    found = TABLE.search(outer)
    return found.group(1) if found else sql[:40]


def test_the_dashboard_costs_exactly_its_pinned_queries(dr_martin: Professional) -> None:
    client = signed_in(dr_martin)
    assert queries(client) == (Counter(RENDERED), Counter(KEPT))
    for n in range(40):
        declare(dr_martin, ["MG-DPC", "MG-EPP", "MG-COM", "MG-SANTE"][n % 4], date(2024, 1, 1) + timedelta(n))
    assert queries(client) == (Counter(RENDERED), Counter(KEPT))
    assert (sum(RENDERED.values()), sum(KEPT.values())) == (9, 3)


def test_the_first_page_of_a_process_reads_what_it_keeps(
    dr_martin: Professional, write_file: Callable[[str, str], Any]
) -> None:
    client = signed_in(dr_martin)
    assert _visit(client) == Counter(RENDERED) + Counter(FIRST_IN_PROCESS)
    cache.clear()
    assert _visit(client) == Counter(RENDERED)
    # A new published référentiel is a new catalogue version: read again, once.
    load_referentiel_files([write_file("mg2.yaml", MG_NEXT)], today=TODAY, actor=ACTOR)
    expected = Counter(RENDERED) + Counter({"referentiels_referentiel": 2, "referentiels_actiontype": 2})
    assert _visit(client) == expected


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
    assert queries(client) == (Counter(RENDERED), Counter(KEPT))


def test_without_a_specialty_the_labels_are_not_asked(
    referentiels: None, import_rows: Callable[..., Any]
) -> None:
    import_rows("10000000025,Durand,Léa,,60,,69,S,2024-09-16")
    nurse = Professional.objects.get(rpps="10000000025")
    declare(nurse, "IDE-FC", date(2025, 3, 11))
    expected = Counter(RENDERED)
    del expected["directory_specialty"]
    assert queries(signed_in(nurse)) == (expected, Counter(KEPT))


def test_a_visitor_is_redirected_without_a_query(db: None) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert Client().get("/mon-espace/").status_code == 302
    assert len(captured) == 0
