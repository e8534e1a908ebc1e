"""`evaluate_counts` is `evaluate` over counts of actions (D-14, D-21 to D-26): the same result
but for which action counts where, whatever the actions, the timeline and the rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.certification.rules import (
    COUNTING_STATES,
    ActionFact,
    Evaluation,
    ReferentielRules,
    Segment,
    count_by_axes,
    evaluate,
    evaluate_counts,
)

START, END = date(2023, 1, 1), date(2028, 12, 31)
SWITCH = date(2025, 6, 1)  # a change of référentiel (D-14) in the middle of the period
TYPES = {"A1": {1}, "A2": {2}, "A3": {3}, "A4": {4}, "A12": {1, 2}, "A34": {3, 4}, "A123": {1, 2, 3}}


def _rules(code: str, types: list[str], multi_axis: str, minimum: int) -> ReferentielRules:
    return ReferentielRules(
        code, "v1", {t: frozenset(TYPES[t]) for t in types}, {1: minimum, 3: minimum + 1}, multi_axis
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], list[ActionFact]]:
    multi = draw(st.sampled_from(["count_once", "count_in_each"]))
    first = _rules("R1", draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=1, unique=True)), multi, 2)
    second = _rules("R2", draw(st.lists(st.sampled_from(sorted(TYPES)), unique=True)), "count_once", 1)
    timeline = draw(
        st.sampled_from(
            [
                (Segment(START, None, frozenset({"R1"})),),
                (
                    Segment(START, SWITCH - timedelta(days=1), frozenset({"R1"})),
                    Segment(SWITCH, None, frozenset({"R2"})),
                ),
                (Segment(START, None, frozenset({"R1", "R2"})),),
            ]
        )
    )
    actions = draw(
        st.lists(
            st.builds(
                ActionFact,
                id=st.just(""),
                type_code=st.sampled_from([*TYPES, "UNLISTED"]),
                end_date=st.dates(START - timedelta(days=30), END + timedelta(days=30)),
                state=st.sampled_from(["declared", "attested", "contested", "withdrawn"]),
                axis=st.sampled_from([None, None, 1, 2, 3, 4]),
            ),
            max_size=30,
        )
    )
    actions = [replace(a, id=str(n)) for n, a in enumerate(actions)]
    common = {
        "period_start": START,
        "period_end": END,
        "as_of": draw(st.dates(START, END + timedelta(days=400))),
        "timeline": timeline,
        "rules_by_code": {"R1": first, "R2": second},
        "exempt_axes": draw(st.frozensets(st.sampled_from([1, 2, 3, 4]), max_size=2)),
    }
    return common, actions


def _without_ids(evaluation: Evaluation) -> Evaluation:
    return replace(evaluation, assignment={}, counts_in={})


@settings(max_examples=400, deadline=None)
@given(cases())
def test_d14_d21_to_d26_evaluate_counts_equals_evaluate(
    case: tuple[dict[str, object], list[ActionFact]],
) -> None:
    common, actions = case
    groups = Counter((a.type_code, a.axis, a.end_date) for a in actions if a.state in COUNTING_STATES)
    expected = evaluate(actions=actions, **common)  # type: ignore[arg-type]
    per_axes = count_by_axes(
        groups=[(*k, n) for k, n in groups.items()],
        **{k: v for k, v in common.items() if k != "exempt_axes"},  # type: ignore[arg-type]
    )
    got = evaluate_counts(per_axes=per_axes, **common)  # type: ignore[arg-type]
    assert got == _without_ids(expected)
    assert got.assignment == {} and got.counts_in == {}
