"""D-33 across two professions (D-13): a declaration merged into an action the professional
self-declared for their OTHER profession (certipro/declarations/intake.py, `_Run._former_exercise`).

A person may hold two professions, each an exercise with its own account (D-13). When one action
type is listed by both professions' référentiels, `ClaimChecker.check_row` gives a declaration,
which names no profession, to the first of the person's exercises (by id) whose référentiels list
the type on its end date (D-14, D-22). The professional's own action may count for the other one:

- they declared it on the page of their other profession (the web form always names one);
- they declared it before the first profession's référentiel listed the type (a new version);
- their other exercise's référentiel on the action's end date did not list it, and does on the
  declaration's end date (a change of specialty, D-14).

The merge (D-33) then moves the action to the declaration's profession: the exercise it counted
for loses it, and both snapshots must be refreshed. `record_action` is the reference for the rows
(tests/declarations/test_intake_sets.py), `status.recompute` for the snapshots
(tests/certification/test_bulk.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, Declarant, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import current_catalogue
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import recompute
from certipro.declarations.intake import judge_batch
from certipro.directory.models import Exercise, Professional
from certipro.entrypoints.actions import Outcome, Recorded, record_action
from certipro.notifications.kinds import Kind
from certipro.notifications.models import Notification
from tests.certification.test_bulk import FIELDS
from tests.conftest import TODAY
from tests.declarations.conftest import declaration
from tests.declarations.test_intake_sets import ACTION_FIELDS, AUDIT_FIELDS, SENDER, TRANSITION_FIELDS

PROFESSIONAL = Actor.command("professional")
SHARED = "MG-DPC"  # in T-MG (profession 10) and, from its 2026 version, in T-IDE (profession 60)
# The nurse référentiel's new version: the four types of T-IDE@2025-01 and the GP's DPC programme.
IDE_2026 = """
format: referentiel/1
code: T-IDE
version: "2026-01"
title: Infirmier (test), avec un programme de DPC commun aux médecins
profession: "60"
published_on: 2026-01-01
multi_axis: count_in_each
action_types:
  - {code: IDE-FC, title: Formation, axes: [1, 2]}
  - {code: IDE-COM, title: Relation, axes: [3]}
  - {code: IDE-SANTE, title: Santé, axes: [4]}
  - {code: MG-DPC, title: Programme de DPC pluriprofessionnel, axes: [1]}
