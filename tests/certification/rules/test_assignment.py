"""Optimal assignment of multi-axis actions (domain D-23, count_once)."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.certification.rules import assign_actions, assign_counts, assign_mask_counts

TWO_EACH = {1: 2, 2: 2, 3: 2, 4: 2}
MASKS = [frozenset(c) for r in range(1, 5) for c in itertools.combinations((1, 2, 3, 4), r)]


def _fill(counts: dict[int, int], required: dict[int, int]) -> int:
    return sum(min(counts[a], required.get(a, 0)) for a in (1, 2, 3, 4))


def _brute_force(axes: list[frozenset[int]], required: dict[int, int]) -> tuple[int, tuple[int, ...]]:
    """(most slots filled, lexicographically greatest counts) over every assignment."""
    best: tuple[int, tuple[int, ...]] = (-1, (0, 0, 0, 0))
    for choice in itertools.product(*(sorted(a) for a in axes)):
        counted = Counter(choice)
        counts = {a: counted[a] for a in (1, 2, 3, 4)}
        best = max(best, (_fill(counts, required), tuple(counts.values())))
    return best


def test_d23_domain_example() -> None:
    # A{1,2}, B{1}, C{1}, D{2}: axis 1 = 2 (B, C), axis 2 = 2 (A, D).
    actions = {"A": frozenset({1, 2}), "B": frozenset({1}), "C": frozenset({1}), "D": frozenset({2})}
    assert assign_actions(actions, TWO_EACH) == {"A": 2, "B": 1, "C": 1, "D": 2}
    masks = {frozenset({1, 2}): 1, frozenset({1}): 2, frozenset({2}): 1}
    assert assign_counts(masks, TWO_EACH) == {1: 2, 2: 2, 3: 0, 4: 0}


def test_d23_optimal_not_greedy() -> None:
    # Greedy in axis order would put both {1,2} and {1,3} in axis 1 and leave 2 and 3 short.
    masks = {frozenset({1, 2}): 1, frozenset({1, 3}): 1, frozenset({1}): 2}
    assert assign_counts(masks, TWO_EACH) == {1: 2, 2: 1, 3: 1, 4: 0}


def test_d23_tie_break_puts_the_surplus_in_the_lowest_axis() -> None:
    # Both axes are full either way: the surplus action goes to axis 1.
    masks = {frozenset({1, 2}): 1, frozenset({1}): 2, frozenset({2}): 2}
    assert assign_counts(masks, TWO_EACH) == {1: 3, 2: 2, 3: 0, 4: 0}


def test_d23_tie_break_among_unfillable_axes() -> None:
    # One action {3,4}: either axis gains a slot; axis 3 comes first.
    assert assign_counts({frozenset({3, 4}): 1}, TWO_EACH) == {1: 0, 2: 0, 3: 1, 4: 0}


def test_d23_counts_are_not_capped() -> None:
    assert assign_counts({frozenset({4}): 7}, TWO_EACH) == {1: 0, 2: 0, 3: 0, 4: 7}


def test_d23_an_axis_requiring_nothing_takes_only_surplus() -> None:
    required = {1: 2, 2: 2, 3: 2, 4: 0}  # axis 4 exempt
    masks = {frozenset({1, 4}): 1, frozenset({4}): 1}
    assert assign_counts(masks, required) == {1: 1, 2: 0, 3: 0, 4: 1}


def test_d23_nothing_to_assign() -> None:
    assert assign_counts({}, TWO_EACH) == {1: 0, 2: 0, 3: 0, 4: 0}
    assert assign_counts({frozenset({1}): 0}, {}) == {1: 0, 2: 0, 3: 0, 4: 0}
    assert assign_actions({}, TWO_EACH) == {}


@pytest.mark.parametrize(
    ("masks", "required"),
    [
        ({frozenset(): 1}, TWO_EACH),
        ({frozenset({5}): 1}, TWO_EACH),
        ({frozenset({1}): -1}, TWO_EACH),
        ({frozenset({1}): 1}, {1: -1}),
        ({frozenset({1}): 1}, {0: 1}),
    ],
)
def test_d23_invalid_input_is_refused(masks: dict[frozenset[int], int], required: dict[int, int]) -> None:
    with pytest.raises(ValueError):
        assign_counts(masks, required)


def test_d23_actions_of_one_axis_set_are_split_by_id() -> None:
    actions = {"c": frozenset({1, 2}), "a": frozenset({1, 2}), "b": frozenset({1, 2})}
    # Axis 1 takes two (fill), axis 2 one; the smallest ids go to the lowest axis.
    assert assign_actions(actions, TWO_EACH) == {"a": 1, "b": 1, "c": 2}


def test_d23_many_actions_stay_exact() -> None:
    masks = {frozenset({1, 2, 3, 4}): 20, frozenset({1}): 3, frozenset({2, 3}): 2}
    # Every axis can be filled (8 slots): the other 19 go to axis 1.
    assert assign_counts(masks, TWO_EACH) == {1: 19, 2: 2, 3: 2, 4: 2}


action_lists = st.lists(st.sampled_from(MASKS), max_size=7)
requirements = st.fixed_dictionaries({a: st.integers(0, 3) for a in (1, 2, 3, 4)})


@settings(max_examples=200, deadline=None)
@given(axes=action_lists, required=requirements)
def test_d23_no_assignment_fills_more_slots_and_tie_break_matches_brute_force(
    axes: list[frozenset[int]], required: dict[int, int]
) -> None:
    counts = assign_counts(Counter(axes), required)
    best_fill, best_counts = _brute_force(axes, required)
    assert _fill(counts, required) == best_fill
    assert tuple(counts[a] for a in (1, 2, 3, 4)) == best_counts


@settings(max_examples=200, deadline=None)
@given(axes=st.lists(st.sampled_from(MASKS), max_size=30), required=requirements, data=st.data())
def test_d23_per_action_assignment_is_valid_and_order_free(
    axes: list[frozenset[int]], required: dict[int, int], data: st.DataObject
) -> None:
    actions = {f"a{i:02d}": mask for i, mask in enumerate(axes)}
    result = assign_actions(actions, required)
    assert set(result) == set(actions)
    assert all(result[i] in actions[i] for i in actions)
    counts = assign_counts(Counter(axes), required)
    assert Counter(result.values()) == Counter({a: n for a, n in counts.items() if n})
    shuffled = data.draw(st.permutations(list(actions.items())))
    assert assign_actions(dict(shuffled), required) == result


@settings(max_examples=200, deadline=None)
@given(axes=st.lists(st.sampled_from(MASKS), max_size=30), required=requirements)
def test_d23_counts_by_bit_mask_equal_counts_by_axis_set(
    axes: list[frozenset[int]], required: dict[int, int]
) -> None:
    """The set-based recompute's form (bit i = axis i + 1) gives the engine's counts."""
    by_mask = Counter(sum(1 << (a - 1) for a in mask) for mask in axes)
    counted = assign_mask_counts(tuple(sorted(by_mask.items())), tuple(required[a] for a in (1, 2, 3, 4)))
    assert dict(zip((1, 2, 3, 4), counted, strict=True)) == assign_counts(Counter(axes), required)
