"""Array parameters written as one literal (certipro/core/sql.py) read back as the very values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from certipro.core.sql import array_literal

TEXTS = [
    "plain",
    "",
    "NULL",
    'with "quotes"',
    "back\\slash",
    "a,b",
    "{braces}",
    " spaced ",
    "l'apostrophe",
    "é",
]


def round_trip(values: list[Any], kind: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{kind}[]", [array_literal(values)])
        got: list[Any] = cursor.fetchone()[0]
        return got


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL arrays")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (TEXTS, "text"),
        ([*TEXTS, None], "text"),
        ([1, 10**15, -3], "bigint"),
        ([date(2024, 2, 29), None, date(2031, 12, 31)], "date"),
        ([Decimal("7"), Decimal("2.5"), None], "numeric"),
        ([], "bigint"),
    ],
)
def test_an_array_literal_reads_back_as_its_values(values: list[Any], kind: str) -> None:
    assert round_trip(values, kind) == values


def test_a_value_without_a_literal_form_is_refused() -> None:
    with pytest.raises(TypeError, match="no array literal for float"):
        array_literal([1.5])
