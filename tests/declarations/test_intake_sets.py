"""The intake is the set-based form of `record_action` (certipro/declarations/intake.py): the same
rows, the same snapshots, a fixed number of queries per batch, for new declarations and for merges
(D-33) alike, and the entry point whenever a declaration corrects an earlier one (D-32)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, ActionTransition, Channel, ClaimFlag, Source
from certipro.actions.services import Outcome, record_action
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.bulk import refresh_exercises
from certipro.certification.catalogue import current_catalogue, load_catalogue
from certipro.certification.models import StatusSnapshot
from certipro.certification.status import refresh_status
from certipro.declarations import intake_sql
from certipro.declarations.intake import judge_batch
from certipro.directory.models import Exercise, Professional
from certipro.notifications.kinds import Kind
from certipro.notifications.models import Notification
from tests.certification.conftest import population  # noqa: F401 - `population` is a fixture
from tests.certification.test_bulk import FIELDS
from tests.conftest import TODAY
from tests.declarations.conftest import declaration

SENDER = Actor(label="ODPC Exemple (token:1)", role="organism")
ACTION_FIELDS = [
    "professional_id",
    "profession_id",
    "type_code",
    "title",
    "start_date",
    "end_date",
    "hours",
    "axis",
    "state",
    "source",
    "channel",
    "declared_by_id",
]
TRANSITION_FIELDS = ["professional_id", "from_state", "to_state", "actor_label", "reason"]
AUDIT_FIELDS = ["actor_id", "actor_label", "role", "professional_id", "verb", "object_type", "reason", "data"]
# What COPY must escape, and what an external_id may hold (contracts/declarations.md: 1–128 chars).
AWKWARD = [
    ("tab\tin/the id", "Titre\tavec tabulation"),
    ("line\nbreak", "Sur deux\nlignes"),
    ('back\\slash,"quoted"', "C:\\chemin\\{accolades}"),
    ("{braces},commas", "Crème brûlée à l'hôpital"),
]


def _judge(declarant: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    result = judge_batch(items, declarant=declarant, actor=SENDER, today=TODAY, channel=Channel.API)
    return result.as_response()


def _written(action: Action) -> tuple[Any, ...]:
    transitions = list(ActionTransition.objects.filter(action=action).values_list(*TRANSITION_FIELDS))
    audit = list(
        AuditEntry.objects.filter(object_type="action", object_id=str(action.pk)).values_list(*AUDIT_FIELDS)
    )
    row = Action.objects.filter(pk=action.pk).values_list(*ACTION_FIELDS).get()
    return row, transitions, audit


@pytest.mark.django_db
def test_a_batch_writes_the_rows_record_action_writes(dr_martin: Professional) -> None:
    """The action, its transition and its audit entry, field for field (COPY on PostgreSQL)."""
    ours, theirs = (
        create_declarant(kind="organism", name=name, actor=Actor.command("test"))[0] for name in ("A", "B")
    )
    items = [
        declaration(external_id=external_id, title=title, action_type=code, hours=hours, axis=axis, **dates)
        for (external_id, title), code, hours, axis, dates in zip(
            AWKWARD,
            ["MG-DPC", "MG-RMM", "MG-ETP", "MG-COM"],
            [14, "7.5", None, "0.25"],
            [None, 2, 3, None],
            [{}, {"start_date": None}, {"start_date": "2025-03-11"}, {"start_date": "2024-12-30"}],
            strict=True,
        )
    ]
    body = _judge(ours, items)
    assert body["accepted"] == len(items), body
    for item, result in zip(items, body["results"], strict=True):
        mine = Action.objects.get(pk=int(result["action_id"]))
        assert (mine.declarant_id, mine.external_id, mine.title) == (
            ours.pk,
            item["external_id"],
            item["title"],
        )
        reference = record_action(
            professional=dr_martin,
            type_code=item["action_type"],
            end_date=date.fromisoformat(item["end_date"]),
            start_date=date.fromisoformat(item["start_date"]) if item.get("start_date") else None,
            title=item["title"],
            hours=Decimal(str(item["hours"])).quantize(Decimal("0.01")) if "hours" in item else None,
            axis=item.get("axis"),
            source=Source.ORGANISM,
            channel=Channel.API,
            actor=SENDER,
            today=TODAY,
            declarant_id=theirs.pk,
            external_id=item["external_id"],
        ).action
        assert _written(mine) == _written(reference)
        assert len(_written(mine)[1]) == len(_written(mine)[2]) == 1


def _reference(professional: Professional, item: dict[str, Any], declarant_id: int) -> Any:
    """`record_action` given what the API was given."""
    return record_action(
        professional=professional,
        type_code=item["action_type"],
        end_date=date.fromisoformat(item["end_date"]),
        start_date=date.fromisoformat(item["start_date"]) if item.get("start_date") else None,
        title=item.get("title", ""),
        hours=Decimal(str(item["hours"])).quantize(Decimal("0.01")) if "hours" in item else None,
        axis=item.get("axis"),
        source=Source.ORGANISM,
        channel=Channel.API,
        actor=SENDER,
        today=TODAY,
        declarant_id=declarant_id,
        external_id=item["external_id"],
    )


def _self_declared(professional: Professional, type_code: str, start: date | None, end: date) -> Action:
    return record_action(
        professional=professional,
        type_code=type_code,
        start_date=start,
        end_date=end,
        title="Déclarée par le professionnel",
        hours=Decimal(3),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=Actor.command("professional"),
        today=TODAY,
    ).action


def _notice(action: Action) -> tuple[Any, ...]:
    notice = Notification.objects.get(kind=Kind.ACTION_RECEIVED, key=f"action:{action.pk}")
    data = {k: v for k, v in notice.data.items() if k != "action_id"}
    return notice.professional_id, data, notice.data["action_id"] == action.pk, notice.email_state


@pytest.mark.django_db
def test_d33_a_batch_merges_writing_the_rows_record_action_writes(dr_martin: Professional) -> None:
    """Each declaration overlapping a self-declared action of the same type is merged into it by
    the set-based path: the action, its transitions, its audit entries and its notice, field for
    field, are those `record_action` leaves when it merges the same declaration into a twin."""
    ours, theirs = (
        create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0] for _ in "AB"
    )
    shapes = [  # (type, self-declared start and end, what the declaration says)
        ("MG-DPC", None, date(2025, 3, 11), {}),
        ("MG-RMM", date(2025, 3, 1), date(2025, 3, 3), {"start_date": None, "end_date": "2025-03-02"}),
        ("MG-ETP", None, date(2025, 3, 12), {"start_date": "2025-03-11", "end_date": "2025-03-14"}),
        (
            "MG-COM",
            date(2024, 12, 29),
            date(2024, 12, 30),
            {"start_date": "2024-12-30", "end_date": "2025-01-02"},
        ),
    ]
    items, twins = [], []
    for (external_id, title), (code, start, end, dates), hours, axis in zip(
        AWKWARD, shapes, [14, "7.5", None, "0.25"], [None, 2, 3, None], strict=True
    ):
        # Two identical self-declared actions: the batch merges into the first, record_action
        # (for another declarant) into the second, which is all it finds left.
        twins.append(
            (_self_declared(dr_martin, code, start, end), _self_declared(dr_martin, code, start, end))
        )
        items.append(
            declaration(
                external_id=external_id, title=title, action_type=code, hours=hours, axis=axis, **dates
            )
        )
    body = _judge(ours, items)
    assert [r["status"] for r in body["results"]] == ["accepted"] * len(items), body
    for item, result, (first, second) in zip(items, body["results"], twins, strict=True):
        assert result["action_id"] == str(first.pk)
        mine = Action.objects.get(pk=first.pk)
        assert (mine.declarant_id, mine.external_id, mine.state) == (ours.pk, item["external_id"], "attested")
        reference = _reference(dr_martin, item, theirs.pk)
        assert (reference.outcome, reference.action.pk) == (Outcome.MERGED, second.pk)
        assert _written(mine) == _written(reference.action)
        assert [t[-1] for t in _written(mine)[1]] == ["accepted", "merged"]
        assert _notice(mine) == _notice(reference.action)
        assert (
            Action.objects.filter(pk=first.pk).values_list("declared_at", flat=True).get()
            == first.declared_at
        )


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1)])
def test_snapshots_refreshed_for_a_batch_equal_refresh_status(population: None, today: date) -> None:  # noqa: F811
    """`refresh_exercises` (pre-aggregated on PostgreSQL) writes what the reference path writes,
    for every subset: one exercise of a person holding two, a specialty change, an exemption."""
    catalogue = load_catalogue()
    exercises = list(Exercise.objects.select_related("professional").order_by("pk"))
    subsets = [[e] for e in exercises] + [exercises[::2], exercises]
    for subset in subsets:
        StatusSnapshot.objects.all().delete()
        refresh_status(exercises=subset, today=today, catalogue=catalogue)
        expected = set(StatusSnapshot.objects.values_list(*FIELDS))
        StatusSnapshot.objects.all().delete()
        assert refresh_exercises({e.pk for e in subset}, today=today, catalogue=catalogue) == len(expected)
        assert set(StatusSnapshot.objects.values_list(*FIELDS)) == expected


@pytest.fixture
def forty(referentiels: None, import_rows: Callable[..., Any]) -> list[str]:
    rows = [f"100000{n:05d},Nom{n},Prénom,,10,SM54,75,L,2010-06-01" for n in range(40)]
    import_rows(*rows)
    return [row.split(",")[0] for row in rows]


@pytest.mark.django_db
def test_the_queries_of_a_batch_do_not_grow_with_it(forty: list[str]) -> None:
    """No per-declaration query on the common path (new declarations, one rejected)."""
    declarant = create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0]

    def queries(people: list[str]) -> int:
        # The same for each person in both batches, so that the same notices follow (domain §7).
        items = [declaration(external_id=f"Q-{rpps}", rpps=rpps) for rpps in people]
        items.append(declaration(external_id=f"Q-bad-{len(people)}", rpps="99999999999"))
        with CaptureQueriesContext(connection) as captured:
            body = _judge(declarant, items)
        assert (body["accepted"], body["rejected"]) == (len(people), 1)
        return len(captured)

    current_catalogue()  # the process builds it once (certification/catalogue.py): not a batch's cost
    assert queries(forty[:3]) == queries(forty[3:33])


@pytest.mark.django_db
def test_d33_two_declarations_overlapping_one_self_declared_action(api: Any, dr_martin: Professional) -> None:
    """The first merges into it; the second finds nothing left to merge and is a new action, as
    record_action called for each in turn decides."""
    own = record_action(
        professional=dr_martin,
        type_code="MG-DPC",
        end_date=date(2025, 3, 11),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=Actor.command("test"),
        today=TODAY,
    ).action
    body = api.post(
        {
            "declarations": [
                declaration(external_id="FIRST"),
                declaration(external_id="ELSEWHERE", start_date="2025-05-01", end_date="2025-05-02"),
                declaration(external_id="SECOND", start_date="2025-03-11"),
            ]
        }
    ).json()
    assert [r["status"] for r in body["results"]] == ["accepted"] * 3
    assert body["results"][0]["action_id"] == str(own.pk)
    assert len({r["action_id"] for r in body["results"]}) == 3
    assert Action.objects.get(pk=own.pk).external_id == "FIRST"
    assert StatusSnapshot.objects.get().counted_1 == 3


@pytest.mark.django_db
def test_a_concurrent_request_recording_the_same_external_id_falls_back_to_the_entry_point(
    forty: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request commits one of our external_ids between our look and our insert: the
    insert fails whole (a savepoint), and each declaration then goes through record_action."""
    declarant = create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0]
    items = [declaration(external_id=f"C-{n}", rpps=rpps) for n, rpps in enumerate(forty[:3])]
    looked, done = intake_sql.around, []

    def meanwhile(spans: Any) -> intake_sql.Around:
        found = looked(spans)
        if not done:
            done.append(True)
            _judge(declarant, items[1:2])  # as the other request would have
        return found

    monkeypatch.setattr("certipro.declarations.intake.around", meanwhile)
    body = _judge(declarant, items)
    assert [r["status"] for r in body["results"]] == ["accepted", "duplicate", "accepted"]
    assert Action.objects.filter(declarant=declarant).count() == 3


