"""Optimal assignment of multi-axis actions to axes (domain D-23, ``count_once``).

Every counting action counts in exactly one of its axes (counts are not capped). Among all
assignments, take one that fills the most required slots, sum of min(counted_a, required_a);
among those, the one whose count vector (axis 1, 2, 3, 4) is lexicographically greatest.

Why this is exact and fast. Actions are grouped by axis set ("mask", at most 15). A count
vector c is achievable iff, for every set T of axes, c(T) <= f(T) = number of actions having at
least one axis in T (Hall / Gale). f is submodular, so the achievable vectors are the bases of an
integral polymatroid. The objective is separable and concave (each axis is worth W + w_a per
action up to its requirement, then w_a, with W >> w_1 >> ... >> w_4 encoding "most slots, then
lexicographic"), and for such objectives the greedy "raise the best feasible coordinate" is
optimal (Federgruen & Groenevelt 1986; Fujishige, Submodular functions, ch. 5). With those
weights the greedy reduces to two passes in axis order: fill each axis up to its requirement as
far as Hall allows, then pour the surplus in axis order. That is O(4 * 16) per call, whatever the
number of actions; the tests compare it with a brute force over every assignment.
"""

from __future__ import annotations

from collections.abc import Mapping

AXES = (1, 2, 3, 4)
_N = len(AXES)
_SUBSETS = range(1 << _N)  # sets of axes as bitmasks, bit i = axis AXES[i]
_FULL = (1 << _N) - 1
# Precomputed so that a call only adds and compares small integers.
_BITS = tuple(tuple(i for i in range(_N) if t >> i & 1) for t in _SUBSETS)
_CONTAINING = tuple(tuple(t for t in _SUBSETS if t >> i & 1) for i in range(_N))
_MEETING = tuple(tuple(t for t in _SUBSETS if t & m) for m in _SUBSETS)
# For mask m and axis i: the sets T meeting m but not containing i.
_MEETING_AVOIDING = tuple(
    tuple(tuple(t for t in _MEETING[m] if not t >> i & 1) for i in range(_N)) for m in _SUBSETS
)
# Axis set -> bitmask, for every non-empty subset of the axes.
_MASK_OF = {frozenset(AXES[i] for i in _BITS[t]): t for t in _SUBSETS if t}


def _to_mask(axes: frozenset[int]) -> int:
    mask = _MASK_OF.get(axes)
    if mask is None:
        raise ValueError(f"axes must be a non-empty subset of {AXES}, not {sorted(axes)!r}")
    return mask


def _supplies(mask_counts: Mapping[int, int]) -> list[int]:
    """f(T) for every set of axes T: the actions that may go to some axis of T."""
    f = [0] * (1 << _N)
    for mask, n in mask_counts.items():
        for t in _MEETING[mask]:
            f[t] += n
    return f


def _greedy_counts(mask_counts: Mapping[int, int], required: list[int]) -> list[int]:
    # room[T] = f(T) - c(T): how many more actions the axes of T can still take together.
    room = _supplies(mask_counts)
    counts = [0] * _N
    # Plain loops over the precomputed sets, no closure or generator: a batch's snapshot refresh
    # calls this once per account (a thousand times), the national recompute per distinct input.
    for i, wanted in enumerate(required):  # pass 1: required slots, axis 1 first
        containing = _CONTAINING[i]
        x = min(wanted, min(map(room.__getitem__, containing)))
        if x > 0:
            counts[i] += x
            for t in containing:
                room[t] -= x
    for i in range(_N):  # pass 2: the surplus, axis 1 first (ends on a base: all assigned)
        containing = _CONTAINING[i]
        x = min(map(room.__getitem__, containing))  # room[_FULL] is among them
        if x > 0:
            counts[i] += x
            for t in containing:
                room[t] -= x
    return counts


def _checked_required(required: Mapping[int, int]) -> list[int]:
    if any(axis not in AXES for axis in required):
        raise ValueError(f"unknown axis in {sorted(required)!r}")
    values = [required.get(axis, 0) for axis in AXES]
    if any(value < 0 for value in values):
        raise ValueError("required counts cannot be negative")
    return values


def assign_counts(
    mask_counts: Mapping[frozenset[int], int],
    required: Mapping[int, int],
) -> dict[int, int]:
    """Per-axis counts of the optimal assignment (D-23).

    ``mask_counts`` maps an axis set to the number of counting actions having exactly those
    axes; ``required`` maps an axis (1..4) to its required count (missing = 0). Returns the count
    of every axis 1..4; they add up to the number of actions.
    """
    masks: dict[int, int] = {}
    for axes, n in mask_counts.items():
        if n < 0:
            raise ValueError("action counts cannot be negative")
        if n:
            mask = _to_mask(axes)
            masks[mask] = masks.get(mask, 0) + n
    counts = _greedy_counts(masks, _checked_required(required))
    return dict(zip(AXES, counts, strict=True))


def assign_mask_counts(
    mask_counts: tuple[tuple[int, int], ...], required: tuple[int, ...]
) -> tuple[int, ...]:
    """`assign_counts` for callers that hold bit masks already (bit i = axis AXES[i]): the
    set-based recompute, which counts actions per mask in SQL. `mask_counts` holds (mask, count)
    pairs, each mask a non-empty set of axes; `required` the four requirements in axis order.
    (The recompute keeps each answer per distinct input itself: `bulk._Recompute.counts`.)"""
    return tuple(_greedy_counts(dict(mask_counts), list(required)))


def _split(mask_counts: Mapping[int, int], counts: list[int]) -> dict[int, list[int]]:
    """How many actions of each mask go to each axis, so that axis totals equal ``counts``.

    Masks in increasing order, axes in increasing order, each takes as many as it can while the
    rest stays achievable. With slack[T] = supply(T) - demand(T) (Hall: never negative), moving
    x actions of mask M to axis i lowers slack only for the sets T meeting M but avoiding i.
    """
    demand = [sum(counts[j] for j in _BITS[t]) for t in _SUBSETS]
    slack = [supply - need for supply, need in zip(_supplies(mask_counts), demand, strict=True)]
    open_ = list(counts)  # what each axis still needs
    split: dict[int, list[int]] = {}
    for mask in sorted(mask_counts):
        left = mask_counts[mask]
        shares = [0] * _N
        for i in _BITS[mask]:
            x = min(left, open_[i], *(slack[t] for t in _MEETING_AVOIDING[mask][i]))
            if x > 0:
                shares[i] = x
                left -= x
                open_[i] -= x
                for t in _MEETING_AVOIDING[mask][i]:
                    slack[t] -= x
        if left:  # cannot happen for achievable counts; guard against misuse
            raise ValueError("counts are not achievable with these actions")
        split[mask] = shares
    return split


def assign_actions(
    actions: Mapping[str, frozenset[int]],
    required: Mapping[int, int],
) -> dict[str, int]:
    """The axis each action counts in, under the optimal assignment (D-23).

    ``actions`` maps an action id to its axes (non-empty subset of 1..4). Deterministic and
    independent of the mapping's order: within an axis set, actions sorted by id go to the
    lowest axes first.
    """
    by_mask: dict[int, list[str]] = {}
    for action_id, axes in actions.items():
        by_mask.setdefault(_to_mask(axes), []).append(action_id)
    masks = {mask: len(ids) for mask, ids in by_mask.items()}
    counts = _greedy_counts(masks, _checked_required(required))
    result: dict[str, int] = {}
    for mask, shares in _split(masks, counts).items():
        ids = iter(sorted(by_mask[mask]))
        for i, share in enumerate(shares):
            for _ in range(share):
                result[next(ids)] = AXES[i]
    return result
