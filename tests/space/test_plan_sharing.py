"""Sharing Mon plan with an employer (decision 0004): only an active employer that declared an
action for the professional may be chosen; refusals write nothing; every change is journaled."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import Channel, Declarant, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import record_action
from certipro.space.models import Activation
from certipro.space.models_plan import Plan
from certipro.space.plan_rules import PlanRefused
from certipro.space.plan_sharing import allowed_employers, share_plan
from tests.conftest import TODAY

ACTOR = Actor.command("test")
URL = "/mon-espace/plan/10/"


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def declarant(kind: str, name: str) -> Declarant:
    created, _, _ = create_declarant(kind=kind, name=name, actor=ACTOR)
    return created


def declares_for(body: Declarant, professional: Professional, reference: str, code: str = "MG-FC") -> None:
    source = Source.EMPLOYER if body.kind == "employer" else Source.ORGANISM
    record_action(
        professional=professional, type_code=code, end_date=TODAY, source=source, channel=Channel.API,
        actor=ACTOR, today=TODAY, declarant_id=body.pk, external_id=reference,
    )  # fmt: skip


@pytest.fixture
def bernard(referentiels: None, import_rows: Any) -> Professional:
    """A salaried general practitioner (practice mode S): he may share his plan."""
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
    employer = declarant("employer", "CH Exemple")
    declares_for(employer, bernard, "E-1")
    return employer


def exercise_of(professional: Professional) -> Exercise:
    return Exercise.objects.get(professional=professional, profession_id="10")


def journal(professional: Professional) -> list[tuple[str, dict[str, Any]]]:
    rows = AuditEntry.objects.filter(professional_id=professional.pk, verb__startswith="plan.")
    return [(e.verb, e.data) for e in rows.order_by("pk")]


def test_the_employers_offered_are_the_active_ones_that_declared_an_action_for_them(
    bernard: Professional, hospital: Declarant, dr_martin: Professional
) -> None:
    declares_for(declarant("organism", "ODPC Exemple"), bernard, "O-1")  # a training body: never
    declares_for(declarant("employer", "Clinique d'à côté"), dr_martin, "C-1")  # someone else's employer
    closed = declarant("employer", "Ancien hôpital")
    declares_for(closed, bernard, "A-1")
    Declarant.objects.filter(pk=closed.pk).update(is_active=False)
    declarant("employer", "Hôpital sans déclaration")
    assert list(allowed_employers(bernard.pk)) == [hospital]


def test_choosing_an_allowed_employer_shares_the_plan_and_journals_it(
    me: Client, bernard: Professional, hospital: Declarant
) -> None:
    page = me.get(URL).content.decode()
    assert f'<option value="{hospital.pk}">CH Exemple</option>' in page
    response = me.post(f"{URL}partage/", {"employer": str(hospital.pk)})
    assert response.status_code == 302 and response["Location"] == URL
    assert Plan.objects.get(professional=bernard).employer == hospital
    assert "Votre plan est partagé avec « CH Exemple »." in text(me.get(URL))
    assert journal(bernard) == [("plan.shared", {"declarant": hospital.pk})]
    # The same choice again changes nothing and journals nothing.
    me.post(f"{URL}partage/", {"employer": str(hospital.pk)})
    assert len(journal(bernard)) == 1


def test_a_forged_post_naming_another_declarant_is_refused_and_writes_nothing(
    me: Client, bernard: Professional, hospital: Declarant, dr_martin: Professional
) -> None:
    stranger = declarant("employer", "Clinique d'à côté")
    declares_for(stranger, dr_martin, "C-1")
    body = declarant("organism", "ODPC Exemple")
    declares_for(body, bernard, "O-1")
    for forged in (stranger.pk, body.pk, 999_999, "x"):
        response = me.post(f"{URL}partage/", {"employer": str(forged)})
        assert response.status_code == 400, forged
        assert "Le formulaire contient des erreurs" in text(response)
    assert not Plan.objects.filter(professional=bernard).exclude(employer=None).exists()
    assert journal(bernard) == []


def test_the_entry_point_refuses_an_employer_that_is_not_allowed(
    user: User, bernard: Professional, hospital: Declarant, dr_martin: Professional
) -> None:
    stranger = declarant("employer", "Clinique d'à côté")
    declares_for(stranger, dr_martin, "C-1")
    exercise = exercise_of(bernard)
    with pytest.raises(PlanRefused, match="seul un employeur qui a déclaré une action pour vous"):
        share_plan(professional=bernard, user=user, exercise=exercise, employer=stranger)
    assert not Plan.objects.exists() and journal(bernard) == []
    # Once no longer salaried, nobody may be chosen, not even an allowed employer.
    Exercise.objects.filter(pk=exercise.pk).update(practice_mode_id="L")
    with pytest.raises(PlanRefused, match="Seul un professionnel salarié"):
        share_plan(professional=bernard, user=user, exercise=exercise_of(bernard), employer=hospital)
    assert not Plan.objects.exists() and journal(bernard) == []


def test_unsharing_names_the_employer_in_the_journal(
    me: Client, bernard: Professional, hospital: Declarant
) -> None:
    me.post(f"{URL}partage/", {"employer": str(hospital.pk)})
    response = me.post(f"{URL}partage/", {"unshare": "1"})
    assert response["Location"] == URL
    assert Plan.objects.get(professional=bernard).employer is None
    assert journal(bernard) == [
        ("plan.shared", {"declarant": hospital.pk}),
        ("plan.unshared", {"declarant": hospital.pk}),
    ]
    page = me.get(URL).content.decode()  # shows the messages of both choices, then the state:
    assert "n'est plus partagé : « CH Exemple » ne peut plus le consulter" in html.unescape(page)
    assert 'id="plan-shared"' not in page and 'name="unshare"' not in page


def test_choosing_another_employer_withdraws_the_plan_from_the_first(
    user: User, bernard: Professional, hospital: Declarant
) -> None:
    other = declarant("employer", "EHPAD Exemple")
    declares_for(other, bernard, "H-1")
    exercise = exercise_of(bernard)
    share_plan(professional=bernard, user=user, exercise=exercise, employer=hospital)
    share_plan(professional=bernard, user=user, exercise=exercise, employer=other)
    assert Plan.objects.get().employer == other
    assert journal(bernard) == [
        ("plan.shared", {"declarant": hospital.pk}),
        ("plan.unshared", {"declarant": hospital.pk}),
        ("plan.shared", {"declarant": other.pk}),
    ]


def test_a_plan_shared_before_a_move_to_liberal_practice_can_still_be_unshared(
    me: Client, bernard: Professional, hospital: Declarant
) -> None:
    me.post(f"{URL}partage/", {"employer": str(hospital.pk)})
    Exercise.objects.filter(pk=exercise_of(bernard).pk).update(practice_mode_id="L")
    page = text(me.get(URL))
    assert "Votre plan est partagé avec « CH Exemple »." in page and "Ne plus partager" in page
    assert me.post(f"{URL}partage/", {"employer": str(hospital.pk)}).status_code == 404
    me.post(f"{URL}partage/", {"unshare": "1"})
    assert Plan.objects.get().employer is None
    assert "Partager mon plan avec mon employeur" not in text(me.get(URL))


def test_without_an_employer_the_page_explains_how_one_appears(me: Client) -> None:
    page = text(me.get(URL))
    assert "Aucun employeur ne peut encore recevoir votre plan." in page
    assert 'name="employer"' not in me.get(URL).content.decode()
