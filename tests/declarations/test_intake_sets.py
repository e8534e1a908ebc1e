"""A batch of the declaration API and a form's claim take the one path (certipro/entrypoints/claims.py,
`record_claims`; `record_action` is a batch of one of it): the same rows for new declarations,
merges (D-33) and corrections (D-32), D-34 flags, and a fixed number of queries per batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, ActionState, ActionTransition, Channel, ClaimFlag, Source
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import current_catalogue
from certipro.certification.models import StatusSnapshot
from certipro.declarations.intake import judge_batch
from certipro.directory.models import Professional
from certipro.entrypoints import claims
from certipro.entrypoints.actions import Outcome, change_action_state, record_action
from certipro.notifications.kinds import Kind
from certipro.notifications.models import Notification
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
def test_d32_a_form_claim_and_an_api_batch_write_the_same_rows(dr_martin: Professional) -> None:
    """The action, its transition and its audit entry, field for field (COPY on PostgreSQL), for
    awkward text, as a batch of the API and as a batch of one (`record_action`)."""
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
def test_d33_a_form_claim_merges_as_an_api_batch_does(dr_martin: Professional) -> None:
    """Each declaration overlapping a self-declared action of the same type is merged into it:
    the action, its transitions, its audit entries and its notice, field for field, are the same
    for a batch of the API and for a batch of one (`record_action`) merging into a twin."""
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
    if they came one after the other."""
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
def test_d32_a_concurrent_request_recording_the_same_external_id_makes_the_batch_judge_it_again(
    forty: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request commits one of our external_ids between our look and our insert: the
    insert fails (the unique index waited for it), the writes roll back to their savepoint and
    the claims are judged again: that one is a replay now."""
    declarant = create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0]
    items = [declaration(external_id=f"C-{n}", rpps=rpps) for n, rpps in enumerate(forty[:3])]
    _judge(declarant, items[1:2])  # the other request, committed by the time our insert runs
    looked, calls = claims._Run._sent, []

    def missed(run: Any, judged: Any) -> Any:
        calls.append(True)
        return {} if len(calls) == 1 else looked(run, judged)  # our first look came before it

    monkeypatch.setattr(claims._Run, "_sent", missed)
    body = _judge(declarant, items)
    assert [r["status"] for r in body["results"]] == ["accepted", "duplicate", "accepted"]
    assert len(calls) == 2
    assert Action.objects.filter(declarant=declarant).count() == 3
    assert ActionTransition.objects.filter(action__declarant=declarant).count() == 3


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


def statements(captured: CaptureQueriesContext) -> int:
    """The queries captured; on SQLite, the INSERTs that `bulk_create` splits in a row because
    SQLite binds at most 999 parameters per statement count as one."""
    count, last = 0, ""
    for query in captured.captured_queries:
        sql = query["sql"]
        head = sql.split(" (", 1)[0] if sql.startswith("INSERT") and connection.vendor == "sqlite" else sql
        if head != last or not head.startswith("INSERT"):
            count += 1
        last = head
    return count


@pytest.fixture
def two_hundred(referentiels: None, import_rows: Callable[..., Any]) -> list[str]:
    rows = [f"300000{n:05d},Nom{n},Prénom,,10,SM54,75,L,2010-06-01" for n in range(202)]
    import_rows(*rows)
    return [row.split(",")[0] for row in rows]


@pytest.mark.django_db
def test_d32_d33_d34_the_queries_of_a_batch_of_200_are_those_of_a_batch_of_2(two_hundred: list[str]) -> None:
    """No query per claim, whatever the mix: new declarations, merges into self-declared actions
    (D-33), corrections and replays of earlier declarations (D-32), a withdrawn one sent again,
    impossible hours flagged (D-34), a rejected one; the snapshots of every account refreshed."""
    declarant = create_declarant(kind="organism", name="ODPC", actor=Actor.command("test"))[0]
    small, large = two_hundred[:2], two_hundred[2:]
    professionals = dict(Professional.objects.values_list("rpps", "pk"))
    for rpps in two_hundred:  # each person self-declared an action the batch attests
        claims.record_claims(
            [
                claims.Claim(
                    professional_id=professionals[rpps], type_code="MG-DPC", end_date=date(2025, 3, 11)
                )
            ],
            source=Source.PROFESSIONAL,
            channel=Channel.WEB,
            actor=Actor.command("professional"),
            today=TODAY,
        )

    def items(people: list[str]) -> list[dict[str, Any]]:
        return [
            item
            for rpps in people
            for item in (
                declaration(external_id=f"M-{rpps}", rpps=rpps, hours=None),  # D-33
                declaration(
                    external_id=f"U-{rpps}", rpps=rpps, action_type="MG-FC", hours=None
                ),  # D-32 correction
                declaration(
                    external_id=f"D-{rpps}", rpps=rpps, action_type="MG-EPP", hours=None
                ),  # D-32 replay
                declaration(
                    external_id=f"W-{rpps}", rpps=rpps, action_type="MG-COM", hours=None
                ),  # sent again
                declaration(
                    external_id=f"H-{rpps}",
                    rpps=rpps,
                    action_type="MG-ETP",
                    start_date="2025-04-01",
                    end_date="2025-04-01",
                    hours=25,
                ),  # D-34
                declaration(
                    external_id=f"N-{rpps}",
                    rpps=rpps,
                    action_type="MG-RMM",
                    start_date=None,
                    end_date="2025-05-01",
                ),
                declaration(external_id=f"R-{rpps}", rpps=rpps, end_date="2099-01-01"),  # future_date
            )
        ]

    for people in (small, large):
        before = [i for i in items(people) if i["external_id"][0] in "UDW"]
        for item in before:
            if item["external_id"].startswith("U-"):
                item.update(end_date="2025-02-01", start_date="2025-02-01")
        _judge(declarant, before)
        for action in Action.objects.filter(external_id__in=[f"W-{rpps}" for rpps in people]):
            change_action_state(action, to=ActionState.WITHDRAWN, actor=SENDER, reason="", today=TODAY)

    def queries(people: list[str]) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            body = _judge(declarant, items(people))
        return statements(captured), sorted({r["status"] for r in body["results"]})

    current_catalogue()  # the process builds it once (certification/catalogue.py): not a batch's cost
    assert queries(small) == queries(large)
    assert queries(large)[1] == ["duplicate", "rejected"]  # sent again: nothing left to write
    person = Professional.objects.get(rpps=large[0])
    assert Action.objects.get(external_id=f"M-{large[0]}").source == Source.ORGANISM
    assert Action.objects.filter(professional=person).count() == 6  # merged: no seventh
    assert Action.objects.get(external_id=f"U-{large[0]}").end_date == date(2025, 3, 11)
    assert Action.objects.get(external_id=f"W-{large[0]}").state == ActionState.ATTESTED
    assert ClaimFlag.objects.filter(kind="impossible_hours").count() == len(two_hundred)
    assert StatusSnapshot.objects.get(professional=person).counted_1 == 2  # MG-DPC, MG-FC
