"""Mon plan: the pure forecast and matching rules, then the pages (owner only, add, remove, share)
and an item turning done when a matching action is recorded through `record_action`."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.actions.declarants import create_declarant
from certipro.actions.models import ActionState, Channel, Source
from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.entrypoints.actions import change_action_state, record_action
from certipro.space.models import Activation
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan_rules import AxisCount, Done, Intent, forecast, match_done, target_error
from tests.conftest import TODAY

END = date(2031, 12, 31)
ACTOR = Actor.command("test")
URL = "/mon-espace/plan/10/"


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def axes(*counted: int, required: int = 2) -> list[AxisCount]:
    return [AxisCount(n, required, c) for n, c in enumerate(counted, start=1)]


def intent(
    key: int, axis: int, target: date, *, code: str = "X", planned_on: date = TODAY, done: int | None = None
) -> Intent:
    return Intent(key, code, axis, target, planned_on, done)


# --- Pure rules: the forecast ---------------------------------------------------------------------


def test_done_plus_planned_before_the_end_fills_every_axis() -> None:
    items = [intent(1, 1, END), intent(2, 2, TODAY), intent(3, 3, date(2030, 1, 1)), intent(4, 4, END)]
    result = forecast(axes=axes(1, 1, 1, 1), items=items, end=END, today=TODAY)
    assert result.fills_every_axis
    assert [(a.done, a.planned, a.missing) for a in result.axes] == [(1, 1, 0)] * 4
    assert not result.late and not result.overdue


def test_a_target_the_day_after_the_end_is_late_and_does_not_count() -> None:
    items = [intent(1, 3, END), intent(2, 3, END + timedelta(days=1))]
    result = forecast(axes=axes(2, 2, 0, 2), items=items, end=END, today=TODAY)
    assert not result.fills_every_axis
    assert result.axes[2].planned == 1 and result.axes[2].missing == 1
    assert result.late == {2}


def test_a_done_item_is_already_in_the_engines_count() -> None:
    # The action that fulfilled item 1 is in counted=2: the item must not add a third.
    result = forecast(axes=axes(2, 0, 2, 2), items=[intent(1, 1, TODAY, done=7)], end=END, today=TODAY)
    assert result.axes[0].planned == 0 and result.axes[0].done == 2
    assert result.axes[1].missing == 2


def test_an_overdue_item_still_counts_but_is_flagged() -> None:
    items = [intent(1, 1, TODAY - timedelta(days=1)), intent(2, 1, TODAY)]
    result = forecast(axes=axes(0, 2, 2, 2), items=items, end=END, today=TODAY)
    assert result.overdue == {1}
    assert result.axes[0].planned == 2 and result.fills_every_axis


def test_an_exempt_axis_requires_nothing_and_surplus_never_goes_negative() -> None:
    counts = [AxisCount(1, 2, 5), AxisCount(2, 2, 2), AxisCount(3, 2, 2), AxisCount(4, 0, 0)]
    result = forecast(axes=counts, items=[], end=END, today=TODAY)
    assert result.fills_every_axis and [a.missing for a in result.axes] == [0, 0, 0, 0]


def test_after_the_end_nothing_planned_late_counts() -> None:
    after = END + timedelta(days=3)
    result = forecast(axes=axes(2, 2, 2, 1), items=[intent(1, 4, after)], end=END, today=after)
    assert result.late == {1} and result.overdue == frozenset() and not result.fills_every_axis


# --- Pure rules: which action fulfils which item --------------------------------------------------


def test_an_action_ended_on_the_day_the_item_was_planned_fulfils_it_not_the_day_before() -> None:
    items = [intent(1, 1, END, planned_on=date(2026, 5, 1))]
    assert match_done(items, [Done(9, "X", date(2026, 4, 30))]) == {1: None}
    assert match_done(items, [Done(9, "X", date(2026, 5, 1))]) == {1: 9}
    assert match_done(items, [Done(9, "Y", date(2026, 5, 1))]) == {1: None}


def test_one_action_fulfils_one_item_earliest_target_first() -> None:
    items = [intent(1, 1, date(2029, 1, 1)), intent(2, 1, date(2027, 1, 1))]
    assert match_done(items, [Done(9, "X", TODAY)]) == {1: None, 2: 9}
    both = match_done(items, [Done(9, "X", TODAY), Done(8, "X", TODAY + timedelta(days=1))])
    assert both == {2: 9, 1: 8}


def test_a_valid_link_is_kept_and_a_stale_one_cleared() -> None:
    items = [intent(1, 1, date(2029, 1, 1), done=8), intent(2, 1, date(2027, 1, 1), done=5)]
    # 8 still counts: item 1 keeps it although item 2 has the earlier target; 5 stopped counting.
    result = match_done(items, [Done(9, "X", TODAY), Done(8, "X", TODAY)])
    assert result == {1: 8, 2: 9}


def test_target_dates_today_and_on_the_end_are_accepted() -> None:
    assert target_error(TODAY, today=TODAY, end=END) is None
    assert target_error(END, today=TODAY, end=END) is None
    assert target_error(TODAY - timedelta(days=1), today=TODAY, end=END) == (
        "La date prévue ne peut pas être dans le passé."
    )
    assert "au plus tard le 31 décembre 2031" in str(
        target_error(END + timedelta(days=1), today=TODAY, end=END)
    )


# --- Pages -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def signed_in(professional: Professional) -> Client:
    Activation.objects.create(professional=professional)
    client = Client()
    client.force_login(User.objects.create_user(professional.rpps, professional=professional))
    return client


@pytest.fixture
def me(dr_martin: Professional) -> Client:
    return signed_in(dr_martin)


@pytest.fixture
def bernard(import_rows: Any) -> Professional:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,S,2010-06-01")
    return Professional.objects.get(rpps="10000000025")


def add(client: Client, type_value: str = "MG-FC|1", target: str = "2027-03-01", **extra: str) -> Any:
    return client.post(f"{URL}ajouter/", {"type": type_value, "target_date": target, **extra})


def test_the_plan_is_the_owners_only(me: Client, dr_martin: Professional, bernard: Professional) -> None:
    theirs = signed_in(bernard)
    assert add(theirs).status_code == 302
    item = PlannedAction.objects.get(professional=bernard)
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    for url in [URL, f"{URL}ajouter/"]:
        assert me.get(url).status_code == 200, url
        assert staff.get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    assert me.get("/mon-espace/plan/60/").status_code == 404  # a profession I do not hold
    assert me.post(f"{URL}{item.pk}/retrait/").status_code == 404
    assert staff.post(f"{URL}partage/", {"shared": "1"}).status_code == 404
    assert PlannedAction.objects.filter(pk=item.pk).exists()


def test_add_then_remove_an_item(me: Client, dr_martin: Professional) -> None:
    form = me.get(f"{URL}ajouter/").content.decode()
    assert 'label="Axe 2 — Renforcer la qualité de ses pratiques professionnelles"' in form
    assert 'value="MG-RMM|1"' in form and 'value="MG-RMM|2"' in form  # a two-axis type, in each
    assert 'value="MG-STRESS|4"' in form  # not self-declarable, but may be planned
    response = add(me, "MG-RMM|2", "2028-06-30", note="Session du CHU")
    assert response["Location"] == URL
    item = PlannedAction.objects.get(professional=dr_martin)
    assert (item.type_code, item.axis, item.target_date, item.note) == (
        "MG-RMM",
        2,
        date(2028, 6, 30),
        "Session du CHU",
    )
    page = text(me.get(URL))
    assert "Revue de morbi-mortalité" in page and "30 juin 2028" in page
    # The column is "Note" in French: Django's own catalogue renders a bare "Note" as "Remarque".
    assert '<th scope="col">Note</th>' in me.get(URL).content.decode() and "Remarque" not in page
    assert me.post(f"{URL}{item.pk}/retrait/")["Location"] == URL
    assert not PlannedAction.objects.exists()


def test_a_target_after_the_end_is_refused_with_a_french_field_error(me: Client) -> None:
    response = add(me, target="2032-01-01")
    assert response.status_code == 400
    page = text(response)
    assert "Le formulaire contient des erreurs" in page
    assert "Date prévue : La date prévue doit tomber au plus tard le 31 décembre 2031" in page
    assert "La date prévue ne peut pas être dans le passé." in text(add(me, target="2026-11-21"))
    assert add(me, target="2031-12-31").status_code == 302
    assert PlannedAction.objects.count() == 1


def test_an_item_becomes_done_once_a_matching_action_is_recorded(me: Client, dr_martin: Professional) -> None:
    add(me, "MG-FC|1", "2027-03-01")
    add(me, "MG-EPP|2", "2027-03-01")
    assert "Il manque 2 actions sur l'axe 1" not in text(me.get(URL))
    record_action(
        professional=dr_martin, type_code="MG-FC", end_date=TODAY, source=Source.PROFESSIONAL,
        channel=Channel.COMMAND, actor=ACTOR, today=TODAY,
    )  # fmt: skip
    page = text(me.get(URL))
    done = PlannedAction.objects.get(type_code="MG-FC")
    assert done.done_action is not None and done.done_action.type_code == "MG-FC"
    assert PlannedAction.objects.get(type_code="MG-EPP").done_action is None
    assert "Réalisée" in page
    assert "Il manque 1 action sur l'axe 1" in page  # 1 done + 0 pending of 2
    # It stops being done when its action stops counting (here the order rejects it).
    change_action_state(done.done_action, to=ActionState.REJECTED, actor=ACTOR, reason="test", today=TODAY)
    me.get(URL)
    assert PlannedAction.objects.get(pk=done.pk).done_action is None


def test_a_full_plan_says_so(me: Client) -> None:
    for value in ["MG-FC|1", "MG-DPC|1", "MG-EPP|2", "MG-RMM|2", "MG-COM|3", "MG-ETP|3"]:
        add(me, value, "2030-01-01")
    add(me, "MG-SANTE|4", "2031-12-31")
    assert "Il manque 1 action sur l'axe 4" in text(me.get(URL))
    add(me, "MG-STRESS|4", "2031-12-31")
    assert "Votre plan couvre les quatre axes avant le 31 décembre 2031" in text(me.get(URL))


def test_only_an_employed_professional_may_share_and_only_with_an_employer_that_declared_for_them(
    me: Client, bernard: Professional
) -> None:
    assert "Partager mon plan" not in text(me.get(URL))  # Dr Martin is libérale
    assert me.post(f"{URL}partage/", {"employer": "1"}).status_code == 404
    theirs = signed_in(bernard)
    # No employer has declared anything for Julien Bernard yet: the page says how one appears.
    assert "Un employeur apparaît ici dès qu'il a déclaré une action pour vous" in text(theirs.get(URL))
    hospital, _, _ = create_declarant(kind="employer", name="CH Exemple", actor=ACTOR)
    record_action(
        professional=bernard, type_code="MG-FC", end_date=TODAY, source=Source.EMPLOYER,
        channel=Channel.API, actor=ACTOR, today=TODAY, declarant_id=hospital.pk, external_id="E-1",
    )  # fmt: skip
    assert theirs.post(f"{URL}partage/", {"employer": str(hospital.pk)})["Location"] == URL
    assert Plan.objects.get(professional=bernard).employer == hospital
    assert "Votre plan est partagé avec « CH Exemple »." in text(theirs.get(URL))
    theirs.post(f"{URL}partage/", {"unshare": "1"})
    assert Plan.objects.get(professional=bernard).employer is None


def test_the_plan_page_runs_a_fixed_number_of_queries(me: Client, dr_martin: Professional) -> None:
    add(me, "MG-FC|1")
    me.get(URL)  # links settle
    with CaptureQueriesContext(connection) as one:
        assert me.get(URL).status_code == 200
    for value in ["MG-DPC|1", "MG-EPP|2", "MG-COM|3", "MG-SANTE|4"]:
        add(me, value)
    me.get(URL)
    with CaptureQueriesContext(connection) as five:
        assert me.get(URL).status_code == 200
    # Session, user, account, activation, exercise, the engine (référentiels, period, holdings,
    # exemptions, actions), the plan's types, plan, items, matching actions. (The DSFR config is
    # kept by the process: certipro/web/context_processors.py.)
    assert len(five) == len(one) == 16, "\n".join(q["sql"][:100] for q in five.captured_queries)
