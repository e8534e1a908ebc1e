"""Ma certification périodique: activation, the dashboard, who may see it (domain §3, §5, D-40, D-41)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.actions.models import Action, ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.entrypoints.actions import change_action_state, record_action
from certipro.space.models import Activation, ExerciseReport
from tests.conftest import TODAY

ACTOR = Actor.command("test")


def declare(professional: Professional, type_code: str, end: date = date(2025, 3, 11), **kw: Any) -> Action:
    kw.setdefault("source", Source.PROFESSIONAL)
    recorded = record_action(
        professional=professional, type_code=type_code, end_date=end, channel=Channel.COMMAND, actor=ACTOR,
        today=TODAY, **kw,
    )  # fmt: skip
    return recorded.action


def text(response: Any) -> str:
    """The page's words, without tags or repeated spaces, for assertions a person would make."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_visitor_is_sent_to_the_psc_sign_in_page(db: None) -> None:
    response = Client().get("/mon-espace/")
    assert response.status_code == 302 and response["Location"].startswith("/mon-espace/connexion/")
    page = text(Client().get("/mon-espace/connexion/"))
    assert "Pro Santé Connect" in page


def test_a_user_who_is_not_a_professional_gets_404(db: None) -> None:
    client = Client()
    client.force_login(User.objects.create_user("agent"))
    assert client.get("/mon-espace/").status_code == 404
    assert client.get("/mon-espace/activation/").status_code == 404


def test_first_visit_asks_to_confirm_the_exercise(owner: Client, dr_martin: Professional) -> None:
    response = owner.get("/mon-espace/")
    assert response["Location"] == "/mon-espace/activation/"
    page = text(owner.get("/mon-espace/activation/"))
    assert "Médecin" in page and "1 juin 2010" in page
    response = owner.post("/mon-espace/activation/", {"action": "confirm"})
    assert response["Location"] == "/mon-espace/"
    activation = Activation.objects.get(professional=dr_martin)
    assert activation.confirmed == [{"profession": "10", "specialties": ["SM54"]}]
    assert AuditEntry.objects.filter(verb="account_activated", professional_id=dr_martin.pk).count() == 1
    assert owner.get("/mon-espace/activation/")["Location"] == "/mon-espace/"


def test_an_error_is_reported_to_the_order_and_the_account_opens(
    owner: Client, dr_martin: Professional
) -> None:
    exercise = dr_martin.exercises.get()
    assert (
        owner.post("/mon-espace/activation/", {"action": "report", "exercise": exercise.pk}).status_code
        == 200
    )
    response = owner.post(
        "/mon-espace/activation/",
        {"action": "report", "exercise": exercise.pk, "message": "Je suis cardiologue."},
    )
    assert response["Location"] == "/mon-espace/"
    report = ExerciseReport.objects.get(professional=dr_martin)
    assert (report.profession_id, report.message, report.state) == ("10", "Je suis cardiologue.", "open")
    entry = AuditEntry.objects.get(verb="exercise_error_reported")
    assert (entry.professional_id, entry.reason) == (dr_martin.pk, "Je suis cardiologue.")
    assert Activation.objects.get(professional=dr_martin).reported_error
    assert "signalement d'erreur" in text(owner.get("/mon-espace/"))


def test_the_dashboard_shows_period_referentiel_progress_and_axes(
    activated: Client, dr_martin: Professional
) -> None:
    declare(dr_martin, "MG-DPC")
    declare(dr_martin, "MG-FC", title="Insuffisance cardiaque")
    declare(dr_martin, "MG-EPP", source=Source.EMPLOYER)
    declare(dr_martin, "MG-SANTE")
    page = text(activated.get("/mon-espace/"))
    assert "Ma certification périodique" in page
    assert "Médecine générale (test)" in page and "T-MG@2025-01" in page
    assert "1 janvier 2023" in page and "31 décembre 2031" in page
    assert "Progression totale : 50 %" in page
    assert "1. Actualiser ses connaissances et ses compétences 2/2 Complet" in page
    assert "2. Renforcer la qualité de ses pratiques professionnelles 1/2 En cours" in page
    assert "3. Améliorer la relation avec ses patients 0/2 En cours" in page
    assert "4. Mieux prendre en compte sa santé personnelle 1/2 En cours" in page
    # What remains, with the référentiel's action types; the actions with their source and state.
    assert "Axe 3 — Améliorer la relation avec ses patients : encore 2 actions." in page
    assert "Communication avec le patient" in page
    assert "Insuffisance cardiaque 11 mars 2025 Le professionnel Déclarée" in page
    assert "Audit clinique 11 mars 2025 Employeur" in page
    # D-40: axis 4 is private from others, not from its owner.
    assert "Bilan de santé personnel 11 mars 2025" in page
    assert "Rythme" in page and "Temps restant" in page