"""
NURSE = "{rpps},Roux,Paul,,60,,33,S,2015-01-01"
GP = "{rpps},Roux,Paul,,10,SM54,33,S,2023-06-01"
CARDIOLOGIST = "{rpps},Roux,Paul,,10,SM04,33,S,2010-06-01"  # T-CARDIO: no MG-DPC
SPECIALTY_CHANGE = date(2025, 6, 1)  # the cardiologist turns GP (SM54: T-MG), D-14
COUNTED_1 = FIELDS.index("counted_1")


@dataclass(frozen=True)
class Way:
    """How a person's own action came to count for one profession, and a declaration that
    overlaps it for the other."""

    rows: tuple[str, ...]  # the directory rows, in import order (the checker tries exercises by id)
    shared_first: bool  # IDE_2026 published before the professional declares, or after
    own: tuple[date, date]  # the self-declared action's start and end
    before: str  # the profession it counts for then
    after: str  # the profession the declaration counts for
    chosen: str | None = None  # the profession whose page the professional declared it on
    changed: tuple[str, ...] = ()  # rows imported again, effective SPECIALTY_CHANGE
    sent: dict[str, str] = field(default_factory=dict)  # the declaration's dates


WAYS = {
    "declared on the GP page": Way(
        rows=(NURSE, GP),
        shared_first=True,
        chosen="10",
        own=(date(2025, 3, 10), date(2025, 3, 11)),
        before="10",
        after="60",
    ),
    "declared before the nurse référentiel listed the type": Way(
        rows=(NURSE, GP),
        shared_first=False,
        own=(date(2025, 3, 10), date(2025, 3, 11)),
        before="10",
        after="60",
    ),
    "declared before a change of specialty (D-14)": Way(
        rows=(CARDIOLOGIST, NURSE),
        changed=(GP.replace("2023-06-01", "2010-06-01"), NURSE),
        shared_first=True,
        own=(date(2025, 5, 26), date(2025, 5, 30)),  # a cardiologist then: the nurse's account
        sent={"start_date": "2025-05-29", "end_date": "2025-06-03"},  # a GP by then: the GP's
        before="60",
        after="10",
    ),
}


@pytest.fixture(params=list(WAYS), ids=list(WAYS))
def way(request: pytest.FixtureRequest) -> Way:
    return WAYS[request.param]


@pytest.fixture
def publish_shared(referentiels: None, write_file: Callable[[str, str], Path]) -> Callable[[], None]:
    from certipro.entrypoints.referentiels import load_referentiel_files

    def publish() -> None:
        load_referentiel_files(
            [write_file("ide-2026.yaml", IDE_2026)], today=TODAY, actor=Actor.command("test")
        )

    return publish


@pytest.fixture
def arrange(
    way: Way, publish_shared: Callable[[], None], import_rows: Callable[..., Any]
) -> Callable[[list[str]], dict[str, Action]]:
    """Builds `way` for each of these RPPS through the real entry points; their own actions."""

    def build(people: list[str]) -> dict[str, Action]:
        import_rows(*(row.format(rpps=rpps) for rpps in people for row in way.rows))
        if way.changed:
            rows = (row.format(rpps=rpps) for rpps in people for row in way.changed)
            import_rows(*rows, effective_date=SPECIALTY_CHANGE)
        if way.shared_first:
            publish_shared()
        own = {rpps: _self_declared(rpps, way) for rpps in people}
        if not way.shared_first:
            publish_shared()
        for action in own.values():  # the scenario holds: the action counts for `before`
            assert Action.objects.get(pk=action.pk).profession_id == way.before
        return own

    return build


def _self_declared(rpps: str, way: Way) -> Action:
    return record_action(
        professional=Professional.objects.get(rpps=rpps),
        profession=way.chosen,
        type_code=SHARED,
        start_date=way.own[0],
        end_date=way.own[1],
        title="Déclarée par le professionnel",
        hours=Decimal(3),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=PROFESSIONAL,
        today=TODAY,
    ).action


def _declarant(name: str) -> Declarant:
    return create_declarant(kind="organism", name=name, actor=Actor.command("test"))[0]


def _item(way: Way, rpps: str) -> dict[str, Any]:
    return declaration(external_id=f"SESSION-2025/{rpps}", rpps=rpps, action_type=SHARED, **way.sent)


def _judge(declarant: Declarant, items: list[dict[str, Any]]) -> dict[str, Any]:
    return judge_batch(
        items, declarant=declarant, actor=SENDER, today=TODAY, channel=Channel.API
    ).as_response()


def _through_record_action(professional: Professional, item: dict[str, Any], declarant_id: int) -> Recorded:
    """`record_action` given what the API was given (the reference path)."""
    return record_action(
        professional=professional,
        type_code=item["action_type"],
        end_date=date.fromisoformat(item["end_date"]),
        start_date=date.fromisoformat(item["start_date"]),
        title=item["title"],
        hours=Decimal(str(item["hours"])).quantize(Decimal("0.01")),
        source=Source.ORGANISM,
        channel=Channel.API,
        actor=SENDER,
        today=TODAY,
        declarant_id=declarant_id,
        external_id=item["external_id"],
    )


def _snapshots(professional_id: int) -> dict[str, tuple[Any, ...]]:
    """The person's StatusSnapshot rows (FIELDS, as test_bulk compares them), by profession."""
    rows = StatusSnapshot.objects.filter(professional_id=professional_id).values_list(
        "period__exercise__profession_id", *FIELDS
    )
    return {row[0]: row[1:] for row in rows}


def _recomputed(professional_id: int) -> dict[str, tuple[Any, ...]]:
    """What the reference path (`status.recompute`) computes for the person's exercises now."""
    StatusSnapshot.objects.filter(professional_id=professional_id).delete()
    exercises = Exercise.objects.filter(professional_id=professional_id).select_related("professional")
    recompute(exercises.order_by("pk"), today=TODAY)
    return _snapshots(professional_id)


