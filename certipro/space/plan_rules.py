"""The pure rules of the personal plan: what it forecasts, which action fulfils which item.

They take plain data and dates and return plain data (no ORM, no clock): the owner's page
(`plan.build_plan`) and the employer's summaries (`plan_sharing.summarize_plans`) feed them what
they read, so both show the same forecast.

Messages meant for the professional are translated when raised (`gettext`, French msgids):
`target_error` and the `PlanRefused` raised with it or by `plan_sharing.share_plan`; the journal
keeps only codes, dates and numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext


@dataclass(frozen=True)
class AxisCount:
    axis: int
    required: int  # 0 when exempt (D-24)
    counted: int


@dataclass(frozen=True)
class Intent:
    """A planned item as the rules see it."""

    key: int
    type_code: str
    axis: int
    target_date: date
    planned_on: date
    done_action: int | None = None


@dataclass(frozen=True)
class Done:
    """A counting action that may fulfil an intent."""

    pk: int
    type_code: str
    end_date: date


@dataclass(frozen=True)
class AxisForecast:
    axis: int
    required: int
    done: int
    planned: int  # pending items whose target date is on or before the end
    missing: int


@dataclass(frozen=True)
class Forecast:
    axes: tuple[AxisForecast, ...]
    fills_every_axis: bool
    late: frozenset[int]  # pending items planned after the end of the period: they will not count
    overdue: frozenset[int]  # pending items whose target date has passed


def forecast(*, axes: Sequence[AxisCount], items: Sequence[Intent], end: date, today: date) -> Forecast:
    """For each axis, done + pending planned by `end` against required.

    A done item is already in `counted` (the engine's count), so only pending items add. An
    overdue item still counts as planned: its action may be done and its declaration on its way.
    """
    pending = [i for i in items if i.done_action is None]
    late = frozenset(i.key for i in pending if i.target_date > end)
    overdue = frozenset(i.key for i in pending if i.target_date < today and i.key not in late)
    rows = []
    for a in axes:
        planned = sum(1 for i in pending if i.axis == a.axis and i.key not in late)
        missing = max(0, a.required - a.counted - planned)
        rows.append(AxisForecast(a.axis, a.required, a.counted, planned, missing))
    return Forecast(tuple(rows), all(r.missing == 0 for r in rows), late, overdue)


def match_done(items: Sequence[Intent], actions: Sequence[Done]) -> dict[int, int | None]:
    """The action that fulfils each item: same type, ended on or after the day it was planned.

    One action fulfils one item at most. A link still valid is kept, so that an item never hops
    from one action to another; the others take the earliest free action, earliest target first.
    """
    by_pk = {a.pk: a for a in actions}
    ordered = sorted(actions, key=lambda a: (a.end_date, a.pk))
    used: set[int] = set()
    result: dict[int, int | None] = {}

    def fits(item: Intent, action: Done) -> bool:
        return action.type_code == item.type_code and action.end_date >= item.planned_on

    for item in items:
        kept = by_pk.get(item.done_action) if item.done_action is not None else None
        if kept is not None and kept.pk not in used and fits(item, kept):
            result[item.key] = kept.pk
            used.add(kept.pk)
    for item in sorted(items, key=lambda i: (i.target_date, i.key)):
        if item.key in result:
            continue
        found = next((a for a in ordered if a.pk not in used and fits(item, a)), None)
        result[item.key] = found.pk if found else None
        if found:
            used.add(found.pk)
    return result


def target_error(target: date, *, today: date, end: date) -> str | None:
    """Why a target date is refused at creation, in the active language; None when it is fine."""
    if target < today:
        return gettext("La date prévue ne peut pas être dans le passé.")
    if target > end:
        return gettext(
            "La date prévue doit tomber au plus tard le %(end)s, fin de votre période de certification."
        ) % {"end": date_format(end, "j F Y")}
    return None


class PlanRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message
