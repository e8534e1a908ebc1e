"""Plans partagés in the declarants' portal (decision 0004): what the chosen employer sees of a plan
(never axis-4 content, D-40), who else gets 404, the journal of each read (D-41), query counts."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import Channel, Declarant, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import record_action
from certipro.entrypoints.exercises import record_interruption
from certipro.space.models import Activation
from certipro.space.models_plan import Plan
from certipro.space.plan import TypeOption, add_planned_action
from certipro.space.plan_sharing import share_plan
from tests.conftest import TODAY

ACTOR = Actor.command("test")
END = date(2031, 12, 31)
PRIVATE_TITLES = ("Gestion du stress", "Bilan de santé personnel")  # axis-4 types of T-MG
PRIVATE_NOTE = "Consultation chez mon psychologue"


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def declarant(kind: str, name: str) -> Declarant:
    created, _, _ = create_declarant(kind=kind, name=name, actor=ACTOR)
    return created


def member_of(body: Declarant, username: str) -> Client:
    user = User.objects.create_user(username, password="un mot de passe solide")
    body.members.add(user)
    client = Client()
    client.force_login(user)
    return client


def declares_for(body: Declarant, professional: Professional, reference: str, code: str = "MG-FC") -> None:
    record_action(
        professional=professional, type_code=code, end_date=TODAY, source=Source.EMPLOYER,
        channel=Channel.API, actor=ACTOR, today=TODAY, declarant_id=body.pk, external_id=reference,
    )  # fmt: skip


def salaried(import_rows: Any, rpps: str, last: str, first: str) -> Professional:
    import_rows(f"{rpps},{last},{first},,10,SM54,75,S,2010-06-01")
    return Professional.objects.get(rpps=rpps)


def owner(professional: Professional) -> User:
    Activation.objects.create(professional=professional)
    return User.objects.create_user(professional.rpps, professional=professional)


def plan_for(
    professional: Professional, user: User, employer: Declarant, items: list[tuple[str, str, int]]
) -> Plan:
    """Items as (code, title, axis), all due on 1 March 2027; then shared with `employer`."""
    exercise = Exercise.objects.get(professional=professional, profession_id="10")
    for code, title, axis in items:
        add_planned_action(
            professional=professional, user=user, exercise=exercise, option=TypeOption(code, title, axis),
            target_date=date(2027, 3, 1), note=PRIVATE_NOTE if axis == 4 else "", period_end=END, today=TODAY,
        )  # fmt: skip
    return share_plan(professional=professional, user=user, exercise=exercise, employer=employer)


FULL = [
    ("MG-FC", "Formation continue", 1),
    ("MG-EPP", "Audit clinique", 2),
    ("MG-COM", "Communication avec le patient", 3),
    ("MG-STRESS", "Gestion du stress", 4),
    ("MG-SANTE", "Bilan de santé personnel", 4),
]


@pytest.fixture
def hospital(db: None) -> Declarant:
    return declarant("employer", "CH Exemple")


@pytest.fixture
def rh(hospital: Declarant) -> Client:
    return member_of(hospital, "rh")


@pytest.fixture
def bernard(referentiels: None, import_rows: Any) -> Professional:
    return salaried(import_rows, "10000000025", "Bernard", "Julien")


@pytest.fixture
def bernard_user(bernard: Professional) -> User:
    return owner(bernard)


@pytest.fixture
def shared(bernard: Professional, bernard_user: User, hospital: Declarant) -> Plan:
    declares_for(hospital, bernard, "E-1")  # the MG-FC the plan holds: done
    return plan_for(bernard, bernard_user, hospital, FULL)


def urls(body: Declarant, plan: Plan) -> tuple[str, str]:
    return f"/declarants/{body.pk}/plans/", f"/declarants/{body.pk}/plans/{plan.pk}/"


def test_the_list_shows_each_shared_plan_with_its_counts_per_axis(
    rh: Client, hospital: Declarant, shared: Plan
) -> None:
    listing, detail = urls(hospital, shared)
    response = rh.get(listing)
    assert response.status_code == 200
    page = text(response)
    assert "1 plan partagé" in page
    row = page[page.index("Julien Bernard") :]
    # Name, RPPS, profession, end of period, planned per axis 1-4, fills every axis (D-21: not yet).
    assert re.match(r"Julien Bernard 10000000025 Médecin 31/12/2031 1 1 1 2 Non", row), row[:120]
    assert f'href="{detail}"' in response.content.decode()
    assert not AuditEntry.objects.filter(verb="plan.viewed").exists()  # the list reads no plan's content


def test_the_detail_shows_axes_1_to_3_and_only_a_count_for_axis_4(
    rh: Client, hospital: Declarant, shared: Plan
) -> None:
    response = rh.get(urls(hospital, shared)[1])
    assert response.status_code == 200
    page = text(response)
    assert "Plan de Julien Bernard" in page and "RPPS 10000000025" in page
    assert "période du 1 janvier 2023 au 31 décembre 2031" in page
    for title in ("Formation continue", "Audit clinique", "Communication avec le patient"):
        assert f"{title} 1 mars 2027" in page, title
    assert "Formation continue 1 mars 2027 Réalisée" in page  # fulfilled by the employer's action
    assert "Audit clinique 1 mars 2027 Pas encore réalisée" in page
    assert "2 actions prévues. Leur contenu est privé" in page
    assert "Ce plan ne couvre pas encore tous les axes avant le 31 décembre 2031" in page


def test_axis_4_content_never_reaches_the_employer(rh: Client, hospital: Declarant, shared: Plan) -> None:
    for url in urls(hospital, shared):
        body = html.unescape(rh.get(url).content.decode())
        for secret in (*PRIVATE_TITLES, "MG-STRESS", "MG-SANTE", PRIVATE_NOTE):
            assert secret not in body, (url, secret)


def test_each_read_is_journaled_and_shown_to_the_professional(
    rh: Client, hospital: Declarant, shared: Plan, bernard: Professional, bernard_user: User
) -> None:
    rh.get(urls(hospital, shared)[1])
    entry = AuditEntry.objects.get(verb="plan.viewed")
    assert (entry.professional_id, entry.role, entry.actor_label) == (bernard.pk, "employer", "rh")
    assert entry.data == {"declarant": "CH Exemple", "declarant_id": hospital.pk}
    me = Client()
    me.force_login(bernard_user)
    page = text(me.get("/mon-espace/consultations/"))
    assert "Consultation de votre plan d'actions par votre employeur « CH Exemple »" in page
    assert "rh employer" in page


def test_unsharing_closes_the_plan_to_the_employer_at_once(
    rh: Client, hospital: Declarant, shared: Plan, bernard: Professional, bernard_user: User
) -> None:
    listing, detail = urls(hospital, shared)
    assert rh.get(detail).status_code == 200
    exercise = Exercise.objects.get(pk=shared.exercise_id)
    share_plan(professional=bernard, user=bernard_user, exercise=exercise, employer=None)
    assert rh.get(detail).status_code == 404
    page = text(rh.get(listing))
    assert "Julien Bernard" not in page and "Aucun professionnel ne partage son plan avec vous" in page


def test_a_plan_whose_period_an_interruption_ended_has_no_forecast_and_can_be_unshared(
    rh: Client, hospital: Declarant, shared: Plan, bernard: Professional, bernard_user: User
) -> None:
    # D-15: more than 1,095 days off end the period on 28 February 2026; the next opens on
    # 1 July 2027. Today none is open: nothing to compare the plan with, as with no period at all.
    record_interruption(
        rpps=bernard.rpps, start=date(2023, 3, 1), end=date(2027, 6, 30), profession="10",
        actor=ACTOR, today=TODAY,
    )  # fmt: skip
    listing, detail = urls(hospital, shared)
    row = text(rh.get(listing))
    assert re.search(r"Julien Bernard 10000000025 Médecin — 1 1 1 2 Aucune période en cours", row), row
    page = text(rh.get(detail))
    assert "Aucune période de certification n'est en cours pour cette profession" in page
    assert "période du" not in page and "Il manque" not in page
    assert "Formation continue 1 mars 2027 Réalisée" in page
    # The owner stops sharing from their plan page, which still opens without a period.
    me = Client()
    me.force_login(bernard_user)
    assert me.post("/mon-espace/plan/10/partage/", {"unshare": "1"}).status_code == 302
    assert rh.get(detail).status_code == 404
    assert "Julien Bernard" not in text(rh.get(listing))


def test_other_declarants_staff_training_bodies_and_strangers_get_404(
    rh: Client, hospital: Declarant, shared: Plan
) -> None:
    listing, detail = urls(hospital, shared)
    other = declarant("employer", "Clinique d'à côté")
    theirs = member_of(other, "autre")
    assert theirs.get(listing).status_code == 404 and theirs.get(detail).status_code == 404
    # Their own portal does not hold this plan either.
    assert theirs.get(urls(other, shared)[0]).status_code == 200
    assert theirs.get(urls(other, shared)[1]).status_code == 404
    body = declarant("organism", "ODPC Exemple")
    trainer = member_of(body, "formation")
    for url in urls(body, shared):  # a training body has no such page
        assert trainer.get(url).status_code == 404, url
    assert "Plans partagés" not in text(trainer.get(f"/declarants/{body.pk}/"))
    assert "Plans partagés" in text(rh.get(f"/declarants/{hospital.pk}/"))
    stranger = Client()
    stranger.force_login(User.objects.create_user("mallory", password="x"))
    assert stranger.get(listing).status_code == 404 and stranger.get(detail).status_code == 404
    Declarant.objects.filter(pk=hospital.pk).update(is_active=False)  # a closed employer: nothing
    assert rh.get(detail).status_code == 404
    assert not AuditEntry.objects.filter(verb="plan.viewed").exclude(actor_label="rh").exists()


def test_anonymous_users_are_sent_to_the_sign_in_page(hospital: Declarant, shared: Plan) -> None:
    for url in urls(hospital, shared):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next="), url


def test_the_list_runs_a_fixed_number_of_queries(
    rh: Client, hospital: Declarant, shared: Plan, import_rows: Any
) -> None:
    listing = urls(hospital, shared)[0]
    rh.get(listing)  # what a process keeps (the DSFR config) is kept from now on
    with CaptureQueriesContext(connection) as one:
        assert rh.get(listing).status_code == 200
    for n, name in enumerate(("Durand", "Petit", "Moreau"), start=3):
        other = salaried(import_rows, f"1000000{n:04d}", name, "Alex")
        declares_for(hospital, other, f"E-{n}", code="MG-EPP")
        plan_for(other, owner(other), hospital, FULL)
    with CaptureQueriesContext(connection) as four:
        page = text(rh.get(listing))
    assert "4 plans partagés" in page
    # Session, user, declarants, count, plans, catalogue (2), the engine (periods, holdings,
    # exemptions, actions), items, matching actions. (The DSFR config is kept by the process:
    # certipro/web/context_processors.py.)
    assert len(four) == len(one) == 13, "\n".join(q["sql"][:100] for q in four.captured_queries)


def test_the_pages_in_english(rh: Client, hospital: Declarant, shared: Plan) -> None:
    listing, detail = urls(hospital, shared)
    rh.post("/i18n/setlang/", {"language": "en", "next": listing})
    assert "1 shared plan" in text(rh.get(listing))
    page = text(rh.get(detail))
    assert "Plan of Julien Bernard" in page and "Their content is private" in page
