"""One declaration as the API receives it (contracts/declarations.md), validated field by field.

Each declaration of a batch is validated on its own: a malformed field rejects only that
declaration, with `invalid` and a message naming the field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE = re.compile(r"^[A-Z0-9-]{2,40}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A cell starting with these is run as a formula by spreadsheets (CSV injection): refused in text.
FORMULA_START = ("=", "+", "@", "-", "\t", "\r")
FIELDS = ("external_id", "rpps", "action_type", "title", "start_date", "end_date", "hours", "axis")


def _text(value: Any, *, field: str, max_length: int, min_length: int = 0) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) < min_length:
        raise ValueError("is required" if min_length else "is too short")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def _date(value: Any) -> date:
    if not isinstance(value, str) or not DATE.match(value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    external_id: str
    rpps: str
    action_type: str
    end_date: date
    title: str = ""
    start_date: date | None = None
    hours: Decimal | None = None
    axis: int | None = None

    @field_validator("external_id", mode="before")
    @classmethod
    def _external_id(cls, value: Any) -> str:
        return _text(value, field="external_id", max_length=128, min_length=1)

    @field_validator("rpps", mode="before")
    @classmethod
    def _rpps(cls, value: Any) -> str:
        if not isinstance(value, str) or len(value) != 11 or not value.isdigit():
            raise ValueError("must be a string of 11 digits")
        return value

    @field_validator("action_type", mode="before")
    @classmethod
    def _action_type(cls, value: Any) -> str:
        if not isinstance(value, str) or not CODE.match(value):
            raise ValueError("must be an action type code ([A-Z0-9-], 2 to 40 characters)")
        return value

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        if value is None:
            return ""
        text = _text(value, field="title", max_length=300)
        if text.startswith(FORMULA_START):
            raise ValueError("must not start with =, +, -, @ (it would run as a spreadsheet formula)")
        return text

    @field_validator("start_date", mode="before")
    @classmethod
    def _start_date(cls, value: Any) -> date | None:
        return None if value is None else _date(value)

    @field_validator("end_date", mode="before")
    @classmethod
    def _end_date(cls, value: Any) -> date:
        return _date(value)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("must be a number")
        try:
            hours = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if not hours.is_finite() or not (Decimal(0) < hours <= Decimal(2000)):
            raise ValueError("must be greater than 0 and at most 2000")
        return hours.quantize(Decimal("0.01"))

    @field_validator("axis", mode="before")
    @classmethod
    def _axis(cls, value: Any) -> int | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or str(value) not in {"1", "2", "3", "4"}
        ):
            raise ValueError("must be one of 1, 2, 3, 4")
        return int(value)


def parse_declaration(item: Any) -> tuple[DeclarationIn | None, list[str]]:
    """The declaration, or the messages of its invalid fields (each naming the field)."""
    if not isinstance(item, dict):
        return None, ["declaration: must be an object"]
    if "__line__" in item:  # a CSV line that could not be split into the header's columns
        return None, [f"line: {item['__line__']}"]
    try:
        declaration = DeclarationIn.model_validate(item)
    except ValidationError as exc:
        return None, [_message(error) for error in exc.errors()]
    if declaration.start_date is not None and declaration.start_date > declaration.end_date:
        return None, ["start_date: must be on or before end_date"]
    return declaration, []


def _message(error: Any) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "declaration"
    if error["type"] == "missing":
        return f"{field}: is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}"