def test_a_contested_action_is_listed_as_not_counting(activated: Client, dr_martin: Professional) -> None:
    action = declare(dr_martin, "MG-COM", source=Source.ORGANISM)
    change_action_state(action, to=ActionState.CONTESTED, actor=ACTOR, reason="jamais suivie", today=TODAY)
    page = text(activated.get("/mon-espace/"))
    assert "3. Améliorer la relation avec ses patients 0/2 En cours" in page
    assert "Actions qui ne comptent pas" in page and "Contestée" in page


def test_each_profession_has_its_own_section(
    activated: Client, dr_martin: Professional, import_rows: Callable[..., Any]
) -> None:
    import_rows(
        "10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,claire@example.org,60,,75,S,2024-09-16",
    )
    page = text(activated.get("/mon-espace/"))
    assert "Vos professions" in page
    assert "Infirmier (test)" in page and "16 septembre 2024" in page and "15 septembre 2030" in page


def test_another_professional_or_a_visitor_gets_404(
    activated: Client, import_rows: Callable[..., Any]
) -> None:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    assert activated.get("/mon-espace/professionnels/10000000025/").status_code == 404
    assert Client().get("/mon-espace/professionnels/10000000017/").status_code == 404
    assert activated.get("/mon-espace/professionnels/10000000017/").status_code == 200
    assert not AuditEntry.objects.filter(verb="account_viewed").exists()


def test_a_staff_read_is_journaled_and_axis_4_stays_private(
    activated: Client, dr_martin: Professional
) -> None:
    declare(dr_martin, "MG-SANTE")
    staff = User.objects.create_user("agent", is_staff=True)
    client = Client()
    client.force_login(staff)
    page = text(client.get("/mon-espace/professionnels/10000000017/"))
    assert "4. Mieux prendre en compte sa santé personnelle 1/2 En cours" in page
    assert "1 action comptée. Son contenu est privé (axe 4)." in page
    assert "Bilan de santé personnel" not in page
    entry = AuditEntry.objects.get(verb="account_viewed")
    assert (entry.actor, entry.role, entry.professional_id) == (staff, "staff", dr_martin.pk)


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_actions(
    activated: Client, dr_martin: Professional, django_assert_max_num_queries: Any
) -> None:
    declare(dr_martin, "MG-DPC")

    def count() -> int:
        cache.clear()  # rendered, not the kept page (space/dashboard_cache.py)
        with CaptureQueriesContext(connection) as queries:
            assert activated.get("/mon-espace/").status_code == 200
        return len(queries)

    count()  # the first page of a process reads what it keeps (catalogue, DSFR configuration)
    few = count()
    for n in range(30):
        declare(
            dr_martin, ["MG-FC", "MG-EPP", "MG-COM", "MG-STRESS"][n % 4], end=date(2024, 1, 1) + timedelta(n)
        )
    assert count() == few
    # Session, user, the visit, the référentiels' version, periods with snapshots, actions,
    # holdings, exemptions, specialties (test_dashboard_queries.py pins them by table).
    cache.clear()
    with django_assert_max_num_queries(9):
        activated.get("/mon-espace/")


def test_an_account_without_exercise_shows_no_period(activated: Client, dr_martin: Professional) -> None:
    dr_martin.exercises.all().delete()
    assert "Aucune période de certification n'est ouverte pour vous aujourd'hui." in text(
        activated.get("/mon-espace/")
    )


def test_signing_out_ends_the_session(activated: Client) -> None:
    response = activated.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert activated.get("/mon-espace/").status_code == 302


def test_there_is_no_local_sign_up_nor_password_form(db: None) -> None:
    assert Client().get("/accounts/signup/").status_code == 404
    assert 'type="password"' not in Client().get("/accounts/login/").content.decode()
