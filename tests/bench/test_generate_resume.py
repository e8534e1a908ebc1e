"""`bench.generate --resume` records, after a crash, exactly the actions the first run would have."""

from __future__ import annotations

from typing import Any

import pytest

from certipro.actions.models import Action
from tests.conftest import TODAY

FIELDS = ("professional_id", "type_code", "start_date", "end_date", "hours", "axis", "state", "source")


def actions() -> list[tuple[Any, ...]]:
    return sorted(Action.objects.values_list(*FIELDS))


@pytest.mark.django_db
def test_a_resumed_generation_records_only_what_is_missing_and_the_same_rows() -> None:
    from bench.generate import generate

    generate(120, seed=5, today=TODAY, workers=1, log=lambda _: None)
    whole = actions()
    lost = Action.objects.filter(source="organism")
    assert lost.exists()
    lost.delete()  # as if the organism transaction of the chunk had not committed
    figures = generate(120, seed=5, today=TODAY, workers=1, resume=True, log=lambda _: None)
    assert actions() == whole
    assert 0 < figures.actions_accepted < len(whole)  # the organism claims only
    again = generate(120, seed=5, today=TODAY, workers=1, resume=True, log=lambda _: None)
    assert again.actions_accepted == 0 and actions() == whole
