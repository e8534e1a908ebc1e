"""The national status recompute, fast: the same snapshots as `status.recompute`, for everyone.

`status.refresh_status` (the refresh in every write transaction, which `status.recompute` runs in
batches) reads each batch's facts with `IN (...)` lists and hands every action to the engine one
by one: right for a form, a batch of declarations or a publication, slow for 30 million actions.
This is the second and last path, for the nightly national job. Here:

- every table is streamed once, ordered by professional (server-side cursors), and merged;
- SQL pre-aggregates the counting actions per (professional, profession, type, chosen axis), with
  their count and date range. Exact when all of an exercise's actions lie inside its period and
  in one segment of its référentiel timeline (their dates then cannot change how they count,
  D-14, D-22); any other exercise goes through `status.refresh_status`;
- the rules stay the engine's: the axes of an action are `rules.action_axes`; the counts per axis
  are `assign_mask_counts` (D-23, the same exact assignment `evaluate` runs, over counts per set of axes);
  requirements, statuses, progress and référentiels are `evaluate` itself, run on single-axis
  stand-ins of the counts capped at what is required (all it depends on); the pace is `pace`.
  Each is computed once per distinct input, not once per professional;
- snapshots go by COPY into a temporary table, then one INSERT … ON CONFLICT DO UPDATE on
  PostgreSQL; `bulk_create(update_conflicts=True)` elsewhere.

tests/certification/test_bulk.py checks every snapshot field against `status.recompute`.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import django
from django.db import connection, transaction

from certipro.certification.bulk_io import (
    ACTIONS,
    ACTIONS_GROUP,
    ACTIONS_WHERE,
    COUNTED,
    EXEMPTIONS,
    EXEMPTIONS_ORDER,
    EXERCISES,
    EXERCISES_ORDER,
    HOLDINGS,
    HOLDINGS_ORDER,
    PERIODS,
    PERIODS_ORDER,
    Keyed,
    copy_text,
    copy_to_temp,
    create_snapshots,
    day,
    holding_fact,
    json_text,
    period_facts,
    stream,
    upsert_from_temp,
)
from certipro.certification.catalogue import Catalogue, load_catalogue
from certipro.certification.evaluation import period_as_of, rules_config
from certipro.certification.models import Exemption
from certipro.certification.rules import (
    AXES,
    ActionFact,
    Evaluation,
    RulesConfig,
    Segment,
    action_axes,
    assign_mask_counts,
    assignment_timeline,
    codes_on,
    evaluate,
    pace,
)
from certipro.certification.rules import Holding as HoldingFact
from certipro.certification.status import refresh_status
from certipro.directory.models import Professional

FLUSH = 50_000  # snapshots per write


def recompute_all(
    *, today: date, profession: str | None = None, catalogue: Catalogue | None = None, workers: int = 1
) -> int:
    """Recomputes the snapshot of every exercise (of `profession`) whose period holds on `today`.

    Returns the number of snapshots written, as `status.recompute` does. The snapshots are written
    in one transaction. With `workers` > 1 on PostgreSQL, that many processes compute ranges of
    professionals, all reading the facts as of one snapshot exported by this transaction.
    """
    with transaction.atomic():
        if workers > 1 and connection.vendor == "postgresql":
            return _parallel(today, profession, workers)
        return _Recompute(today, profession, catalogue or load_catalogue(), rules_config()).run()


def _parallel(today: date, profession: str | None, workers: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {Professional._meta.db_table}")
        low, high = cursor.fetchone()
    if low is None:
        return 0
    step = (high - low) // workers + 1
    ranges = [(low + i * step, low + (i + 1) * step) for i in range(workers)]
    # spawn, not fork: a forked child would share this process's connection (and transaction).
    # Django is set up before this module is imported there (it imports models).
    with multiprocessing.get_context("spawn").Pool(workers, initializer=django.setup) as pool:
        parts = pool.starmap(
            _worker, [(connection.settings_dict["NAME"], snapshot, today, profession, r) for r in ranges]
        )
    run = _Recompute(today, profession, load_catalogue(), rules_config())
    for text, count, fallback in parts:
        if count:
            copy_to_temp(text, first=run.written == 0)
            run.written += count
        run.fallback.extend(fallback)
    run.finish()
    return run.written + run.reference_path()


def _worker(
    database: str, snapshot: str, today: date, profession: str | None, professionals: tuple[int, int]
) -> tuple[str, int, list[int]]:
    """One range of professionals, read as of the parent's snapshot; returns COPY text."""
    connection.settings_dict["NAME"] = database  # the parent's (the test database under pytest)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
        run = _Recompute(today, profession, load_catalogue(), rules_config(), professionals=professionals)
        run.collect = []
        run.run()
        return "".join(run.collect), run.written, run.fallback


