"""The status object of contracts/status.md as a schema, for the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from ninja import Schema


class Cycle(Schema):
    start: str
    end: str
    kind: Literal["initial", "standard"]
    state: Literal["open", "ended", "ended_interruption", "ended_profession_change"]


class Axis(Schema):
    axis: int
    required: int
    counted: int
    status: Literal["complete", "in_progress", "exempt"]


class Pace(Schema):
    state: str
    elapsed_share: float
    done_share: float
    days_left: int
    remaining_slots: int


class CertificationStatus(Schema):
    rpps: str
    profession: str
    cycle: Cycle
    referentiels: list[str]
    axes: list[Axis]
    progress: float
    status: Literal["complete", "in_progress"]
    pace: Pace