def _without_ids(snapshots: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    assert FIELDS[:2] == ["period_id", "professional_id"]
    return {profession: row[2:] for profession, row in snapshots.items()}


def _written(action_id: int) -> tuple[Any, ...]:
    """The action, its transitions, its audit entries and its notice, without whose they are
    (the reference is another professional) nor their declarant (another one too)."""
    fields = [f for f in ACTION_FIELDS if f != "professional_id"]
    row = Action.objects.filter(pk=action_id).values_list(*fields).get()
    transitions = ActionTransition.objects.filter(action_id=action_id).order_by("pk")
    audit = AuditEntry.objects.filter(object_type="action", object_id=str(action_id)).order_by("pk")
    notice = Notification.objects.get(kind=Kind.ACTION_RECEIVED, key=f"action:{action_id}")
    return (
        row,
        [t[1:] for t in transitions.values_list(*TRANSITION_FIELDS)],
        [
            tuple(v for f, v in zip(AUDIT_FIELDS, a, strict=True) if f != "professional_id")
            for a in audit.values_list(*AUDIT_FIELDS)
        ],
        ({k: v for k, v in notice.data.items() if k != "action_id"}, notice.data["action_id"] == action_id),
    )


@pytest.mark.django_db
def test_d33_d13_a_declaration_merges_into_the_action_self_declared_for_the_other_profession(
    way: Way, arrange: Callable[[list[str]], dict[str, Action]]
) -> None:
    """One action, now attested by the declarant for the declaration's profession; the exercise
    it counted for loses it, and both snapshots are what `status.recompute` computes."""
    rpps = "10000000041"
    own = arrange([rpps])[rpps]
    person = own.professional_id
    before = _snapshots(person)
    assert set(before) == {"10", "60"}
    ours = _declarant("ODPC Exemple")
    item = _item(way, rpps)
    body = _judge(ours, [item])
    assert body["results"] == [
        {"external_id": item["external_id"], "status": "accepted", "action_id": str(own.pk)}
    ]
    assert Action.objects.filter(professional_id=person).count() == 1  # merged, no duplicate
    merged = Action.objects.get(pk=own.pk)
    assert (
        merged.profession_id,
        merged.declarant_id,
        merged.external_id,
        merged.state,
        merged.source,
        merged.channel,
        (merged.start_date, merged.end_date),
        merged.title,
    ) == (
        way.after,
        ours.pk,
        item["external_id"],
        ActionState.ATTESTED,
        Source.ORGANISM,
        Channel.API,
        (date.fromisoformat(item["start_date"]), date.fromisoformat(item["end_date"])),
        item["title"],
    )
    after = _snapshots(person)
    # The exercise it counted for lost it, the declaration's gained it (axis 1: MG-DPC's only).
    assert after[way.before][COUNTED_1] == before[way.before][COUNTED_1] - 1
    assert after[way.after][COUNTED_1] == before[way.after][COUNTED_1] + 1
    assert after == _recomputed(person)


@pytest.mark.django_db
def test_d33_d13_the_cross_profession_merge_writes_what_record_action_writes(
    way: Way, arrange: Callable[[list[str]], dict[str, Action]]
) -> None:
    """The same merge for a twin through `record_action`: the same action row, transitions,
    audit entries, notice and snapshots, field by field."""
    mine, twin = "10000000041", "10000000058"
    own = arrange([mine, twin])
    ours, theirs = _declarant("ODPC Exemple"), _declarant("ODPC Exemple")
    body = _judge(ours, [_item(way, mine)])
    assert body["results"][0]["action_id"] == str(own[mine].pk)
    twin_professional = Professional.objects.get(rpps=twin)
    reference = _through_record_action(twin_professional, _item(way, twin), theirs.pk)
    assert (reference.outcome, reference.action.pk) == (Outcome.MERGED, own[twin].pk)
    assert reference.action.profession_id == way.after
    assert {e.profession_id for e in reference.exercises} == {"10", "60"}  # both accounts refreshed
    written = _written(own[mine].pk)
    assert written == _written(own[twin].pk)
    assert [t[-1] for t in written[1]] == ["accepted", "merged"]
    assert [a[AUDIT_FIELDS.index("verb") - 1] for a in written[2]] == ["action.accepted", "action.merged"]
    assert Action.objects.get(pk=own[mine].pk).declarant_id == ours.pk
    assert Action.objects.get(pk=own[twin].pk).declarant_id == theirs.pk
    snapshots = _snapshots(own[mine].professional_id)
    assert _without_ids(snapshots) == _without_ids(_snapshots(twin_professional.pk))
    assert snapshots == _recomputed(own[mine].professional_id)


def _savepoints(captured: CaptureQueriesContext) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].startswith("SAVEPOINT"))


@pytest.mark.django_db
def test_d33_d13_cross_profession_merges_are_set_based(
    way: Way, arrange: Callable[[list[str]], dict[str, Action]]
) -> None:
    """They go through the set-based merge, not one by one through `record_action`: one merge
    costs the queries and savepoints three do."""
    people = [f"2000000{n:04d}" for n in range(4)]
    own = arrange(people)
    declarant = _declarant("ODPC Exemple")

    def cost(batch: list[str]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            body = _judge(declarant, [_item(way, rpps) for rpps in batch])
        assert [r["action_id"] for r in body["results"]] == [str(own[rpps].pk) for rpps in batch]
        return len(captured), _savepoints(captured)

    current_catalogue()  # the process builds it once (certification/catalogue.py): not a batch's cost
    assert cost(people[:1]) == cost(people[1:])
    assert set(Action.objects.values_list("profession_id", flat=True)) == {way.after}
    assert Action.objects.count() == len(people)
