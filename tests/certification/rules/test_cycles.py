"""Periods: domain D-10 to D-15."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.certification.rules import (
    PeriodDates,
    RulesConfig,
    add_years,
    first_period,
    interruption_end,
    next_period,
    period_containing,
    period_state,
)

INITIAL = PeriodDates(date(2023, 1, 1), date(2031, 12, 31), "initial")


def test_d10_registered_on_2022_12_31_gets_the_initial_period() -> None:
    assert first_period(date(2022, 12, 31)) == INITIAL


def test_d10_registered_long_before_2023_gets_the_initial_period() -> None:
    assert first_period(date(1985, 6, 1)) == INITIAL


def test_d11_registered_on_2023_01_01_gets_a_standard_period() -> None:
    assert first_period(date(2023, 1, 1)) == PeriodDates(date(2023, 1, 1), date(2028, 12, 31), "standard")


def test_d11_standard_period_ends_day_before_sixth_anniversary() -> None:
    assert first_period(date(2024, 9, 15)) == PeriodDates(date(2024, 9, 15), date(2030, 9, 14), "standard")


def test_d11_leap_day_registration_ends_on_28_february() -> None:
    assert first_period(date(2024, 2, 29)) == PeriodDates(date(2024, 2, 29), date(2030, 2, 28), "standard")


def test_d11_same_convention_gives_the_initial_end() -> None:
    config = RulesConfig()
    end = add_years(config.initial_start, config.initial_years) - timedelta(days=1)
    assert end == config.initial_end == date(2031, 12, 31)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2024, 9, 15), 6, date(2030, 9, 15)),
        (date(2024, 2, 29), 6, date(2030, 3, 1)),  # decision: no 29 February -> 1 March
        (date(2024, 2, 29), 4, date(2028, 2, 29)),  # leap year to leap year
        (date(2023, 2, 28), 1, date(2024, 2, 28)),
        (date(2023, 12, 31), 6, date(2029, 12, 31)),
    ],
)
def test_d11_add_years_is_the_anniversary(d: date, n: int, expected: date) -> None:
    assert add_years(d, n) == expected


def test_d11_standard_length_is_configuration() -> None:
    config = RulesConfig(standard_years=5)
    assert first_period(date(2024, 9, 15), config).end == date(2029, 9, 14)


def test_d12_next_period_starts_the_next_day_for_six_years() -> None:
    assert next_period(date(2031, 12, 31)) == PeriodDates(date(2032, 1, 1), date(2037, 12, 31), "standard")


def test_d12_next_period_after_a_leap_day_period() -> None:
    assert next_period(date(2030, 2, 28)) == PeriodDates(date(2030, 3, 1), date(2036, 2, 29), "standard")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2020, 1, 1), INITIAL),  # before the first period: the first period
        (date(2031, 12, 31), INITIAL),
        (date(2032, 1, 1), PeriodDates(date(2032, 1, 1), date(2037, 12, 31), "standard")),
        (date(2040, 6, 1), PeriodDates(date(2038, 1, 1), date(2043, 12, 31), "standard")),
    ],
)
def test_d12_period_containing_chains_periods(on: date, expected: PeriodDates) -> None:
    assert period_containing(date(2010, 3, 1), on) == expected


def test_d12_period_containing_for_a_standard_start() -> None:
    assert period_containing(date(2024, 9, 15), date(2030, 9, 15)) == PeriodDates(
        date(2030, 9, 15), date(2036, 9, 14), "standard"
    )


START, END = INITIAL.start, INITIAL.end


def _days(first: date, n: int) -> tuple[date, date]:
    """An inclusive range of n days starting on first."""
    return (first, first + timedelta(days=n - 1))


def test_d15_interruption_of_exactly_1095_days_does_not_end_the_period() -> None:
    assert interruption_end(START, END, [_days(date(2024, 1, 1), 1095)]) is None


def test_d15_interruption_of_1096_days_ends_on_the_1096th_day() -> None:
    first, last = _days(date(2024, 1, 1), 1096)
    assert interruption_end(START, END, [(first, last)]) == last


def test_d15_the_end_is_the_crossing_day_not_the_end_of_the_interruption() -> None:
    first = date(2024, 1, 1)
    assert interruption_end(START, END, [_days(first, 2000)]) == first + timedelta(days=1095)


def test_d15_interruptions_cumulate() -> None:
    ranges = [_days(date(2023, 3, 1), 500), _days(date(2027, 1, 1), 596)]
    assert interruption_end(START, END, ranges) == date(2027, 1, 1) + timedelta(days=595)
    ranges = [_days(date(2023, 3, 1), 500), _days(date(2027, 1, 1), 595)]
    assert interruption_end(START, END, ranges) is None


def test_d15_overlapping_interruptions_count_each_day_once() -> None:
    # 2024-01-01 .. 2026-12-30 is 1,095 days; the second range adds only 2026-12-31.
    ranges = [_days(date(2024, 1, 1), 1095), (date(2025, 6, 1), date(2026, 12, 31))]
    assert interruption_end(START, END, ranges) == date(2026, 12, 31)
    ranges = [_days(date(2024, 1, 1), 1095), (date(2025, 6, 1), date(2026, 12, 30))]
    assert interruption_end(START, END, ranges) is None


def test_d15_unsorted_nested_and_adjacent_interruptions() -> None:
    ranges = [
        (date(2025, 1, 1), date(2026, 12, 30)),  # 729 days
        (date(2025, 3, 1), date(2025, 4, 1)),  # nested: adds nothing
        (date(2024, 1, 1), date(2024, 12, 31)),  # 366 days, adjacent to the first: 1,095
    ]
    assert interruption_end(START, END, ranges) is None
    assert interruption_end(START, END, [*ranges, (date(2030, 1, 1), date(2030, 1, 1))]) == (date(2030, 1, 1))


def test_d15_only_days_inside_the_period_count() -> None:
    # Starts 10 days before the period: 1,105 days in all, 1,095 inside it.
    ranges = [_days(START - timedelta(days=10), 1105)]
    assert interruption_end(START, END, ranges) is None
    ranges = [_days(START - timedelta(days=10), 1106)]
    assert interruption_end(START, END, ranges) == START + timedelta(days=1095)


def test_d15_interruption_running_past_the_period_end_is_clipped() -> None:
    start, end = date(2024, 9, 15), date(2030, 9, 14)
    last_1095 = end - timedelta(days=1094)  # from here to the end: 1,095 days
    assert interruption_end(start, end, [(last_1095, date(2035, 1, 1))]) is None
    last_1096 = end - timedelta(days=1095)
    assert interruption_end(start, end, [(last_1096, date(2035, 1, 1))]) == end


def test_d15_ranges_outside_the_period_or_inverted_are_ignored() -> None:
    ranges = [(date(2010, 1, 1), date(2022, 12, 31)), (date(2026, 1, 1), date(2025, 1, 1))]
    assert interruption_end(START, END, ranges) is None


def test_d15_threshold_is_configuration() -> None:
    config = RulesConfig(interruption_threshold_days=10)
    assert interruption_end(START, END, [_days(date(2024, 1, 1), 11)], config) == date(2024, 1, 11)


@settings(max_examples=200, deadline=None)
@given(
    ranges=st.lists(
        st.tuples(st.integers(-20, 80), st.integers(0, 40)).map(
            lambda t: (date(2023, 1, 1) + timedelta(days=t[0]), t[1])
        ),
        max_size=6,
    ),
    threshold=st.integers(0, 60),
)
def test_d15_matches_day_by_day_count(ranges: list[tuple[date, int]], threshold: int) -> None:
    start, end = date(2023, 1, 1), date(2023, 3, 1)
    intervals = [(first, first + timedelta(days=n - 1)) for first, n in ranges]
    days = sorted(
        {
            first + timedelta(days=k)
            for first, last in intervals
            for k in range((last - first).days + 1)
            if start <= first + timedelta(days=k) <= end
        }
    )
    expected = days[threshold] if len(days) > threshold else None
    config = RulesConfig(interruption_threshold_days=threshold)
    assert interruption_end(start, end, intervals, config) == expected
    assert interruption_end(start, end, list(reversed(intervals)), config) == expected


@pytest.mark.parametrize("stored", ["ended_interruption", "ended_profession_change"])
def test_d13_d15_recorded_end_states_are_kept(stored: str) -> None:
    assert period_state(stored, END, date(2025, 1, 1)) == stored
    assert period_state(stored, END, date(2040, 1, 1)) == stored


def test_d12_period_is_open_until_its_last_day_and_ended_the_day_after() -> None:
    assert period_state("open", END, END) == "open"
    assert period_state("open", END, END + timedelta(days=1)) == "ended"
    assert period_state("ended", END, date(2025, 1, 1)) == "open"  # derived from the date
