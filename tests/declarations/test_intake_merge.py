"""D-33 merges and D-32 replays of a batch, through the one entry point (certipro/entrypoints/claims.py):
a fixed number of queries whatever the batch, the decisions taken as if one declaration came after
the other, and an action changed since the batch read it not merged into. The rows: test_intake_sets.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.actions.declarants import create_declarant
from certipro.actions.models import (
    Action,
    ActionState,
    ActionTransition,
    Channel,
    ClaimFlag,
    Declarant,
    Source,
)
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry
from certipro.certification.catalogue import current_catalogue
from certipro.directory.models import Professional
from certipro.entrypoints import claims
from certipro.entrypoints.actions import change_action_state, record_action
from certipro.entrypoints.claims import Candidate, pick
from certipro.notifications.models import Notification
from tests.conftest import TODAY
from tests.declarations.conftest import declaration
from tests.declarations.test_intake_sets import SENDER, forty  # noqa: F401 - `forty` is a fixture

PROFESSIONAL = Actor.command("professional")


def _declarant(name: str = "ODPC") -> Declarant:
    return create_declarant(kind="organism", name=name, actor=Actor.command("test"))[0]


def _judge(declarant: Declarant, items: list[dict[str, Any]]) -> dict[str, Any]:
    from certipro.declarations.intake import judge_batch

    return judge_batch(
        items, declarant=declarant, actor=SENDER, today=TODAY, channel=Channel.API
    ).as_response()


def _own(rpps: str, *, end: date = date(2025, 3, 11), hours: Decimal | None = None) -> Action:
    """An action the professional self-declared (D-30)."""
    return record_action(
        professional=Professional.objects.get(rpps=rpps),
        type_code="MG-DPC",
        end_date=end,
        hours=hours,
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=PROFESSIONAL,
        today=TODAY,
    ).action


def _counted(rows: Any) -> int:
    return int(rows.count())


def test_d33_each_self_declared_action_is_merged_once_in_request_order_the_earliest_ending_first() -> None:
    """As if the declarations came one after the other: the first merge takes the action out of
    the next declarations' candidates."""
    early, late = Candidate(date(2025, 3, 1), 7, "10"), Candidate(date(2025, 3, 9), 3, "10")
    assert pick([(0, [late, early]), (1, [early]), (2, [early, late]), (3, [late])]) == {
        0: early,
        2: late,
    }


@pytest.mark.django_db
def test_d33_the_queries_of_a_batch_do_not_grow_with_its_merges(forty: list[str]) -> None:  # noqa: F811
    """No query per merge: 3 merges cost what 30 do."""
    declarant = _declarant()
    for rpps in forty:
        _own(rpps)

    def queries(people: list[str]) -> int:
        items = [declaration(external_id=f"M-{rpps}", rpps=rpps) for rpps in people]
        with CaptureQueriesContext(connection) as captured:
            body = _judge(declarant, items)
        assert [r["status"] for r in body["results"]] == ["accepted"] * len(people)
        return len(captured)

    current_catalogue()  # the process builds it once (certification/catalogue.py): not a batch's cost
    assert queries(forty[:3]) == queries(forty[3:33])
    merged = Action.objects.filter(declarant=declarant)
    assert merged.count() == 33 == Action.objects.filter(state=ActionState.ATTESTED).count()
    assert Action.objects.count() == 40  # no new action: each declaration became its self-declared one
    assert ActionTransition.objects.filter(reason="merged", from_state="declared").count() == 33
    assert AuditEntry.objects.filter(verb="action.merged", actor_label=SENDER.label).count() == 33
    assert Notification.objects.filter(kind="action_received").count() == 33


@pytest.mark.django_db
def test_d32_a_replay_of_the_same_declarations_writes_nothing(
    forty: list[str],  # noqa: F811
) -> None:
    declarant = _declarant()
    items = [declaration(external_id=f"R-{rpps}", rpps=rpps) for rpps in forty[:30]]
    first = _judge(declarant, items)
    written = [_counted(m.objects.all()) for m in (Action, ActionTransition, AuditEntry, Notification)]

    def replay(part: list[dict[str, Any]]) -> int:
        with CaptureQueriesContext(connection) as captured:
            body = _judge(declarant, part)
        assert body["duplicates"] == len(part)
        return len(captured)

    assert replay(items[:3]) == replay(items)
    again = _judge(declarant, items)
    assert [r["action_id"] for r in again["results"]] == [r["action_id"] for r in first["results"]]
    assert [
        _counted(m.objects.all()) for m in (Action, ActionTransition, AuditEntry, Notification)
    ] == written


