"""Counting actions against the axes (domain D-21 to D-25, contracts/status.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.certification.rules import (
    DEFAULT_CONFIG,
    ActionFact,
    Evaluation,
    Holding,
    ReferentielMeta,
    ReferentielRules,
    RulesConfig,
    Segment,
    assignment_timeline,
    evaluate,
    pace,
)

START, END = date(2023, 1, 1), date(2031, 12, 31)
AS_OF = date(2027, 6, 1)
TYPES: dict[str, frozenset[int]] = {
    "A1": frozenset({1}),
    "A2": frozenset({2}),
    "A3": frozenset({3}),
    "A4": frozenset({4}),
    "A12": frozenset({1, 2}),
    "A34": frozenset({3, 4}),
}


def rules(
    code: str = "MED-MG",
    version: str = "2026-01",
    *,
    types: Mapping[str, frozenset[int]] = TYPES,
    minimums: Mapping[int, int] | None = None,
    multi_axis: str = "count_once",
) -> ReferentielRules:
    return ReferentielRules(code, version, types, minimums or {}, multi_axis)


MG = rules()
ONLY_MG = (Segment(START, None, frozenset({"MED-MG"})),)


def act(
    action_id: str,
    type_code: str,
    end_date: date = date(2025, 1, 1),
    state: str = "declared",
    axis: int | None = None,
) -> ActionFact:
    return ActionFact(action_id, type_code, end_date, state, axis)


def run(
    actions: Iterable[ActionFact],
    *,
    as_of: date = AS_OF,
    timeline: Sequence[Segment] = ONLY_MG,
    by_code: Sequence[ReferentielRules] = (MG,),
    exempt: frozenset[int] = frozenset(),
    config: RulesConfig = DEFAULT_CONFIG,
) -> Evaluation:
    return evaluate(
        period_start=START,
        period_end=END,
        as_of=as_of,
        timeline=timeline,
        rules_by_code={r.code: r for r in by_code},
        actions=actions,
        exempt_axes=exempt,
        config=config,
    )


def counted(evaluation: Evaluation) -> tuple[int, ...]:
    return tuple(a.counted for a in evaluation.axes)


def required(evaluation: Evaluation) -> tuple[int, ...]:
    return tuple(a.required for a in evaluation.axes)


def statuses(evaluation: Evaluation) -> tuple[str, ...]:
    return tuple(a.status for a in evaluation.axes)


def test_d21_default_obligation_is_two_per_axis_eight_in_all() -> None:
    result = run([])
    assert [a.axis for a in result.axes] == [1, 2, 3, 4]
    assert required(result) == (2, 2, 2, 2)
    assert (result.slots_required, result.slots_done, result.progress) == (8, 0, 0.0)
    assert result.status == "in_progress"
    assert result.referentiels == ("MED-MG@2026-01",)


def test_d21_minimum_is_a_referentiel_setting_overridable_per_axis() -> None:
    result = run([], by_code=[rules(minimums={1: 3, 2: 2, 3: 1, 4: 2})])
    assert required(result) == (3, 2, 1, 2)


def test_d21_without_referentiel_the_default_minimum_applies_and_nothing_counts() -> None:
    timeline = (Segment(START, None, frozenset()),)
    config = RulesConfig(default_minimum_per_axis=3)
    result = run([act("a", "A1")], timeline=timeline, config=config)
    assert (required(result), counted(result), result.referentiels) == ((3, 3, 3, 3), (0, 0, 0, 0), ())
    assert result.assignment == {}


def test_d22_action_on_the_period_first_day_counts_not_the_day_before() -> None:
    result = run([act("in", "A1", START), act("out", "A1", START - timedelta(days=1))])
    assert counted(result) == (1, 0, 0, 0)
    assert result.assignment == {"in": 1}


def test_d22_action_on_the_period_last_day_counts_not_the_day_after() -> None:
    actions = [act("in", "A1", END), act("out", "A1", END + timedelta(days=1))]
    assert counted(run(actions, as_of=date(2032, 3, 1))) == (1, 0, 0, 0)


def test_d22_action_on_as_of_counts_not_the_day_after() -> None:
    actions = [act("today", "A1", AS_OF), act("future", "A1", AS_OF + timedelta(days=1))]
    assert counted(run(actions)) == (1, 0, 0, 0)


def test_d22_type_not_in_the_referentiel_does_not_count() -> None:
    assert counted(run([act("a", "UNKNOWN")])) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("state", "counts"),
    [("declared", 1), ("attested", 1), ("contested", 0), ("withdrawn", 0), ("rejected", 0)],
)
def test_d31_only_declared_and_attested_actions_count(state: str, counts: int) -> None:
    assert counted(run([act("a", "A1", state=state)]))[0] == counts


def test_d23_domain_example() -> None:
    actions = [act("A", "A12"), act("B", "A1"), act("C", "A1"), act("D", "A2")]
    result = run(actions)
    assert counted(result)[:2] == (2, 2)
    assert statuses(result)[:2] == ("complete", "complete")
    assert result.assignment == {"A": 2, "B": 1, "C": 1, "D": 2}


def test_d23_count_in_each_counts_an_action_in_every_axis() -> None:
    result = run([act("a", "A12"), act("b", "A34")], by_code=[rules(multi_axis="count_in_each")])
    assert counted(result) == (1, 1, 1, 1)
    assert result.assignment == {}
    assert result.progress == 0.5


def test_d23_count_in_each_only_if_every_referentiel_says_so() -> None:
    each = rules("A", multi_axis="count_in_each")
    once = rules("B")
    timeline = (Segment(START, None, frozenset({"A", "B"})),)
    result = run([act("a", "A12")], timeline=timeline, by_code=[each, once])
    assert counted(result) == (1, 0, 0, 0)
    result = run([act("a", "A12")], timeline=timeline, by_code=[each, rules("B", multi_axis="count_in_each")])
    assert counted(result) == (1, 1, 0, 0)


def test_d23_declarant_axis_narrows_the_type_axes() -> None:
    assert counted(run([act("a", "A12", axis=2)])) == (0, 1, 0, 0)
    # An axis the type does not have is ignored: the type's axes apply.
    assert counted(run([act("a", "A12", axis=3)])) == (1, 0, 0, 0)
    assert counted(run([act("a", "A1", axis=2)])) == (1, 0, 0, 0)


def test_referentiel_several_referentiels_take_the_largest_minimum() -> None:
    a = rules("A", "1", minimums={1: 1, 2: 3, 3: 0, 4: 2})
    b = rules("B", "7", minimums={1: 2, 2: 1, 3: 1})  # axis 4: default 2
    timeline = (Segment(START, None, frozenset({"A", "B", "NOT-LOADED"})),)
    result = run([], timeline=timeline, by_code=[b, a])
    assert required(result) == (2, 3, 1, 2)
    assert result.referentiels == ("A@1", "B@7")


def test_referentiel_an_action_counts_if_any_referentiel_lists_it_with_the_union_of_axes() -> None:
    a = rules("A", types={"X": frozenset({1}), "ONLY-A": frozenset({3})})
    b = rules("B", types={"X": frozenset({2})})
    timeline = (Segment(START, None, frozenset({"A", "B"})),)
    actions = [act("x1", "X"), act("x2", "X"), act("x3", "X"), act("a", "ONLY-A")]
    result = run(actions, timeline=timeline, by_code=[a, b])
    # X has axes {1, 2}: two fill axis 1, one goes to axis 2.
    assert counted(result) == (2, 1, 1, 0)


def test_d14_specialty_change_keeps_old_actions_counting_under_the_old_referentiel() -> None:
    mg = rules("MED-MG", types={"MG-1": frozenset({1}), "BOTH": frozenset({2})})
    cardio = rules("MED-CARDIO", "3", types={"CA-1": frozenset({1}), "BOTH": frozenset({3})})
    change = date(2026, 3, 1)
    timeline = (
        Segment(START, change - timedelta(days=1), frozenset({"MED-MG"})),
        Segment(change, None, frozenset({"MED-CARDIO"})),
    )
    actions = [
        act("old", "MG-1", change - timedelta(days=1)),  # counts: MG applied that day
        act("late", "MG-1", change),  # does not: MG no longer applies
        act("new", "CA-1", date(2025, 1, 1)),  # does not: CARDIO did not apply yet
        act("both-old", "BOTH", date(2024, 1, 1)),  # axis 2 under MG
        act("both-new", "BOTH", date(2027, 1, 1)),  # axis 3 under CARDIO
    ]
    result = run(actions, timeline=timeline, by_code=[mg, cardio])
    assert counted(result) == (1, 1, 1, 0)
    assert result.referentiels == ("MED-CARDIO@3",)


def test_d22_actions_since_the_period_start_count_under_a_referentiel_imported_later() -> None:
    meta = ReferentielMeta("MED-MG", "2026-01", "10", frozenset({"SM54"}), date(2026, 1, 15))
    holding = Holding(date(2027, 5, 1), None, frozenset({"SM54"}))  # first import, no history
    timeline = assignment_timeline("10", [holding], {"MED-MG": meta})
    assert counted(run([act("a", "A1", START)], timeline=timeline)) == (1, 0, 0, 0)


def test_d22_reference_date_is_the_period_end_once_it_has_passed() -> None:
    timeline = (
        Segment(START, END, frozenset({"MED-MG"})),
        Segment(END + timedelta(days=1), None, frozenset({"OTHER"})),
    )
    other = rules("OTHER", minimums={1: 5})
    result = run([], as_of=date(2033, 1, 1), timeline=timeline, by_code=[MG, other])
    assert (required(result), result.referentiels) == ((2, 2, 2, 2), ("MED-MG@2026-01",))


def test_d24_exempt_axis_requires_nothing() -> None:
    actions = [act(f"{t}{i}", t) for t in ("A1", "A2", "A3") for i in range(2)]
    result = run([*actions, act("h", "A4")], exempt=frozenset({4}))
    assert required(result) == (2, 2, 2, 0)
    assert counted(result) == (2, 2, 2, 1)
    assert statuses(result) == ("complete", "complete", "complete", "exempt")
    assert (result.slots_required, result.progress, result.status) == (6, 1.0, "complete")


def test_d24_axis_with_minimum_zero_is_complete() -> None:
    result = run([], by_code=[rules(minimums={1: 0})])
    assert statuses(result)[0] == "complete"


def test_d24_counts_are_not_capped_and_the_professional_is_complete() -> None:
    actions = [act(f"a{i}", "A1") for i in range(5)]
    actions += [act(f"{t}{i}", t) for t in ("A2", "A3", "A4") for i in range(2)]
    result = run(actions)
    assert counted(result) == (5, 2, 2, 2)
    assert (result.slots_done, result.progress, result.status) == (8, 1.0, "complete")


def test_d25_progress_is_filled_slots_over_required() -> None:
    result = run([act("a", "A1"), act("b", "A1"), act("c", "A2")])
    assert (result.slots_done, result.progress) == (3, 0.375)


def test_d25_progress_is_rounded_to_four_decimals() -> None:
    result = run([act("a", "A1")], by_code=[rules(minimums={1: 3})], exempt=frozenset({2, 3, 4}))
    assert result.progress == 0.3333


def test_d25_nothing_required_means_progress_one() -> None:
    result = run([], exempt=frozenset({1, 2, 3, 4}))
    assert (result.progress, result.status, result.slots_required) == (1.0, "complete", 0)


def test_d26_evaluation_carries_the_pace() -> None:
    result = run([act("a", "A1")])
    assert result.pace == pace(start=START, end=END, as_of=AS_OF, slots_done=1, slots_required=8)


def test_duplicate_action_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        run([act("a", "A1"), act("a", "A2", state="withdrawn")])


# Property-based: two référentiels and a specialty change, random actions.
PROP_A = rules("A", types={**TYPES, "X": frozenset({1, 3})}, minimums={1: 2, 2: 1})
PROP_B = rules("B", "2", types={"A12": frozenset({3}), "B4": frozenset({4}), "X": frozenset({2})})
PROP_TIMELINE = (
    Segment(START, date(2026, 12, 31), frozenset({"A"})),
    Segment(date(2027, 1, 1), date(2028, 12, 31), frozenset({"A", "B"})),
    Segment(date(2029, 1, 1), None, frozenset({"B"})),
)
STATES = ["declared", "attested", "contested", "withdrawn", "rejected"]
action_fields = st.tuples(
    st.sampled_from([*TYPES, "X", "B4", "NONE"]),
    st.integers(-30, 3400).map(lambda n: START + timedelta(days=n)),
    st.sampled_from(STATES),
    st.one_of(st.none(), st.integers(1, 4)),
)


def prop_run(actions: Sequence[ActionFact], as_of: date, exempt: frozenset[int]) -> Evaluation:
    return run(actions, as_of=as_of, timeline=PROP_TIMELINE, by_code=[PROP_A, PROP_B], exempt=exempt)


prop_actions = st.lists(action_fields, max_size=25).map(
    lambda fields: [act(f"a{i:02d}", *f) for i, f in enumerate(fields)]
)
prop_as_of = st.integers(0, 3400).map(lambda n: START + timedelta(days=n))
prop_exempt = st.frozensets(st.integers(1, 4), max_size=2)


@settings(max_examples=200, deadline=None)
@given(actions=prop_actions, extra=action_fields, as_of=prop_as_of, exempt=prop_exempt)
def test_d25_adding_an_action_never_lowers_progress(
    actions: list[ActionFact], extra: tuple[str, date, str, int | None], as_of: date, exempt: frozenset[int]
) -> None:
    before = prop_run(actions, as_of, exempt)
    after = prop_run([*actions, act("new", *extra)], as_of, exempt)
    assert after.progress >= before.progress
    assert after.slots_done >= before.slots_done
    assert not (before.status == "complete" and after.status != "complete")


@settings(max_examples=200, deadline=None)
@given(actions=prop_actions, as_of=prop_as_of, exempt=prop_exempt, data=st.data())
def test_d23_result_never_depends_on_the_order_of_actions(
    actions: list[ActionFact], as_of: date, exempt: frozenset[int], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(actions))
    assert prop_run(shuffled, as_of, exempt) == prop_run(actions, as_of, exempt)


def test_d23_counts_in_lists_every_axis_under_count_in_each_and_the_assigned_one_otherwise() -> None:
    from datetime import date

    from certipro.certification.rules import ActionFact, ReferentielRules, Segment, evaluate

    def run(mode: str) -> dict[str, frozenset[int]]:
        rules = ReferentielRules(
            code="R",
            version="1",
            action_axes={"A": frozenset({1, 2})},
            minimums={1: 2, 2: 2, 3: 2, 4: 2},
            multi_axis=mode,
        )
        result = evaluate(
            period_start=date(2023, 1, 1),
            period_end=date(2031, 12, 31),
            as_of=date(2026, 1, 1),
            timeline=(Segment(date.min, None, frozenset({"R"})),),
            rules_by_code={"R": rules},
            actions=[ActionFact(id="x", type_code="A", end_date=date(2024, 1, 1), state="declared")],
        )
        return dict(result.counts_in)

    assert run("count_in_each") == {"x": frozenset({1, 2})}
    assert run("count_once") == {"x": frozenset({1})}