@pytest.mark.django_db
def test_d34_flags_of_a_batch_are_raised_once_each_with_their_audit_entry(forty: list[str]) -> None:
    declarant = create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0]
    items = [
        declaration(external_id=f"H-{n}", rpps=rpps, start_date="2025-03-11", end_date="2025-03-11", hours=25)
        for n, rpps in enumerate(forty[:4])
    ]
    items.append(declaration(external_id="OK", rpps=forty[5], hours=3))
    _judge(declarant, items)
    flags = ClaimFlag.objects.filter(kind="impossible_hours")
    assert sorted(flags.values_list("action__external_id", flat=True)) == ["H-0", "H-1", "H-2", "H-3"]
    assert AuditEntry.objects.filter(verb="flag.impossible_hours").count() == 4
    assert set(flags.values_list("declarant_id", flat=True)) == {declarant.pk}
    corrected = [dict(item, title="Corrigé") for item in items]
    body = _judge(declarant, corrected)  # corrections of the same actions: no second flag
    assert body["updated"] == 5
    assert flags.count() == 4
    assert AuditEntry.objects.filter(verb="flag.impossible_hours").count() == 4


@pytest.mark.django_db
def test_d34_a_correction_replaces_its_former_hours_in_the_day_s_load(
    api: Any, dr_martin: Professional
) -> None:
    """The load is read before the batch: the corrected action counts with its new hours only."""
    record_action(
        professional=dr_martin,
        type_code="MG-FC",
        start_date=date(2025, 3, 11),
        end_date=date(2025, 3, 11),
        hours=Decimal(8),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=Actor.command("test"),
        today=TODAY,
    )
    sent = declaration(start_date="2025-03-11", end_date="2025-03-11", hours=14)
    assert api.post({"declarations": [sent]}).json()["accepted"] == 1
    corrected = api.post({"declarations": [dict(sent, hours=15)]}).json()
    assert corrected["updated"] == 1
    assert not ClaimFlag.objects.exists()  # 8 + 15 h, not 8 + 14 + 15 h
    again = api.post({"declarations": [dict(sent, hours=17)]}).json()
    assert again["updated"] == 1
    assert ClaimFlag.objects.get().on_date == date(2025, 3, 11)  # 8 + 17 h
