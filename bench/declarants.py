"""Gives the generated third-party actions the declarant and reference production would give them.

    python -m bench.declarants [--organisms 2000] [--employers 3000]

`bench.generate` records its claims through `record_actions_bulk`, whose fast path takes new claims
without a declarant (claims of a declarant go one by one to `record_action`, for replays and
merges: far too slow for nine million). Left so, every action's `declarant_id` is NULL, the
statistics know no declarant, and the planner estimates one row for any declarant: queries of the
declaration API (the replay lookup on (declarant, external_id), the D-34 mass-claim count) were
planned for an empty table and read a whole declarant's actions (docs/benchmarks.md). This step
writes, in place, what the declarants would have sent:

- `--organisms` training bodies sharing the `organism` actions with a long tail, as in life a few
  national bodies declare most trainings: organism k of n gets a share proportional to 1/k;
- `--employers` employers sharing the `employer` actions, each professional keeping one employer;
- each action's reference `gen-<id>`: unique per declarant, as `one_action_per_declarant_reference`
  wants.

Nothing else changes (states, transitions and audit entries stay those the generator wrote). It
is idempotent: only actions still without a declarant are updated, in ranges of ids each committed,
so a rerun after a crash finishes the job. Run `VACUUM ANALYZE` after it (autovacuum may be off).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

NAME = "bench.declarants"
RANGE = 1_000_000  # action ids per UPDATE (one commit each)

# The organism at (1-based) index floor(n ** u), u uniform in [0, 1) drawn from the action id by a
# multiplicative hash: index k with probability log((k+1)/k) / log(n), about 1/(k log n), a long
# tail, deterministic per action (n ** u < n, so the index stays within the array).
_UPDATE = """
UPDATE actions_action a SET
    declarant_id = CASE WHEN a.source = 'employer'
        THEN (%(employers)s::bigint[])[1 + a.professional_id %% %(n_employers)s]
        ELSE (%(organisms)s::bigint[])[
            FLOOR(POWER(%(n_organisms)s::float8, ((a.id * 2654435761) %% 1000003) / 1000003.0))::int]
    END,
    external_id = 'gen-' || a.id
WHERE a.id >= %(low)s AND a.id < %(high)s
  AND a.source IN ('organism', 'employer') AND a.declarant_id IS NULL
"""


def attribute(*, organisms: int = 2000, employers: int = 3000, log: Callable[[str], Any] = print) -> int:
    """Creates the declarants (once) and attributes the third-party actions; returns rows updated."""
    from django.db import connection, transaction

    from certipro.actions.models import Action

    kinds = {"organism": _declarants("organism", organisms), "employer": _declarants("employer", employers)}
    bounds = Action.objects.order_by().values_list("id", flat=True)
    low, high = bounds.order_by("id").first(), bounds.order_by("-id").first()
    if low is None or high is None:
        return 0
    updated = 0
    started = time.perf_counter()
    for start in range(low, high + 1, RANGE):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                _UPDATE,
                {
                    "employers": kinds["employer"],
                    "n_employers": len(kinds["employer"]),
                    "organisms": kinds["organism"],
                    "n_organisms": len(kinds["organism"]),
                    "low": start,
                    "high": start + RANGE,
                },
            )
            updated += cursor.rowcount
        log(f"  ids < {start + RANGE}: {updated} actions attributed ({time.perf_counter() - started:.0f}s)")
    return updated


def _declarants(kind: str, count: int) -> list[int]:
    """The ids of this step's declarants of a kind, created the first time, in a fixed order."""
    from certipro.actions.models import Declarant

    names = [f"{NAME} {kind} {k:05d}" for k in range(count)]
    existing = dict(Declarant.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Declarant(kind=kind, name=name) for name in names if name not in existing]
    for made in Declarant.objects.bulk_create(missing):
        existing[made.name] = made.pk
    return [existing[name] for name in names]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisms", type=int, default=2000)
    parser.add_argument("--employers", type=int, default=3000)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(f"done: {attribute(organisms=args.organisms, employers=args.employers)} actions attributed")


if __name__ == "__main__":
    main()
