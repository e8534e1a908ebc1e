"""The events of the domain that tell the professional something (domain §7), as notices.

Each function is called by the entry point of its event, inside its transaction, and goes
through `services.notify`; the key of each notice says what makes it happen only once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from certipro.certification.models import Period, StatusSnapshot
from certipro.notifications.kinds import Kind
from certipro.notifications.services import Notice, notify
from certipro.referentiels.specs import AXES, AXIS_LABELS

# (counted, required) per axis and the exempt mask: what "complete" is judged on.
AxesState = tuple[tuple[int, ...], tuple[int, ...], int]


def accounts_opened(opened: Iterable[tuple[int, str, Period]]) -> int:
    """(professional id, profession label, current period) of accounts the directory import created."""
    return notify(
        Notice(
            professional_id,
            Kind.ACCOUNT_OPENED,
            "opened",
            {"profession": label, "start": period.start.isoformat(), "end": period.end.isoformat()},
        )
        for professional_id, label, period in opened
    )


def actions_received(received: Iterable[tuple[int, int, str, str]]) -> int:
    """(professional id, action id, declarant's name, end date) of claims a third party made."""
    return notify(
        Notice(
            professional_id,
            Kind.ACTION_RECEIVED,
            f"action:{action_id}",
            {"action_id": action_id, "declarant": declarant, "end": end},
        )
        for professional_id, action_id, declarant, end in received
    )


def snapshot_states(period_ids: Sequence[int]) -> dict[int, AxesState]:
    """The stored state of these periods' snapshots, read before they are rewritten."""
    fields = [*(f"counted_{a}" for a in AXES), *(f"required_{a}" for a in AXES), "exempt_axes"]
    return {
        row[0]: (row[1:5], row[5:9], row[9])
        for row in StatusSnapshot.objects.filter(period_id__in=period_ids).values_list("period_id", *fields)
    }


def complete_axes(state: AxesState) -> set[int]:
    counted, required, exempt = state
    return {
        a
        for a, c, r in zip(AXES, counted, required, strict=True)
        if r > 0 and c >= r and not exempt & (1 << (a - 1))
    }


def axes_completed(before: Mapping[int, AxesState], after: Iterable[StatusSnapshot]) -> int:
    """Notices for the axes a refresh completed. A period seen for the first time has no "before":
    its axes were complete before this platform knew it, and nothing is announced."""
    notices: list[Notice] = []
    for s in after:
        old = before.get(s.period_id)
        if old is None:
            continue
        state: AxesState = (
            tuple(getattr(s, f"counted_{a}") for a in AXES),
            tuple(getattr(s, f"required_{a}") for a in AXES),
            s.exempt_axes,
        )
        for axis in sorted(complete_axes(state) - complete_axes(old)):
            notices.append(_axis_notice(s.professional_id, s.period_id, axis, s.period))
    return notify(notices)


def _axis_notice(professional_id: int, period_id: int, axis: int, period: Period | None) -> Notice:
    data: dict[str, Any] = {"axis": axis, "axis_label": AXIS_LABELS[axis]}
    if period is not None:
        data.update(start=period.start.isoformat(), end=period.end.isoformat())
    return Notice(professional_id, Kind.AXIS_COMPLETED, f"axis:{period_id}:{axis}", data)


def period_opened(period: Period, reason: str) -> int:
    data = {"start": period.start.isoformat(), "end": period.end.isoformat(), "reason": reason}
    return notify([Notice(period.professional_id, Kind.PERIOD_OPENED, f"period:{period.pk}", data)])


def period_ended(period: Period, reason: str) -> int:
    data = {"start": period.start.isoformat(), "end": period.end.isoformat(), "reason": reason}
    return notify([Notice(period.professional_id, Kind.PERIOD_ENDED, f"period-end:{period.pk}", data)])


def referentiel_updated(referentiel_id: int, code: str, title: str, version: str) -> int:
    """Everyone whose current status rests on this référentiel (any version) is told of the new one."""
    # Snapshots list the référentiels in force as "CODE@version" labels, comma-separated.
    rows = StatusSnapshot.objects.filter(referentiels__contains=code).values_list(
        "professional_id", "referentiels"
    )
    people = {pid for pid, labels in rows.iterator(chunk_size=5000) if _uses(labels, code)}
    data = {"title": title, "version": version, "code": code}
    return notify(
        Notice(pid, Kind.REFERENTIEL_UPDATED, f"referentiel:{referentiel_id}", data) for pid in people
    )


def _uses(labels: str, code: str) -> bool:
    return any(label.split("@", 1)[0] == code for label in labels.split(","))
