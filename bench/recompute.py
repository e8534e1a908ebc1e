"""The national status recompute against a raw set-based SQL recompute of the same tables.

    python -m bench.recompute [--repeat 3] [--today YYYY-MM-DD]

In one run, on the database the generator filled: (a) the baseline, one INSERT … SELECT … GROUP BY
into a scratch table (`BASELINE_SQL`, what it simplifies is written there); (b) our
`certipro.certification.bulk.recompute_all`. Each is timed `--repeat` times, alternating, and the
medians and their ratio (ours / baseline) are printed. A benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

SCRATCH = "bench_baseline_snapshot"

# The baseline: what a hand-written SQL recompute of the same tables would do. Per exercise's
# current period (the latest started on `today`), count the counting actions (declared or
# attested, inside the period and not in the future) per axis, each action in ONE axis: the one
# the declarant chose, else the first axis its type has in any published référentiel; then
# required = 2 per axis, progress and status from those counts.
# It simplifies: no optimal assignment of multi-axis actions (D-23), no count_in_each, no
# per-professional référentiel applicability (specialties, holdings over time: D-14, D-22: a
# type listed anywhere counts), no per-référentiel minimums, no exemptions, no early ends seen
# as of a date, no pace. So it does less than the engine: it is a floor, not an equivalent.
BASELINE_SQL = """
INSERT INTO {scratch}
    (period_id, professional_id, counted_1, counted_2, counted_3, counted_4, progress, status)
WITH current_period AS (
    SELECT p.id, p.professional_id, e.profession_id, p.start,
           CASE WHEN p."end" < %(today)s THEN p."end" ELSE %(today)s END AS last_day
    FROM certification_period p JOIN directory_exercise e ON e.id = p.exercise_id
    WHERE p.start = (SELECT MAX(q.start) FROM certification_period q
                     WHERE q.exercise_id = p.exercise_id AND q.start <= %(today)s)
), type_axis AS (
    SELECT t.code, MIN({first_axis}) AS axis
    FROM referentiels_actiontype t JOIN referentiels_referentiel r ON r.id = t.referentiel_id
    WHERE r.published_on <= %(today)s
    GROUP BY t.code
), counted AS (
    SELECT cp.id, cp.professional_id,
           COUNT(*) FILTER (WHERE COALESCE(a.axis, ta.axis) = 1) AS c1,
           COUNT(*) FILTER (WHERE COALESCE(a.axis, ta.axis) = 2) AS c2,
           COUNT(*) FILTER (WHERE COALESCE(a.axis, ta.axis) = 3) AS c3,
           COUNT(*) FILTER (WHERE COALESCE(a.axis, ta.axis) = 4) AS c4
    FROM current_period cp
    LEFT JOIN actions_action a
      ON a.professional_id = cp.professional_id AND a.profession_id = cp.profession_id
     AND a.state IN ('declared', 'attested') AND a.end_date BETWEEN cp.start AND cp.last_day
    LEFT JOIN type_axis ta ON ta.code = a.type_code
    GROUP BY cp.id, cp.professional_id
)
SELECT id, professional_id, c1, c2, c3, c4,
       ((CASE WHEN c1 < 2 THEN c1 ELSE 2 END) + (CASE WHEN c2 < 2 THEN c2 ELSE 2 END)
        + (CASE WHEN c3 < 2 THEN c3 ELSE 2 END) + (CASE WHEN c4 < 2 THEN c4 ELSE 2 END)) / 8.0,
       CASE WHEN c1 >= 2 AND c2 >= 2 AND c3 >= 2 AND c4 >= 2 THEN 'complete' ELSE 'in_progress' END
FROM counted
"""


def baseline(today: date) -> int:
    """Runs the baseline once into a fresh scratch table; returns its row count."""
    from django.db import connection, transaction

    first_axis = "(t.axes->>0)::int" if connection.vendor == "postgresql" else "json_extract(t.axes, '$[0]')"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH} (period_id bigint PRIMARY KEY, professional_id bigint, "
            "counted_1 int, counted_2 int, counted_3 int, counted_4 int, progress float, status varchar(20))"
        )
        cursor.execute(BASELINE_SQL.format(scratch=SCRATCH, first_axis=first_axis), {"today": today})
        cursor.execute(f"SELECT COUNT(*) FROM {SCRATCH}")
        return int(cursor.fetchone()[0])


def ours(today: date, workers: int = 1) -> int:
    from certipro.certification.bulk import recompute_all

    return recompute_all(today=today, workers=workers)


def checksum() -> str:
    """A digest of every snapshot field but `updated_at`, to compare two runs' results."""
    from django.db import connection

    from certipro.certification.status import SNAPSHOT_FIELDS

    columns = ["period_id", *(f if f != "professional" else "professional_id" for f in SNAPSHOT_FIELDS)]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM certification_statussnapshot ORDER BY period_id"
            )
            return str(hash(tuple(cursor.fetchall())))
        row = " || '|' || ".join(f"COALESCE({c}::text, '')" for c in columns)
        cursor.execute(
            f"SELECT md5(string_agg({row}, ',' ORDER BY period_id)) FROM certification_statussnapshot"
        )
        return str(cursor.fetchone()[0])


def dataset() -> dict[str, Any]:
    from django.db import connection

    from certipro.actions.models import Action
    from certipro.certification.models import Period
    from certipro.directory.models import Exercise, Professional

    figures: dict[str, Any] = {
        "professionals": Professional.objects.count(),
        "exercises": Exercise.objects.count(),
        "periods": Period.objects.count(),
        "actions": Action.objects.count(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            figures["database_size"] = cursor.fetchone()[0]
    return figures


def run(
    *, today: date, repeat: int = 3, workers: int = 2, log: Callable[[str], Any] = print
) -> dict[str, Any]:
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics and visibility map for both contenders, as after a nightly VACUUM.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    times: dict[str, list[float]] = {"baseline": [], "ours": []}
    rows: dict[str, int] = {}
    for i in range(repeat):
        order: list[tuple[str, Callable[[date], int]]] = [
            ("baseline", baseline),
            ("ours", lambda d: ours(d, workers)),
        ]
        if i % 2:  # alternate, so that neither always runs on a warmer cache
            order.reverse()
        for name, function in order:
            started = time.perf_counter()
            rows[name] = function(today)
            times[name].append(time.perf_counter() - started)
            log(f"run {i + 1} {name}: {times[name][-1]:.2f}s ({rows[name]} rows)")
    digest = checksum()
    if workers > 1:
        # The same snapshots from one process: the parallel path must not change a field.
        started = time.perf_counter()
        ours(today, 1)
        times["ours_one_process"] = [time.perf_counter() - started]
        log(f"ours in one process: {times['ours_one_process'][0]:.2f}s")
        if checksum() != digest:
            raise AssertionError("one process and several gave different snapshots")
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "today": today.isoformat(),
        "times": times,
        "median": medians,
        "ratio": medians["ours"] / medians["baseline"] if medians["baseline"] else float("inf"),
        "rows": rows,
        "workers": workers,
        "checksum": digest,
        **dataset(),
    }
    log(
        f"median baseline {medians['baseline']:.2f}s, ours {medians['ours']:.2f}s, "
        f"ratio ours/baseline {result['ratio']:.2f}"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="processes of recompute_all (PostgreSQL)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(run(today=args.today or date.today(), repeat=args.repeat, workers=args.workers))


if __name__ == "__main__":
    main()
