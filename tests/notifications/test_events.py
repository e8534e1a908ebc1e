"""Domain §7: which events make a notification, and that each is made once."""

from __future__ import annotations

from datetime import date
from typing import Any

from certipro.actions.declarants import create_declarant
from certipro.actions.models import ActionState, Source
from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.entrypoints.actions import change_action_state
from certipro.entrypoints.exercises import record_interruption
from certipro.entrypoints.referentiels import load_referentiel_files
from certipro.notifications.kinds import Kind, render
from certipro.notifications.models import Notification
from tests.conftest import MG, TODAY
from tests.space.test_actions_space import declare

ACTOR = Actor.command("test")


def kinds(professional: Professional) -> list[str]:
    return sorted(Notification.objects.filter(professional=professional).values_list("kind", flat=True))


def test_the_import_that_creates_an_account_announces_it_once(
    dr_martin: Professional, import_rows: Any
) -> None:
    n = Notification.objects.get(professional=dr_martin)
    assert n.kind == Kind.ACCOUNT_OPENED
    assert n.data == {"profession": "Médecin", "start": "2023-01-01", "end": "2031-12-31"}
    title, text = render(n.kind, n.data)
    assert title == "Votre compte de certification périodique est ouvert"
    assert "exercice de Médecin" in text and "du 1 janvier 2023 au 31 décembre 2031" in text
    # The same file again, and a second profession for the same person: still one announcement.
    import_rows("10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01")
    import_rows(
        "10000000017,Martin,Claire,claire@example.org,10,SM54,75,L,2010-06-01",
        "10000000017,Martin,Claire,claire@example.org,60,,75,L,2024-02-01",
    )
    assert kinds(dr_martin) == [Kind.ACCOUNT_OPENED, Kind.PERIOD_OPENED]
    opened = Notification.objects.get(professional=dr_martin, kind=Kind.PERIOD_OPENED)
    assert opened.data["start"] == "2024-02-01" and opened.data["reason"] == "inscription comme infirmier"


def test_a_claim_by_a_third_party_is_announced_and_its_replay_is_not(dr_martin: Professional) -> None:
    declarant, _, _ = create_declarant(kind="organism", name="ODPC Exemple", actor=ACTOR)
    action = declare(
        dr_martin,
        "MG-COM",
        source=Source.ORGANISM,
        declarant_id=declarant.pk,
        external_id="X-1",
        title="Secret",
    )
    declare(
        dr_martin,
        "MG-COM",
        source=Source.ORGANISM,
        declarant_id=declarant.pk,
        external_id="X-1",
        title="Secret",
    )
    received = Notification.objects.filter(professional=dr_martin, kind=Kind.ACTION_RECEIVED)
    assert [(n.key, n.data) for n in received] == [
        (f"action:{action.pk}", {"action_id": action.pk, "declarant": "ODPC Exemple", "end": "2025-03-11"})
    ]
    title, text = render(Kind.ACTION_RECEIVED, received[0].data)
    assert title == "Nouvelle action déclarée par ODPC Exemple"
    assert "Secret" not in title + text  # never the title of an action (D-40)


def test_my_own_declarations_are_not_announced_to_me(dr_martin: Professional) -> None:
    declare(dr_martin, "MG-SANTE")
    assert kinds(dr_martin) == [Kind.ACCOUNT_OPENED]


def test_an_axis_completed_is_announced_once_even_if_it_drops_and_completes_again(
    dr_martin: Professional,
) -> None:
    declare(dr_martin, "MG-DPC", end=date(2024, 1, 10))
    assert Kind.AXIS_COMPLETED not in kinds(dr_martin)
    second = declare(dr_martin, "MG-FC", end=date(2024, 5, 10))
    completed = Notification.objects.get(professional=dr_martin, kind=Kind.AXIS_COMPLETED)
    assert completed.data == {
        "axis": 1,
        "axis_label": "Actualiser ses connaissances et ses compétences",
        "start": "2023-01-01",
        "end": "2031-12-31",
    }
    change_action_state(second, to=ActionState.WITHDRAWN, actor=ACTOR, reason="test", today=TODAY)
    declare(dr_martin, "MG-FC", end=date(2024, 6, 10))
    assert kinds(dr_martin).count(Kind.AXIS_COMPLETED) == 1


def test_an_early_end_and_the_next_period_are_announced(dr_martin: Professional) -> None:
    # D-15: an interruption longer than the threshold ends the period; resumption opens the next.
    record_interruption(
        rpps="10000000017",
        start=date(2023, 3, 1),
        end=date(2026, 6, 30),
        profession=None,
        actor=ACTOR,
        today=TODAY,
    )
    ended = Notification.objects.get(professional=dr_martin, kind=Kind.PERIOD_ENDED)
    opened = Notification.objects.get(professional=dr_martin, kind=Kind.PERIOD_OPENED)
    assert ended.data["start"] == "2023-01-01"
    assert opened.data["start"] == "2026-07-01"
    assert "reprise" in opened.data["reason"]


def test_a_new_version_of_my_referentiel_is_announced_to_its_users_only(
    dr_martin: Professional, import_rows: Any, write_file: Any
) -> None:
    import_rows("10000000033,Durand,Léa,,60,,75,S,2012-01-01")  # a nurse: T-IDE, not T-MG
    nurse = Professional.objects.get(rpps="10000000033")
    newer = MG.replace('version: "2025-01"', 'version: "2026-06"').replace("2025-01-15", "2026-06-01")
    load_referentiel_files([write_file("mg2.yaml", newer)], today=TODAY, actor=ACTOR)
    updated = Notification.objects.get(professional=dr_martin, kind=Kind.REFERENTIEL_UPDATED)
    assert updated.data == {"title": "Médecine générale (test)", "version": "2026-06", "code": "T-MG"}
    assert Kind.REFERENTIEL_UPDATED not in kinds(nurse)


def test_a_draft_is_not_announced(dr_martin: Professional, write_file: Any) -> None:
    draft = MG.replace('version: "2025-01"', 'version: "2027-01"').replace("published_on: 2025-01-15\n", "")
    load_referentiel_files([write_file("draft.yaml", draft)], today=TODAY, actor=ACTOR)
    assert Kind.REFERENTIEL_UPDATED not in kinds(dr_martin)


def test_the_national_recompute_announces_the_axes_it_completes(dr_martin: Professional) -> None:
    # COPY and an upsert on PostgreSQL, bulk_create on SQLite: the same notices either way.
    from certipro.certification.bulk import recompute_all
    from certipro.certification.models import StatusSnapshot

    declare(dr_martin, "MG-COM", end=date(2024, 1, 10))
    # As if the snapshot were stale: axis 3 stored incomplete, then the nightly recompute runs.
    declare(dr_martin, "MG-COM", end=date(2024, 2, 10), refresh=False)
    assert StatusSnapshot.objects.get(professional=dr_martin).counted_3 == 1
    recompute_all(today=TODAY)
    completed = Notification.objects.get(professional=dr_martin, kind=Kind.AXIS_COMPLETED)
    assert completed.key.endswith(":3") and completed.data["axis"] == 3
    assert completed.data["start"] == "2023-01-01"
    recompute_all(today=TODAY)
    assert kinds(dr_martin).count(Kind.AXIS_COMPLETED) == 1
