"""D-34: claims that look impossible or massive are flagged for review by the order.

Two checks, both cheap per batch:
- impossible hours: a professional's actions add up to more than 24 hours on one day (an
  action's hours are spread evenly over its days);
- mass claims: one declarant has declared at least `CERTIPRO_MASS_CLAIM_THRESHOLD` actions ending
  on the same day (the 2019 incident: 17,000 doctors enrolled for one weekend).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q

from certipro.accounts.audit import Actor, record
from certipro.actions.models import COUNTING_STATES, Action, ClaimFlag, FlagKind

HOURS_A_DAY = Decimal(24)
MAX_SPREAD_DAYS = 366  # an action over more than a year cannot exceed 24 h a day in practice


def flag_claims(actions: Sequence[Action], *, declarant_id: int | None, actor: Actor) -> list[ClaimFlag]:
    flags = _impossible_hours(actions) + _mass_claims(actions, declarant_id)
    created = []
    for flag in flags:
        flag.declarant_id = flag.declarant_id or declarant_id
        exists = ClaimFlag.objects.filter(
            kind=flag.kind,
            **(
                {"action": flag.action}
                if flag.kind == FlagKind.IMPOSSIBLE_HOURS
                else {"declarant_id": flag.declarant_id, "on_date": flag.on_date}
            ),
        ).exists()
        if not exists:
            flag.save()
            created.append(flag)
            record(
                actor=actor,
                verb=f"flag.{flag.kind}",
                professional_id=flag.professional_id,
                obj=flag,
                data={"detail": flag.detail},
            )
    return created


def _days(start: date | None, end: date) -> list[date]:
    first = start or end
    span = min((end - first).days + 1, MAX_SPREAD_DAYS)
    return [first + timedelta(days=n) for n in range(max(span, 1))]


def _impossible_hours(actions: Sequence[Action]) -> list[ClaimFlag]:
    with_hours = [a for a in actions if a.hours is not None]
    if not with_hours:
        return []
    # Only the days the new actions cover matter: the load of the professional's other actions is
    # added on those days alone, read as plain tuples (a batch names a thousand people with years
    # of history each).
    watched = {(a.professional_id, d) for a in with_hours for d in _days(a.start_date, a.end_date)}
    earliest = min(a.start_date or a.end_date for a in with_hours)
    latest = max(a.end_date for a in with_hours)
    others = (
        Action.objects.filter(
            professional_id__in={a.professional_id for a in with_hours},
            state__in=COUNTING_STATES,
            hours__isnull=False,
            end_date__gte=earliest,
        )
        .filter(Q(start_date__lte=latest) | Q(start_date__isnull=True, end_date__lte=latest))
        .values_list("professional_id", "start_date", "end_date", "hours")
    )
    load: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for professional_id, start, end, hours in others:
        days = _days(start, end)
        share = Decimal(hours or 0) / len(days)
        for day in days:
            if (professional_id, day) in watched:
                load[(professional_id, day)] += share
    flags = []
    for action in with_hours:
        worst = max((load[(action.professional_id, d)], d) for d in _days(action.start_date, action.end_date))
        if worst[0] > HOURS_A_DAY:
            flags.append(
                ClaimFlag(
                    kind=FlagKind.IMPOSSIBLE_HOURS,
                    professional_id=action.professional_id,
                    action=action,
                    on_date=worst[1],
                    detail=f"{worst[0]:.1f} h d'actions déclarées le {worst[1]:%d/%m/%Y}",
                )
            )
    return flags


def _mass_claims(actions: Sequence[Action], declarant_id: int | None) -> list[ClaimFlag]:
    if declarant_id is None:
        return []
    threshold: int = settings.CERTIPRO_MASS_CLAIM_THRESHOLD
    dates = {a.end_date for a in actions}
    counts = (
        Action.objects.filter(declarant_id=declarant_id, end_date__in=dates)
        .values("end_date")
        .annotate(n=Count("id"))
        .filter(n__gte=threshold)
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
