"""Mon plan with no period open today (an interruption ended it, D-15, or none has started): the
page still opens, read only, says why; nothing can be added or removed; the plan can still be
unshared, and the employer stops seeing it at once (decision 0004)."""

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
from certipro.certification.models import Period
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import record_action
from certipro.entrypoints.exercises import record_interruption
from certipro.space.models import Activation
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan import TypeOption, add_planned_action, build_plan, period_open
from certipro.space.plan_sharing import share_plan
from tests.conftest import TODAY

ACTOR = Actor.command("test")
URL = "/mon-espace/plan/10/"
END = date(2031, 12, 31)
NO_PERIOD = (
    "Aucune période de certification n'est ouverte aujourd'hui : rien ne peut être prévu pour l'instant"
)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


@pytest.fixture
def bernard(referentiels: None, import_rows: Any) -> Professional:
    """A salaried general practitioner: the initial 2023–2031 period, open today."""
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,S,2010-06-01")
    return Professional.objects.get(rpps="10000000025")


@pytest.fixture
def user(bernard: Professional) -> User:
    Activation.objects.create(professional=bernard)
    return User.objects.create_user(bernard.rpps, professional=bernard)


@pytest.fixture
def me(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hospital(bernard: Professional) -> Declarant:
    employer, _, _ = create_declarant(kind="employer", name="CH Exemple", actor=ACTOR)
    record_action(
        professional=bernard, type_code="MG-FC", end_date=date(2026, 1, 15), source=Source.EMPLOYER,
        channel=Channel.API, actor=ACTOR, today=TODAY, declarant_id=employer.pk, external_id="E-1",
    )  # fmt: skip
    return employer


@pytest.fixture
def rh(hospital: Declarant) -> Client:
    staff = User.objects.create_user("rh", password="un mot de passe solide")
    hospital.members.add(staff)
    client = Client()
    client.force_login(staff)
    return client


def exercise_of(professional: Professional) -> Exercise:
    return Exercise.objects.get(professional=professional, profession_id="10")


def plan_items(professional: Professional, user: User, items: list[tuple[str, str, int, date]]) -> None:
    for code, title, axis, target in items:
        add_planned_action(
            professional=professional, user=user, exercise=exercise_of(professional),
            option=TypeOption(code, title, axis), target_date=target, note="Session du CHU",
            period_end=END, today=TODAY,
        )  # fmt: skip


def overdue(plan: Plan, code: str, axis: int, target: date) -> PlannedAction:
    return PlannedAction.objects.create(
        plan=plan, professional_id=plan.professional_id, exercise_id=plan.exercise_id, type_code=code,
        axis=axis, target_date=target,
    )  # fmt: skip


def interrupt(professional: Professional) -> None:
    """More than 1,095 days off from 1 March 2023: the period ends on 28 February 2026 (D-15) and
    the next one opens on resumption, 1 July 2027. Today, 22 November 2026, none is open."""
    record_interruption(
        rpps=professional.rpps, start=date(2023, 3, 1), end=date(2027, 6, 30), profession="10",
        actor=ACTOR, today=TODAY,
    )  # fmt: skip


@pytest.fixture
def shared_then_interrupted(bernard: Professional, user: User, hospital: Declarant) -> Plan:
    plan_items(bernard, user, [("MG-EPP", "Audit clinique", 2, date(2027, 3, 1))])
    plan = share_plan(professional=bernard, user=user, exercise=exercise_of(bernard), employer=hospital)
    overdue(plan, "MG-SANTE", 4, date(2026, 6, 1))  # planned in spring, its date now passed
    interrupt(bernard)
    assert not period_open(exercise_of(bernard), today=TODAY)
    return plan


def test_the_page_opens_says_no_period_is_open_and_shows_the_plan_read_only(
    me: Client, shared_then_interrupted: Plan
) -> None:
    response = me.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "Médecin — aucune période de certification en cours" in page
    assert NO_PERIOD in page
    assert "s'est terminée le 28 février 2026, à la suite d'une interruption de votre exercice" in page
    assert "La prochaine commencera le 1 juillet 2027 : vous pourrez alors compléter votre plan." in page
    assert "Les actions déjà prévues restent affichées ci-dessous, sans modification possible." in page
    # The items, with their state; no forecast against a period that is over, nothing to change.
    assert "Audit clinique 1 mars 2027 Prévue Session du CHU" in page
    assert "Bilan de santé personnel 1 juin 2026 Date dépassée" in page
    body = response.content.decode()
    assert 'class="fr-alert fr-alert--info fr-mb-3w" id="plan-summary"' in body
    for absent in ("/ajouter/", "/retrait/", "Mon plan par axe", "Il manque", "Retirer"):
        assert absent not in body, absent
    # Still shared, and the way to stop it is there.
    assert "Votre plan est partagé avec « CH Exemple »." in page
    assert "Vous pouvez toujours cesser de le partager avec votre employeur." in page
    assert 'name="unshare"' in body


def test_unsharing_without_a_period_closes_the_plan_to_the_employer(
    me: Client, rh: Client, hospital: Declarant, bernard: Professional, shared_then_interrupted: Plan
) -> None:
    listing = f"/declarants/{hospital.pk}/plans/"
    detail = f"{listing}{shared_then_interrupted.pk}/"
    before = text(rh.get(listing))
    # The period is over: no end date and no forecast, as for a plan with no period at all.
    assert re.search(r"Julien Bernard 10000000025 Médecin — 0 1 0 1 Aucune période en cours", before), before
    detail_page = text(rh.get(detail))
    assert "Aucune période de certification n'est en cours pour cette profession" in detail_page
    assert "Audit clinique 1 mars 2027 Pas encore réalisée" in detail_page

    response = me.post(f"{URL}partage/", {"unshare": "1"})
    assert response.status_code == 302 and response["Location"] == URL
    assert Plan.objects.get(pk=shared_then_interrupted.pk).employer is None
    verbs = AuditEntry.objects.filter(professional_id=bernard.pk, verb__startswith="plan.")
    assert list(verbs.order_by("pk").values_list("verb", "data"))[-1] == (
        "plan.unshared",
        {"declarant": hospital.pk},
    )
    page = text(me.get(URL))
    assert "n'est plus partagé : « CH Exemple » ne peut plus le consulter" in page
    assert NO_PERIOD in page and "Votre plan est partagé avec" not in page

    assert rh.get(detail).status_code == 404
    after = text(rh.get(listing))
    assert "Julien Bernard" not in after and "Aucun professionnel ne partage son plan avec vous" in after


def test_nothing_can_be_added_or_removed_and_nothing_is_written(
    me: Client, bernard: Professional, shared_then_interrupted: Plan
) -> None:
    items = set(PlannedAction.objects.values_list("pk", "type_code", "target_date"))
    journal = AuditEntry.objects.count()
    assert me.get(f"{URL}ajouter/")["Location"] == URL
    added = me.post(f"{URL}ajouter/", {"type": "MG-FC|1", "target_date": "2027-09-01"})
    assert added.status_code == 302 and added["Location"] == URL
    item = PlannedAction.objects.get(type_code="MG-EPP")
    removed = me.post(f"{URL}{item.pk}/retrait/")
    assert removed.status_code == 302 and removed["Location"] == URL
    assert set(PlannedAction.objects.values_list("pk", "type_code", "target_date")) == items
    assert AuditEntry.objects.count() == journal
    page = text(me.get(URL))
    assert "votre plan ne peut pas être modifié pour l'instant" in page  # the stale form is told why
    # Another professional's item is still 404, period or not.
    assert me.post(f"{URL}999999/retrait/").status_code == 404


def test_the_plan_can_still_be_shared_and_takes_items_again_once_a_period_opens(
    me: Client, bernard: Professional, user: User, hospital: Declarant
) -> None:
    interrupt(bernard)
    page = text(me.get(URL))
    assert NO_PERIOD in page and "Votre plan ne contient aucune action prévue." in page
    assert "Axe 1 —" not in page  # no four empty sections
    assert me.post(f"{URL}partage/", {"employer": str(hospital.pk)})["Location"] == URL
    assert Plan.objects.get(professional=bernard).employer == hospital
    # On resumption, the new period (1 July 2027 – 30 June 2033) is open: the plan is editable.
    page_then = build_plan(exercise_of(bernard), today=date(2027, 7, 1))
    assert page_then.closed is None and page_then.end == date(2033, 6, 30)


def test_with_no_period_at_all_the_page_says_one_will_open(me: Client, bernard: Professional) -> None:
    Period.objects.filter(professional=bernard).delete()
    response = me.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert NO_PERIOD in page and "s'est terminée" not in page
    assert "vous pourrez le compléter dès qu'une nouvelle période sera ouverte" in page


def test_the_page_without_a_period_runs_a_fixed_number_of_queries(
    me: Client, shared_then_interrupted: Plan
) -> None:
    me.get(URL)  # links settle
    with CaptureQueriesContext(connection) as two:
        assert me.get(URL).status_code == 200
    for code, axis in [("MG-FC", 1), ("MG-DPC", 1), ("MG-COM", 3), ("MG-STRESS", 4)]:
        overdue(shared_then_interrupted, code, axis, date(2027, 1, 1))
    me.get(URL)
    with CaptureQueriesContext(connection) as six:
        assert "Communication avec le patient" in text(me.get(URL))
    assert len(six) == len(two), "\n".join(q["sql"][:100] for q in six.captured_queries)


def test_the_page_without_a_period_in_english(me: Client, shared_then_interrupted: Plan) -> None:
    me.post("/i18n/setlang/", {"language": "en", "next": URL})
    page = text(me.get(URL))
    assert "No certification period is open today: nothing can be planned for now" in page
    assert "ended on 28 February 2026, following an interruption of your practice" in page
    assert NO_PERIOD not in page