class _Recompute:
    def __init__(
        self,
        today: date,
        profession: str | None,
        catalogue: Catalogue,
        config: RulesConfig,
        professionals: tuple[int, int] | None = None,
    ) -> None:
        self.today, self.profession, self.config = today, profession, config
        self.professionals = professionals  # [low, high) of ids, for a worker
        self.collect: list[str] | None = None  # a worker's COPY text, instead of writing
        self.catalogue = catalogue
        self.current = catalogue.current(today)
        self.rules_by_code = catalogue.rules_by_code(today)
        self.sqlite = connection.vendor == "sqlite"
        self.contexts: dict[tuple[Any, ...], _Context] = {}
        self.counts: dict[tuple[Any, ...], tuple[tuple[int, ...], tuple[Any, ...]]] = {}
        self.shapes: dict[tuple[frozenset[str], frozenset[int]], _Shape] = {}
        # By (codes in force, type, chosen axis), all a mask depends on: many contexts share them.
        self.masks: dict[tuple[frozenset[str], str, int | None], int] = {}
        self.tails: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.paces: dict[tuple[date, date, int, int], str] = {}
        self.fallback: list[int] = []
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def run(self) -> int:
        exercises, periods, holdings, exemptions, actions = self._streams()
        for professional_id, rows in groupby(exercises, key=itemgetter(0)):
            # A person may hold two professions: each stream is taken once per person.
            own_periods, own_holdings = periods.take(professional_id), holdings.take(professional_id)
            own_exemptions, own_actions = exemptions.take(professional_id), actions.take(professional_id)
            mine_of = (own_periods, own_holdings, own_exemptions)
            held = list(rows)
            for _, exercise_id, profession_id in held:
                mine = mine_of
                # Two professions: split the person's rows by exercise (a subset may hold one of them).
                if len(held) > 1:
                    p, h, x = ([r for r in part if r[1] == exercise_id] for part in mine_of)
                    mine = (p, h, x)
                self.exercise(
                    professional_id,
                    exercise_id,
                    profession_id,
                    *mine,
                    [r for r in own_actions if r[1] == profession_id],
                )
            if len(self.rows) >= FLUSH:
                self.flush()
        self.flush()
        if self.collect is not None:
            return self.written
        self.finish()
        return self.written + self.reference_path()

    def _streams(self) -> tuple[Any, Keyed, Keyed, Keyed, Keyed]:
        """Every table, streamed in professional order (server-side cursors): the nation."""
        if not self.sqlite:
            with connection.cursor() as cursor:
                # A hash aggregate would read all 30 M actions before the first row comes out; the
                # sorted plan (index order, incremental sort) streams, so Python works meanwhile.
                cursor.execute("SET LOCAL enable_hashagg = off")
        where, params = "WHERE 1 = 1", []
        if self.professionals:
            where, params = "WHERE professional_id >= %s AND professional_id < %s", list(self.professionals)
        exercises = stream(
            f"{EXERCISES} {where} "
            + ("AND profession_id = %s " if self.profession else "")
            + EXERCISES_ORDER,
            params + ([self.profession] if self.profession else []),
        )
        return (
            exercises,
            Keyed(f"{PERIODS} {where} {PERIODS_ORDER}", params),
            Keyed(f"{HOLDINGS} {where} {HOLDINGS_ORDER}", params),
            # The usual case has no exemption at all: one stream less to merge.
            Keyed(f"{EXEMPTIONS} {where} {EXEMPTIONS_ORDER}", params, skip=not Exemption.objects.exists()),
            Keyed(f"{ACTIONS} {where} {ACTIONS_WHERE} {ACTIONS_GROUP}", [*params, *COUNTED, self.today]),
        )

    def exercise(
        self,
        professional_id: int,
        exercise_id: int,
        profession_id: str,
        period_rows: list[tuple[Any, ...]],
        holding_rows: list[tuple[Any, ...]],
        exemption_rows: list[tuple[Any, ...]],
        groups: list[tuple[Any, ...]],
    ) -> None:
        # Most exercises share their facts but for ids (same period dates, same specialties):
        # what follows from them is computed once per distinct set of facts.
        key = (
            profession_id,
            tuple(r[3:] for r in period_rows),
            tuple((r[2], r[3], json_text(r[4]), r[5]) for r in holding_rows),
            tuple(r[2:] for r in exemption_rows),
        )
        context = self.contexts.get(key)
        if context is None:
            context = self.contexts[key] = self.context(
                profession_id, period_rows, holding_rows, exemption_rows
            )
        if context.period is None:  # no period yet on that date: no snapshot, as in evaluate_exercises
            return
        per_mask: dict[int, int] = {}
        if groups:
            if self.sqlite:
                groups = [(*g[:5], day(g[5]), day(g[6])) for g in groups]
            lo, hi = min(g[5] for g in groups), max(g[6] for g in groups)
            if lo < context.start or hi > context.reference or not context.uniform(lo, hi):
                self.fallback.append(exercise_id)  # dates matter here: the reference path decides
                return
            masks, codes = self.masks, context.codes
            for g in groups:
                mask = masks.get((codes, g[2], g[3]))
                if mask is None:
                    mask = masks[(codes, g[2], g[3])] = self.mask(codes, g[2], g[3])
                if mask:  # a type no assigned référentiel lists does not count
                    per_mask[mask] = per_mask.get(mask, 0) + g[4]
        counts_key = (context.shape_key, frozenset(per_mask.items()))
        counted_tail = self.counts.get(counts_key)
        if counted_tail is None:
            counted_tail = self.counts[counts_key] = self.counted(context, per_mask)
        counted, (required, exempt_mask, progress, status, referentiels, slots_done, slots_required) = (
            counted_tail
        )
        pace_key = (context.start, context.end, slots_done, slots_required)
        state = self.paces.get(pace_key)
        if state is None:
            state = self.paces[pace_key] = pace(
                start=context.start,
                end=context.end,
                as_of=self.today,
                slots_done=slots_done,
                slots_required=slots_required,
                config=self.config,
            ).state
        self.rows.append(  # in the order of _COLUMNS
            (
                period_rows[context.period][2],
                professional_id,
                *required,
                *counted,
                exempt_mask,
                progress,
                status,
                state,
                referentiels,
            )
        )

    def context(
        self,
        profession_id: str,
        period_rows: list[tuple[Any, ...]],
        holding_rows: list[tuple[Any, ...]],
        exemption_rows: list[tuple[Any, ...]],
    ) -> _Context:
        # Plain rows, not model instances: period_as_of reads only these attributes. The row's
        # index stands for its primary key, so that the context can be shared.
        view = period_as_of(
            [period_facts(r, pk=i) for i, r in enumerate(period_rows)],
            self.today,
        )
        if view is None:
            return _Context(None, date.min, date.min, date.min, (), frozenset(), (frozenset(), frozenset()))
        timeline = self.timeline(profession_id, tuple(holding_fact(r) for r in holding_rows))
        reference = min(self.today, view.end)
        exempt = frozenset(  # as evaluate_exercises decides it
            r[2]
            for r in exemption_rows
            if day(r[3]) <= reference and (r[4] is None or reference <= day(r[4]))
        )
        codes = codes_on(timeline, reference)
        return _Context(view.period.pk, view.start, view.end, reference, timeline, codes, (codes, exempt))

    def timeline(self, profession_id: str, holdings: tuple[HoldingFact, ...]) -> tuple[Segment, ...]:
        return assignment_timeline(profession_id, holdings, self.current)

    def counted(self, context: _Context, per_mask: dict[int, int]) -> tuple[tuple[int, ...], tuple[Any, ...]]:
        codes, exempt = context.shape_key
        shape = self.shape(codes, exempt)
        if shape.each:  # count_in_each: an action counts in every one of its axes
            counted = tuple(sum(n for m, n in per_mask.items() if m >> i & 1) for i in range(len(AXES)))
        else:  # count_once: the engine's optimal assignment (D-23)
            required = tuple(shape.required.get(a, 0) for a in AXES)
            counted = assign_mask_counts(tuple(sorted(per_mask.items())), required)
        capped = tuple(min(c, shape.required[a]) for a, c in zip(AXES, counted, strict=True))
        return counted, self.tail(codes, exempt, capped)

    def mask(self, codes: frozenset[str], type_code: str, axis: int | None) -> int:
        """The axes an action of this type may count in under these codes, as a bit mask (axis 1 =
        1), as the engine's `action_axes` gives them to `evaluate`."""
        return sum(1 << (a - 1) for a in action_axes(codes, type_code, axis, self.rules_by_code))

    def shape(self, codes: frozenset[str], exempt: frozenset[int]) -> _Shape:
        """What the référentiels in force require, asked of the engine itself: `evaluate` with no
        action gives the requirements; with one counting action, an empty `assignment` means
        count_in_each."""
        key = (codes, exempt)
        shape = self.shapes.get(key)
        if shape is None:
            listed = sorted(
                {t for c in codes if c in self.rules_by_code for t in self.rules_by_code[c].action_axes}
            )
            by_axis = {
                a: next((t for t in listed if self.mask(codes, t, None) >> (a - 1) & 1), None) for a in AXES
            }
            probe = self._synthetic(codes, exempt, [(t, None) for t in listed[:1]])
            shape = self.shapes[key] = _Shape(
                required={r.axis: r.required for r in probe.axes},
                each=bool(listed) and not probe.assignment,
                type_for_axis=by_axis,
            )
        return shape

    def tail(self, codes: frozenset[str], exempt: frozenset[int], capped: tuple[int, ...]) -> tuple[Any, ...]:
        """Requirements, statuses, progress and référentiels depend on the counts only up to what
        is required: the engine gives them for single-axis stand-ins of the capped counts."""
        key = (codes, exempt, capped)
        tail = self.tails.get(key)
        if tail is None:
            shape = self.shape(codes, exempt)
            stand_ins = [
                (shape.type_for_axis[a], a) for a, n in zip(AXES, capped, strict=True) for _ in range(n)
            ]
            e = self._synthetic(codes, exempt, stand_ins)  # type: ignore[arg-type]
            if tuple(r.counted for r in e.axes) != capped:  # an engine change this module missed
                raise RuntimeError(f"stand-ins for {capped} under {sorted(codes)} do not count as expected")
            tail = self.tails[key] = (
                tuple(r.required for r in e.axes),
                sum(1 << (r.axis - 1) for r in e.axes if r.status == "exempt"),
                e.progress,
                e.status,
                ",".join(e.referentiels)[:400],
                e.slots_done,
                e.slots_required,
            )
        return tail

    def _synthetic(
        self, codes: frozenset[str], exempt: frozenset[int], actions: list[tuple[str, int | None]]
    ) -> Evaluation:
        return evaluate(
            period_start=self.today,
            period_end=self.today,
            as_of=self.today,
            timeline=(Segment(date.min, None, codes),),
            rules_by_code=self.rules_by_code,
            actions=[
                ActionFact(id=str(i), type_code=t, end_date=self.today, state="declared", axis=a)
                for i, (t, a) in enumerate(actions)
            ],
            exempt_axes=exempt,
            config=self.config,
        )

    def flush(self) -> None:
        if not self.rows:
            return
        if self.collect is not None:
            self.collect.append(copy_text(self.rows))
        elif connection.vendor == "postgresql":
            copy_to_temp(copy_text(self.rows), first=self.written == 0)
        else:
            create_snapshots(self.rows, today=self.today)  # telling of the axes completed (§7)
        self.written += len(self.rows)
        self.rows = []

    def finish(self) -> None:
        if connection.vendor == "postgresql" and self.written:
            upsert_from_temp(self.today)

    def reference_path(self) -> int:
        """Exercises whose action dates matter go through the write transactions' refresh."""
        done = 0
        for i in range(0, len(self.fallback), 2000):
            done += refresh_status(
                exercises=self.fallback[i : i + 2000], today=self.today, catalogue=self.catalogue
            )
        return done


@dataclass
class _Context:
    """What an exercise's facts give, apart from its actions."""

    period: int | None  # index of the period as of today in the exercise's rows
    start: date
    end: date
    reference: date  # min(today, end): what is required is decided on that date
    timeline: tuple[Segment, ...]
    codes: frozenset[str]  # the référentiels in force on the reference date
    shape_key: tuple[frozenset[str], frozenset[int]]  # (codes, exempt axes)

    def uniform(self, lo: date, hi: date) -> bool:
        """Actions dated from lo to hi all count under `codes` (one segment: their dates cannot
        change how they count)."""
        if len(self.timeline) == 1:
            return True
        inside = [s for s in self.timeline if s.start <= hi and (s.end is None or lo <= s.end)]
        return len(inside) == 1 and inside[0].start <= lo and inside[0].codes == self.codes


class _Shape(NamedTuple):
    required: dict[int, int]
    each: bool  # count_in_each
    type_for_axis: dict[int, str | None]  # a type that may count in each axis, for stand-ins


__all__ = ["recompute_all"]
