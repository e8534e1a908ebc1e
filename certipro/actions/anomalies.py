"""D-34: claims that look impossible or massive are flagged for review by the order.

Two checks, both cheap per batch:
- impossible hours: a professional's actions add up to more than 24 hours on one day (an
  action's hours are spread evenly over its days);
- mass claims: one declarant has declared at least `CERTIPRO_MASS_CLAIM_THRESHOLD` actions ending
  on the same day (the 2019 incident: 17,000 doctors enrolled for one weekend).

Set-based, because the declaration API records a thousand claims at once: a fixed number of
queries per batch, whatever its size and however many flags it raises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count

from certipro.actions.checks import among
from certipro.actions.models import COUNTING_STATES, Action, ClaimFlag, FlagKind
from certipro.audit.journal import Actor, record_many

HOURS_A_DAY = Decimal(24)
MAX_SPREAD_DAYS = 366  # an action over more than a year cannot exceed 24 h a day in practice


class Claimed(NamedTuple):
    """A claim just recorded, as the checks need it (plain values, not a model instance)."""

    action_id: int
    professional_id: int
    start_date: date | None
    end_date: date
    hours: Decimal | None
    counts: bool = True  # in a counting state (D-31): its hours add to the day's load


def claimed(action: Action) -> Claimed:
    return Claimed(
        action.pk,
        action.professional_id,
        action.start_date,
        action.end_date,
        action.hours,
        action.state in COUNTING_STATES,
    )


class Hours(NamedTuple):
    """An action in a counting state, with hours, as it stood before the claims were recorded."""

    action_id: int
    professional_id: int
    start_date: date | None
    end_date: date
    hours: Decimal


def flag_claims(
    claims: Sequence[Claimed], *, before: Sequence[Hours], declarant_id: int | None, actor: Actor
) -> list[ClaimFlag]:
    """Flags what `claims` make impossible or massive, once (one hours flag per action, one mass
    flag per declarant and day), each with its audit entry; returns the flags created.

    `before`: the counting actions with hours that share a day with a claim, read before the
    claims were written (the caller reads them with what else it needs: `entrypoints.claims._around`)."""
    flags = _impossible_hours(claims, before) + _mass_claims(claims, declarant_id)
    if not flags:
        return []
    for flag in flags:
        flag.declarant_id = flag.declarant_id or declarant_id
    for attempt in (1, 2):
        fresh = _not_yet_flagged(flags)
        try:
            with transaction.atomic():
                created = ClaimFlag.objects.bulk_create(fresh)
            break
        except IntegrityError:
            # A concurrent request of the same declarant flagged the same day meanwhile: its flag
            # is committed now (the unique index waited for it), so the second look skips it.
            if attempt == 2:
                raise
            for flag in fresh:
                flag.pk = None
    record_many(
        (
            {
                "verb": f"flag.{flag.kind}",
                "professional_id": flag.professional_id,
                "obj": flag,
                "data": {"detail": flag.detail},
            }
            for flag in created
        ),
        actor=actor,
    )
    return created


def _not_yet_flagged(flags: list[ClaimFlag]) -> list[ClaimFlag]:
    hours = [f.action_id for f in flags if f.kind == FlagKind.IMPOSSIBLE_HOURS and f.action_id is not None]
    mass = [f for f in flags if f.kind == FlagKind.MASS_CLAIM]
    done_actions: set[int | None] = set()
    done_days: set[tuple[int | None, date]] = set()
    if hours:
        done_actions = set(
            ClaimFlag.objects.filter(kind=FlagKind.IMPOSSIBLE_HOURS, action_id__in=hours).values_list(
                "action_id", flat=True
            )
        )
    if mass:
        done_days = set(
            ClaimFlag.objects.filter(
                kind=FlagKind.MASS_CLAIM,
                declarant_id__in={f.declarant_id for f in mass},
                on_date__in={f.on_date for f in mass},
            ).values_list("declarant_id", "on_date")
        )

    def pending(f: ClaimFlag) -> bool:
        if f.kind == FlagKind.IMPOSSIBLE_HOURS:
            return f.action_id not in done_actions
        return (f.declarant_id, f.on_date) not in done_days

    return [f for f in flags if pending(f)]


def _days(start: date | None, end: date) -> list[date]:
    first = start or end
    span = min((end - first).days + 1, MAX_SPREAD_DAYS)
    return [first + timedelta(days=n) for n in range(max(span, 1))]


def _impossible_hours(claims: Sequence[Claimed], before: Sequence[Hours]) -> list[ClaimFlag]:
    with_hours = [c for c in claims if c.hours is not None]
    if not with_hours:
        return []
    # Only the days the claims cover matter: the professional's other actions are spread on those
    # days alone. They are the counting actions as they stood before the batch (but those it
    # rewrote: a merge, a correction) and the batch's own claims that count.
    watched = {(c.professional_id, d) for c in with_hours for d in _days(c.start_date, c.end_date)}
    rewritten = {c.action_id for c in claims}
    others = [h for h in before if h.action_id not in rewritten]
    others += [
        Hours(c.action_id, c.professional_id, c.start_date, c.end_date, c.hours)
        for c in with_hours
        if c.counts and c.hours is not None
    ]
    load: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for _, professional_id, start, end, hours in others:
        days = _days(start, end)
        share = hours / len(days)
        for day in days:
            if (professional_id, day) in watched:
                load[(professional_id, day)] += share
    flags = []
    for c in with_hours:
        worst = max((load[(c.professional_id, d)], d) for d in _days(c.start_date, c.end_date))
        if worst[0] > HOURS_A_DAY:
            flags.append(
                ClaimFlag(
                    kind=FlagKind.IMPOSSIBLE_HOURS,
                    professional_id=c.professional_id,
                    action_id=c.action_id,
                    on_date=worst[1],
                    detail=f"{worst[0]:.1f} h d'actions déclarées le {worst[1]:%d/%m/%Y}",
                )
            )
    return flags


def _mass_claims(claims: Sequence[Claimed], declarant_id: int | None) -> list[ClaimFlag]:
    if declarant_id is None or not claims:
        return []
    threshold: int = settings.CERTIPRO_MASS_CLAIM_THRESHOLD
    dates = {c.end_date for c in claims}
    # One scan of the declarant's actions, bounded by the batch's first and last days as well:
    # on the (declarant, end_date) index that is a range; and if the planner takes another index
    # led by the declarant (it may, for a declarant its statistics do not know yet), it reads the
    # declarant's actions once, never once per day (a correlated count per day did: 14 s a batch).
    # COUNT(*), not COUNT(id): the index holds (declarant, end_date) only, so counting rows lets the
    # count read the index alone; counting ids read the table (the largest generated training body,
    # 547,000 actions, a batch of 700 days: 563 ms → 42 ms, docs/benchmarks.md).
    counts = (
        Action.objects.filter(declarant_id=declarant_id, end_date__gte=min(dates), end_date__lte=max(dates))
        .filter(among("end_date", dates, "date"))
        .values("end_date")
        .annotate(n=Count("*"))
        .filter(n__gte=threshold)
        .order_by("end_date")
    )
    return [
        ClaimFlag(
            kind=FlagKind.MASS_CLAIM,
            declarant_id=declarant_id,
            on_date=row["end_date"],
            detail=f"{row['n']} actions déclarées pour le {row['end_date']:%d/%m/%Y}",
        )
        for row in counts
    ]
