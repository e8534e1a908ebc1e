"""Pace (domain D-26)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from certipro.certification.rules import Pace, RulesConfig, pace

# A 100-day period makes shares exact.
START, END = date(2025, 1, 1), date(2025, 4, 10)
NO_RISK = RulesConfig(at_risk_days_per_slot=0)


def test_d26_first_day_nothing_elapsed() -> None:
    # 8 slots * 60 days > 100 days would be at risk: switch that off here.
    result = pace(start=START, end=END, as_of=START, slots_done=0, slots_required=8, config=NO_RISK)
    assert result == Pace(
        elapsed_share=0.0,
        done_share=0.0,
        days_left=100,
        remaining_slots=8,
        on_track=True,
        at_risk=False,
        state="on_track",
    )


def test_d26_behind_only_beyond_the_tolerance() -> None:
    as_of = START + timedelta(days=30)  # 30 % elapsed, 70 days left
    on_edge = pace(start=START, end=END, as_of=as_of, slots_done=2, slots_required=10, config=NO_RISK)
    assert (on_edge.elapsed_share, on_edge.done_share, on_edge.days_left) == (0.3, 0.2, 70)
    assert on_edge.on_track and on_edge.state == "on_track"  # 0.2 is not below 0.3 - 0.1
    below = pace(start=START, end=END, as_of=as_of, slots_done=1, slots_required=10, config=NO_RISK)
    assert not below.on_track and below.state == "behind"


def test_d26_tolerance_is_configuration() -> None:
    as_of = START + timedelta(days=30)
    config = RulesConfig(pace_tolerance=0.0, at_risk_days_per_slot=0)
    result = pace(start=START, end=END, as_of=as_of, slots_done=2, slots_required=10, config=config)
    assert result.state == "behind"


def test_d26_at_risk_when_remaining_slots_need_more_days_than_left() -> None:
    start, end = date(2023, 1, 1), date(2031, 12, 31)
    as_of = end - timedelta(days=119)  # 120 days left, as_of included
    edge = pace(start=start, end=end, as_of=as_of, slots_done=6, slots_required=8)
    assert (edge.days_left, edge.remaining_slots, edge.at_risk) == (120, 2, False)
    later = pace(start=start, end=end, as_of=as_of + timedelta(days=1), slots_done=6, slots_required=8)
    assert later.at_risk and later.state == "at_risk"
    assert not later.on_track  # 97 % elapsed, 75 % done


def test_d26_at_risk_threshold_is_configuration() -> None:
    config = RulesConfig(at_risk_days_per_slot=30)
    result = pace(start=START, end=END, as_of=START, slots_done=4, slots_required=8, config=config)
    assert result.at_risk  # 4 * 30 > 100


def test_d26_complete_is_never_at_risk_nor_behind() -> None:
    result = pace(start=START, end=END, as_of=END, slots_done=9, slots_required=8)
    assert result.state == "complete"
    assert (result.done_share, result.remaining_slots, result.at_risk) == (1.0, 0, False)
    assert result.on_track


def test_d26_last_day_has_one_day_left() -> None:
    result = pace(start=START, end=END, as_of=END, slots_done=7, slots_required=8)
    assert (result.days_left, result.elapsed_share, result.state) == (1, 0.99, "at_risk")


def test_d26_after_the_end_an_incomplete_period_is_ended() -> None:
    result = pace(start=START, end=END, as_of=END + timedelta(days=1), slots_done=7, slots_required=8)
    assert (result.days_left, result.elapsed_share, result.state) == (0, 1.0, "ended")
    assert result.at_risk


def test_d26_after_the_end_a_complete_period_stays_complete() -> None:
    result = pace(start=START, end=END, as_of=date(2030, 1, 1), slots_done=8, slots_required=8)
    assert result.state == "complete"


def test_d26_before_the_start_the_whole_period_is_left() -> None:
    as_of = date(2024, 1, 1)
    result = pace(start=START, end=END, as_of=as_of, slots_done=0, slots_required=8, config=NO_RISK)
    assert (result.days_left, result.elapsed_share, result.state) == (100, 0.0, "on_track")


def test_d26_nothing_required_is_complete() -> None:
    result = pace(start=START, end=END, as_of=START, slots_done=0, slots_required=0)
    assert (result.done_share, result.state) == (1.0, "complete")


def test_d26_shares_are_rounded_to_four_decimals() -> None:
    result = pace(start=START, end=END, as_of=START + timedelta(days=1), slots_done=1, slots_required=3)
    assert (result.elapsed_share, result.done_share) == (0.01, 0.3333)


def test_d26_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        pace(start=END, end=START, as_of=START, slots_done=0, slots_required=8)