@pytest.mark.django_db
def test_d32_a_withdrawn_declaration_sent_again_is_not_a_duplicate(forty: list[str]) -> None:  # noqa: F811
    """Sending it again restores it (a correction)."""
    declarant = _declarant()
    item = declaration(external_id="W-1", rpps=forty[0])
    action = Action.objects.get(pk=int(_judge(declarant, [item])["results"][0]["action_id"]))
    change_action_state(action, to=ActionState.WITHDRAWN, actor=SENDER, reason="retrait", today=TODAY)
    assert _judge(declarant, [item])["results"][0]["status"] == "updated"
    assert Action.objects.get(pk=action.pk).state == ActionState.ATTESTED


@pytest.mark.django_db
@pytest.mark.parametrize("meanwhile", ["another body merges it", "the professional withdraws it"])
def test_d33_an_action_changed_since_the_read_is_not_merged_into(
    forty: list[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    meanwhile: str,
) -> None:
    """The read around the batch takes no lock: the merge checks the action again as it rewrites
    it, and a declaration whose action is no longer a self-declared one finds nothing else to
    merge with: a new action."""
    ours, other = _declarant("ODPC"), _declarant("Autre")
    own = _own(forty[0])
    looked, done = claims._around, []

    def around(spans: Any) -> Any:
        found = looked(spans)
        if done:  # the other request's own look
            return found
        done.append(True)
        if meanwhile == "another body merges it":
            _judge(other, [declaration(external_id="THEIRS", rpps=forty[0])])
        else:
            change_action_state(own, to=ActionState.WITHDRAWN, actor=PROFESSIONAL, reason="", today=TODAY)
        return found

    monkeypatch.setattr(claims, "_around", around)
    body = _judge(ours, [declaration(external_id="OURS", rpps=forty[0])])
    assert body["accepted"] == 1
    mine = Action.objects.get(declarant=ours)
    assert body["results"][0]["action_id"] == str(mine.pk) != str(own.pk)
    assert (mine.external_id, mine.state) == ("OURS", ActionState.ATTESTED)
    assert ActionTransition.objects.filter(action=mine).values_list("reason", flat=True).get() == "accepted"
    merges = AuditEntry.objects.filter(verb="action.merged")
    assert merges.count() == (1 if meanwhile == "another body merges it" else 0)  # theirs, not ours


@pytest.mark.django_db
def test_d34_a_merged_action_adds_its_new_hours_to_the_day_not_its_former_ones(
    forty: list[str],  # noqa: F811
) -> None:
    """Self-declared 20 h on a day, attested for 14 h: the day holds 14 h, not 34 h."""
    _own(forty[0], hours=Decimal(20))
    sent = declaration(
        external_id="H-1", rpps=forty[0], start_date="2025-03-11", end_date="2025-03-11", hours=14
    )
    assert _judge(_declarant(), [sent])["accepted"] == 1
    assert Action.objects.get().hours == Decimal(14)
    assert not ClaimFlag.objects.exists()


@pytest.mark.django_db
def test_d33_merges_corrections_replays_and_new_declarations_in_one_batch(forty: list[str]) -> None:  # noqa: F811
    """Each judged on its own, whatever else the batch holds."""
    declarant = _declarant()
    _judge(
        declarant,
        [
            declaration(external_id="SAME", rpps=forty[1]),
            declaration(external_id="FIX", rpps=forty[2], end_date="2025-04-02", start_date="2025-04-01"),
        ],
    )
    own = _own(forty[0])
    body = _judge(
        declarant,
        [
            declaration(
                external_id="FIX", rpps=forty[2], end_date="2025-04-02", start_date="2025-04-01", hours=3
            ),
            declaration(external_id="MERGE", rpps=forty[0]),
            declaration(external_id="SAME", rpps=forty[1]),
            declaration(external_id="NEW", rpps=forty[3]),
            declaration(external_id="ALSO", rpps=forty[0]),  # its self-declared action merged above
        ],
    )
    assert [r["status"] for r in body["results"]] == [
        "updated",
        "accepted",
        "duplicate",
        "accepted",
        "accepted",
    ]
    assert body["results"][1]["action_id"] == str(own.pk)
    assert Action.objects.get(pk=own.pk).external_id == "MERGE"
    assert Action.objects.get(external_id="FIX").hours == Decimal(3)
    assert Action.objects.filter(declarant=declarant).count() == 5
